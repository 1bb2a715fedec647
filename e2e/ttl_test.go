//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// ttlColl is the collection TestTTL works on.
const ttlColl = "ttl"

// ttlSeconds is the TTL TestTTL sets: short, so that the test is fast, and
// long enough that rows checked right after their insert have not expired.
const ttlSeconds = 3

// TestTTL: collection.ttl.seconds through the API of the real binary.
// Created with params.ttlSeconds, rows are visible, then invisible to
// query, get, count and search once their TTL has passed, in flushed and
// growing segments alike; an expired row's key takes a new insert;
// compaction removes the expired rows and GC their objects; after a
// restart expired rows stay invisible; alter_properties raising the TTL
// shows the stored rows again, and drop_properties stops expiry. Bad
// values are refused and change nothing.
func TestTTL(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	flags := []string{"--gc-tolerance", "1s", "--gc-interval", "1s"}
	p := startStandalone(t, data, flags...)
	ttlRefusals(t, p)
	p.ok("collections/create", map[string]any{"collectionName": ttlColl, "params": map[string]any{"ttlSeconds": ttlSeconds},
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 4}},
		}},
		"indexParams": []map[string]any{{"fieldName": "v", "indexType": "FLAT", "metricType": "L2"}}})
	wantTTL(t, p, strconv.Itoa(ttlSeconds))

	// Rows are visible as soon as they are written.
	insertRows(t, p, 0, 100)
	checkVisible(t, p, "fresh", ids(0, 100))
	// With a long TTL meanwhile, 100 rows are flushed and 50 more stay in
	// a growing segment: the TTL applies to rows already stored.
	alterTTL(t, p, "3600")
	waitSealedFlushed(t, p, ttlColl)
	objects := func() int64 { return fileCount(t, filepath.Join(data, "objects", "insert_log")) }
	if objects() == 0 {
		t.Fatal("no insert_log objects after a flush")
	}
	insertRows(t, p, 100, 150)
	checkVisible(t, p, "flushed and growing", ids(0, 150))
	alterTTL(t, p, strconv.Itoa(ttlSeconds))
	time.Sleep((ttlSeconds + 1) * time.Second)
	checkVisible(t, p, "expired", nil) // Strong: gone at once
	waitCount(t, p, "Bounded", 0)      // the default level: within its staleness bound
	// The listing counts them; the flushed segment may be gone already:
	// its leader compacts segments whose rows expired like deleted ones.
	segs := ttlSegments(t, p)
	for _, s := range segs {
		if s.Expired != s.Rows {
			t.Fatalf("a %s segment has %d rows, %d expired, want all: %+v", s.State, s.Rows, s.Expired, segs)
		}
	}
	if states := expiredByState(segs); states["Growing"] != 50 || states["Flushed"]%100 != 0 {
		t.Fatalf("expired rows by segment state %v, want 50 growing (and 100 flushed unless compacted): %+v", states, segs)
	}

	// An expired row's key is free: inserting it again is no duplicate,
	// and so is importing it.
	insertRows(t, p, 0, 5)
	importTTLRows(t, p, filepath.Join(data, "objects"), 5, 10)
	checkVisible(t, p, "re-inserted and imported", ids(0, 10))
	waitCount(t, p, "Strong", 0)

	// Compaction drops the expired rows (the leaders' own compactions may
	// be first), GC their objects.
	p.ok("collections/flush", map[string]any{"collectionName": ttlColl})
	waitFor(t, "the flush", func() bool {
		for _, s := range ttlSegments(t, p) {
			if s.State != "Flushed" {
				return false
			}
		}
		return true
	})
	p.ok("collections/compact", map[string]any{"collectionName": ttlColl})
	waitFor(t, "compaction to drop every expired row", func() bool {
		return len(ttlSegments(t, p)) == 0
	})
	waitFor(t, "GC to delete the compacted segments' objects", func() bool { return objects() == 0 })

	// A restart keeps the TTL, the write times and the leader time.
	insertRows(t, p, 1000, 1010)
	waitCount(t, p, "Strong", 0)
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, flags...)
	wantTTL(t, p, strconv.Itoa(ttlSeconds))
	checkVisible(t, p, "restarted", nil)
	// Raising the TTL shows the expired rows no compaction has dropped;
	// dropping it stops expiry.
	alterTTL(t, p, "3600")
	checkVisible(t, p, "ttl raised", ids(1000, 1010))
	p.ok("collections/drop_properties", map[string]any{"collectionName": ttlColl, "propertyKeys": []string{"collection.ttl.seconds"}})
	wantTTL(t, p, "")
	insertRows(t, p, 2000, 2005)
	time.Sleep((ttlSeconds + 1) * time.Second)
	checkVisible(t, p, "ttl dropped", append(ids(1000, 1010), ids(2000, 2005)...))
}

// ttlRefusals: bad TTLs are refused with a clear error and change nothing.
func ttlRefusals(t *testing.T, p *proc) {
	t.Helper()
	for _, ttl := range []any{-1, "soon", 1.5} {
		env := p.call("collections/create", map[string]any{"collectionName": "bad", "dimension": 4, "params": map[string]any{"ttlSeconds": ttl}})
		if env.Code != 1100 {
			t.Fatalf("create with ttlSeconds %v: code %d %s, want 1100", ttl, env.Code, env.Message)
		}
	}
	if env := p.ok("collections/has", map[string]any{"collectionName": "bad"}); string(env.Data) != `{"has":false}` {
		t.Fatalf("a refused create made the collection: %s", env.Data)
	}
	p.ok("collections/create", map[string]any{"collectionName": "bad", "dimension": 4})
	env := p.call("collections/alter_properties", map[string]any{"collectionName": "bad", "properties": map[string]any{"collection.ttl.seconds": "-5"}})
	if env.Code != 1100 {
		t.Fatalf("alter_properties ttl -5: code %d %s, want 1100", env.Code, env.Message)
	}
	if got := describedTTL(t, p, "bad"); got != "" {
		t.Fatalf("a refused alter left ttl %q", got)
	}
	p.ok("collections/drop", map[string]any{"collectionName": "bad"})
}

func insertRows(t *testing.T, p *proc, from, to int) {
	t.Helper()
	var rows []map[string]any
	for i := from; i < to; i++ {
		rows = append(rows, map[string]any{"id": i, "v": vec(i, 4)})
	}
	p.ok("entities/insert", map[string]any{"collectionName": ttlColl, "data": rows})
}

// importTTLRows imports rows from to to-1 from a JSON file in the node's
// object store.
func importTTLRows(t *testing.T, p *proc, objects string, from, to int) {
	t.Helper()
	var rows []map[string]any
	for i := from; i < to; i++ {
		rows = append(rows, map[string]any{"id": i, "v": vec(i, 4)})
	}
	js, _ := json.Marshal(map[string]any{"rows": rows})
	if err := os.MkdirAll(filepath.Join(objects, "imports"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(objects, "imports", "ttl.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	if pr := runImport(t, p, ttlColl, "imports/ttl.json"); pr.State != "Completed" || pr.Imported != int64(to-from) {
		t.Fatalf("import over expired keys: %+v", pr)
	}
}

func alterTTL(t *testing.T, p *proc, seconds string) {
	t.Helper()
	p.ok("collections/alter_properties", map[string]any{"collectionName": ttlColl, "properties": map[string]any{"collection.ttl.seconds": seconds}})
	wantTTL(t, p, seconds)
}

// describedTTL returns collection.ttl.seconds as describe shows it ("" if
// absent).
func describedTTL(t *testing.T, p *proc, coll string) string {
	t.Helper()
	var d struct {
		Properties []struct{ Key, Value string } `json:"properties"`
	}
	if err := json.Unmarshal(p.ok("collections/describe", map[string]any{"collectionName": coll}).Data, &d); err != nil {
		t.Fatal(err)
	}
	for _, kv := range d.Properties {
		if kv.Key == "collection.ttl.seconds" {
			return kv.Value
		}
	}
	return ""
}

func wantTTL(t *testing.T, p *proc, want string) {
	t.Helper()
	if got := describedTTL(t, p, ttlColl); got != want {
		t.Fatalf("describe shows collection.ttl.seconds %q, want %q", got, want)
	}
}

// checkVisible checks, at Strong, that query, get, count(*) and search
// see exactly the rows want (and get_stats counts them).
func checkVisible(t *testing.T, p *proc, stage string, want []int64) {
	t.Helper()
	strong := "Strong"
	var rows []struct {
		ID int64 `json:"id"`
	}
	env := p.ok("entities/query", map[string]any{"collectionName": ttlColl, "filter": "id >= 0", "limit": 16384, "consistencyLevel": strong})
	if err := json.Unmarshal(env.Data, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("%s: query saw %d rows, want %d", stage, len(rows), len(want))
	}
	probe := []int64{0, 42, 120, 1000, 2000}
	env = p.ok("entities/get", map[string]any{"collectionName": ttlColl, "id": probe, "consistencyLevel": strong})
	if err := json.Unmarshal(env.Data, &rows); err != nil {
		t.Fatal(err)
	}
	if n := len(intersect(probe, want)); len(rows) != n {
		t.Fatalf("%s: get of %v saw %d rows, want %d", stage, probe, len(rows), n)
	}
	if n := count(t, p, strong); n != int64(len(want)) {
		t.Fatalf("%s: count(*) = %d, want %d", stage, n, len(want))
	}
	env = p.ok("entities/search", map[string]any{"collectionName": ttlColl, "data": [][]float32{vec(7, 4)}, "limit": 200,
		"consistencyLevel": strong})
	var hits []json.RawMessage
	if err := json.Unmarshal(env.Data, &hits); err != nil {
		t.Fatal(err)
	}
	if len(hits) != min(len(want), 200) {
		t.Fatalf("%s: search found %d hits, want %d", stage, len(hits), min(len(want), 200))
	}
	var stats struct {
		RowCount int64 `json:"rowCount"`
	}
	if err := json.Unmarshal(p.ok("collections/get_stats", map[string]any{"collectionName": ttlColl}).Data, &stats); err != nil {
		t.Fatal(err)
	}
	if stats.RowCount != int64(len(want)) {
		t.Fatalf("%s: get_stats rowCount %d, want %d", stage, stats.RowCount, len(want))
	}
}

func count(t *testing.T, p *proc, level string) int64 {
	t.Helper()
	return countAt(t, p, ttlColl, "", level)
}

// waitCount waits until count(*) at a level is want.
func waitCount(t *testing.T, p *proc, level string, want int64) {
	t.Helper()
	waitFor(t, "count(*) at "+level+" to reach "+strconv.FormatInt(want, 10), func() bool { return count(t, p, level) == want })
}

// waitFor polls done for up to 60 s.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ttlSegments lists the TTL collection's segments.
func ttlSegments(t *testing.T, p *proc) []segInfo {
	t.Helper()
	return segmentsOf(t, p, ttlColl)
}

func expiredByState(segs []segInfo) map[string]int64 {
	out := map[string]int64{}
	for _, s := range segs {
		out[s.State] += s.Expired
	}
	return out
}

func intersect(a, b []int64) []int64 {
	in := map[int64]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []int64
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// fileCount counts the files under dir (0 if it does not exist).
func fileCount(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n++
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return n
}
