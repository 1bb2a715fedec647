package main

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/server"
)

func TestBenchFilterQueriesDeterministic(t *testing.T) {
	q1 := filterQueries(200, 5000, 100, 8, 42)
	q2 := filterQueries(200, 5000, 100, 8, 42)
	q3 := filterQueries(200, 5000, 100, 8, 43)
	eq := func(a, b filterQuery) bool {
		return a.Attr == b.Attr && a.Lookup == b.Lookup && slices.Equal(a.Vec, b.Vec)
	}
	if !slices.EqualFunc(q1, q2, eq) {
		t.Fatal("the same seed gave different queries")
	}
	if slices.EqualFunc(q1, q3, eq) {
		t.Error("seeds 42 and 43 gave the same queries")
	}
	// --queries 100 runs the first 100 of --queries 200.
	if !slices.EqualFunc(filterQueries(100, 5000, 100, 8, 42), q1[:100], eq) {
		t.Error("the queries of a smaller --queries are not a prefix")
	}
	attrs, lookups := map[int64]bool{}, map[int64]bool{}
	for _, q := range q1 {
		if q.Attr < 0 || q.Attr >= 100 || q.Lookup < 0 || q.Lookup >= 5000 || len(q.Vec) != 8 {
			t.Fatalf("query out of range: %+v", q)
		}
		attrs[q.Attr], lookups[q.Lookup] = true, true
	}
	if len(attrs) < 50 || len(lookups) < 150 {
		t.Errorf("%d distinct attr values and %d distinct lookups in 200 queries", len(attrs), len(lookups))
	}
}

func TestBenchFilterEncodeRows(t *testing.T) {
	body := encodeFilterRows(`c"1`, 95, 105, 10, 3, 7)
	var req struct {
		CollectionName string
		Data           []struct {
			ID, Attr int64
			Tag      string
			V        []float32
		}
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if req.CollectionName != `c"1` || len(req.Data) != 10 {
		t.Fatalf("collection %q, %d rows", req.CollectionName, len(req.Data))
	}
	for i, r := range req.Data {
		id := int64(95 + i)
		if r.ID != id || r.Attr != id%10 || r.Tag != filterTag(id) || !slices.Equal(r.V, rowVector(7, id, 3)) {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	if filterTag(42) != "tag-00000042" || slices.Equal(rowVector(7, 1, 3), rowVector(7, 2, 3)) || slices.Equal(rowVector(7, 1, 3), rowVector(8, 1, 3)) {
		t.Error("tags or row vectors")
	}
}

func TestBenchFilterDiffPhases(t *testing.T) {
	type sh = searchHit
	a := &phaseResult{
		hits: [][]searchHit{{sh{1, 0.5}, sh{2, 0.7}}, {sh{3, 1}}, {sh{4, 1}, sh{5, 2}}, nil, {sh{6, 1}}},
		rows: [][]lookupRow{{{1, 1}}, {{2, 2}}, {{3, 3}}, nil},
	}
	b := &phaseResult{
		hits: [][]searchHit{{sh{1, 0.5}, sh{2, 0.7}}, {sh{3, 1.0000001}}, {sh{5, 2}, sh{4, 1}}, {}, {sh{6, 1}, sh{7, 2}}},
		rows: [][]lookupRow{{{1, 1}}, {{2, 3}}, {{3, 3}, {3, 3}}, {}},
	}
	s, l := diffPhases(a, b)
	if !slices.Equal(s, []int{1, 2, 4}) || !slices.Equal(l, []int{1, 2}) {
		t.Errorf("differing searches %v (want 1 2 4: distance, order, extra hit), lookups %v (want 1 2)", s, l)
	}
	if s, l := diffPhases(a, a); len(s)+len(l) != 0 {
		t.Errorf("a phase differs from itself: %v %v", s, l)
	}
	if got := firstOf(s, []int{4, 0}, nil, l); !slices.Equal(got, []int{1, 4}) {
		t.Errorf("firstOf %v", got)
	}
}

func TestBenchFilterChecks(t *testing.T) {
	const rows, distinct, k = 25, 10, 2
	qs := []filterQuery{{Attr: 3, Lookup: 13}, {Attr: 3, Lookup: 7}, {Attr: 7}, {Attr: 5}, {Attr: 9}, {Attr: 1}}
	h := func(ids ...int64) []searchHit {
		out := make([]searchHit, len(ids))
		for i, id := range ids {
			out[i] = searchHit{ID: id}
		}
		return out
	}
	// attr 3 and 1 match 3 rows (3, 13, 23; 1, 11, 21), attr 7 and 9 two
	// (rows < 25).
	hits := [][]searchHit{h(13, 3), h(13), h(7, 17), h(5, 25), h(9, 9), h(11, 1, 21)}
	if bad := badSearches(qs, hits, rows, distinct, k); !slices.Equal(bad, []int{1, 3, 4, 5}) {
		t.Errorf("bad searches %v, want 1 (short), 3 (row 25 does not exist), 4 (duplicate), 5 (too many)", bad)
	}
	got := [][]lookupRow{{{13, 3}}, {{7, 3}}}
	if bad := badLookups(qs[:2], got, distinct); !slices.Equal(bad, []int{1}) {
		t.Errorf("bad lookups %v, want 1 (attr 3 for id 7)", bad)
	}
	got = [][]lookupRow{nil, {{7, 7}, {7, 7}}}
	if bad := badLookups(qs[:2], got, distinct); !slices.Equal(bad, []int{0, 1}) {
		t.Errorf("bad lookups %v, want 0 (none) and 1 (two rows)", bad)
	}

	// The exact top-k is the nearest rows of the attr value, nearest first.
	q := filterQuery{Vec: rowVector(5, 23, 4), Attr: 3}
	top := exactFiltered(q, rows, distinct, 4, 5, k)
	if len(top) != k || top[0] != 23 || top[1]%distinct != 3 {
		t.Fatalf("exact top-%d %v, want 23 first and another row with attr 3", k, top)
	}
	if all := exactFiltered(q, rows, distinct, 4, 5, 10); len(all) != 3 {
		t.Errorf("all matches %v, want 3 rows", all)
	}
	other := top[1]
	notTop := 3 + 13 - other // the row with attr 3 not in the top-2
	if bad := inexact([][]int64{top, top}, [][]searchHit{h(other, 23), h(23, notTop)}); !slices.Equal(bad, []int{1}) {
		t.Errorf("inexact %v, want 1 (order does not matter, ids do)", bad)
	}
}

// TestBenchFilterFlags: bench filter's --collection, --rows and --dim
// shadow bench's persistent flags without changing their defaults.
func TestBenchFilterFlags(t *testing.T) {
	cmd := newBenchCmd()
	filter, _, err := cmd.Find([]string{"filter"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"collection": "bench_filter", "rows": "1000000", "dim": "16", "batch": "5000", "queries": "200"} {
		if f := filter.Flags().Lookup(name); f == nil || f.DefValue != want {
			t.Errorf("--%s: %v, want default %s", name, f, want)
		}
	}
	for name, want := range map[string]string{"collection": "bench", "rows": "100000", "dim": "128"} {
		if f := cmd.PersistentFlags().Lookup(name); f.DefValue != want || f.Value.String() != want {
			t.Errorf("bench --%s: default %s value %s, want %s", name, f.DefValue, f.Value, want)
		}
	}
}

var filterLine = regexp.MustCompile(`(?m)^(scan|index)\s+(search|lookup)\s+([0-9.]+)\s+\S+\s+\S+\s+(\d+)$`)

// TestBenchFilterAgainstServer runs bench filter on a small collection of
// a standalone server: the answers agree between the phases and with the
// exact top-k, and only the index phase reads through an index.
func TestBenchFilterAgainstServer(t *testing.T) {
	cfg := server.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr, cfg.RaftAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Raft.HeartbeatTimeout, cfg.Raft.ElectionTimeout = 200*time.Millisecond, 200*time.Millisecond
	s, err := server.Start(cfg, hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: io.Discard}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	o := &filterOpts{benchOpts: &benchOpts{addr: "http://" + s.HTTPAddr(), clients: 2, seed: 3},
		collection: "f", rows: 3000, dim: 8, distinct: 100, batch: 500, queries: 20, level: "Eventually"}
	var out bytes.Buffer
	if err := benchFilter(&out, o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// Again on the same collection: the indexes of the first run are dropped.
	o.skipInsert = true
	if err := benchFilter(&out, o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	t.Log(text)
	lines := filterLine.FindAllStringSubmatch(text, -1)
	if len(lines) != 8 {
		t.Fatalf("want 4 rows per run:\n%s", text)
	}
	for _, l := range lines {
		reads, _ := strconv.Atoi(l[4])
		if qps, _ := strconv.ParseFloat(l[3], 64); qps <= 0 || (l[1] == "scan") != (reads == 0) {
			t.Errorf("%q: want QPS > 0 and index reads only in the index phase", l[0])
		}
	}
	for _, want := range []string{
		"searches: 0 of 20 differ between the phases; 0 answers (scan and index) break the filter or the hit count; differ from the exact filtered top-10: 0 (scan and index)",
		"lookups: 0 of 20 differ between the phases; 0 answers (scan and index) are not exactly their row",
		"dropped the indexes on attr and tag of an earlier run: attr_idx, tag_idx",
	} {
		if c := bytes.Count(out.Bytes(), []byte(want)); c == 0 {
			t.Errorf("missing %q", want)
		}
	}
}

func TestBenchFilterPrintChecks(t *testing.T) {
	o := &filterOpts{benchOpts: &benchOpts{seed: 5}, rows: 20, dim: 2, distinct: 10}
	qs := []filterQuery{{Vec: []float32{0, 0}, Attr: 3, Lookup: 13}, {Vec: []float32{1, 1}, Attr: 4, Lookup: 4}}
	hits := func(q filterQuery) []searchHit {
		var out []searchHit
		for _, id := range exactFiltered(q, o.rows, o.distinct, o.dim, o.seed, filterTopK) {
			out = append(out, searchHit{ID: id, Score: 1})
		}
		return out
	}
	scan := &phaseResult{hits: [][]searchHit{hits(qs[0]), hits(qs[1])}, rows: [][]lookupRow{{{13, 3}}, {{4, 4}}}, lookupReads: 0}
	idx := &phaseResult{hits: [][]searchHit{hits(qs[0]), hits(qs[1])[:1]}, rows: [][]lookupRow{{{13, 3}}, nil}, searchReads: 2, lookupReads: 2}
	var out bytes.Buffer
	o.printChecks(&out, qs, scan, idx)
	for _, want := range []string{
		"searches: 1 of 2 differ between the phases; 1 answers (scan and index) break the filter or the hit count; differ from the exact filtered top-10: 1 (scan and index)",
		"lookups: 1 of 2 differ between the phases; 1 answers (scan and index) are not exactly their row with attr == id mod 10",
		"+0 in the scan phase (want 0), +4 in the index phase",
		"  search 1 (attr == 4)\n    scan  [",
		"  lookup 1 (id 4): scan [{4 4}], index []",
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("missing %q in\n%s", want, out.String())
		}
	}
}
