package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
)

// filterExactMax bounds the row vectors the exact check generates.
const filterExactMax = 10_000_000

// report prints both phases' figures, the index build on first use, the
// speedups and the correctness checks.
func (o *filterOpts) report(w io.Writer, queries []filterQuery, scan, idx *phaseResult, first firstUseTimes) {
	fmt.Fprintf(w, "queries: %d filtered searches (attr == x: 1 row in %d, top-%d) and %d lookups (tag == \"tag-…\") per phase, %s, %d clients, %d nodes\n",
		len(queries), o.distinct, filterTopK, len(queries), o.level, o.clients, len(o.nodes()))
	fmt.Fprintf(w, "%-6s %-7s %10s %10s %10s %12s\n", "phase", "kind", "QPS", "p50", "p99", "index reads")
	for _, p := range []struct {
		phase, kind string
		t           passTimes
		reads       float64
	}{{"scan", "search", scan.search, scan.searchReads}, {"scan", "lookup", scan.lookup, scan.lookupReads},
		{"index", "search", idx.search, idx.searchReads}, {"index", "lookup", idx.lookup, idx.lookupReads}} {
		fmt.Fprintf(w, "%-6s %-7s %10.1f %10s %10s %12.0f\n", p.phase, p.kind, p.t.qps(), fmtLatency(p.t.p50()), fmtLatency(p.t.p99()), p.reads)
	}
	fmt.Fprintf(w, "index build on first use: first filtered search %s (STL_SORT on attr), first lookup %s (INVERTED on tag); %.0f segment reads through an index, derived index memory %+.1f MB\n",
		fmtLatency(first.search), fmtLatency(first.lookup), first.reads, first.bytes/1e6)
	if first.bytes == 0 { // NaN: the server does not say
		fmt.Fprintln(w, "  (nothing was built: the segments kept the indexes built in an earlier run, so this is no build time; restart the server to time the build)")
	}
	printSpeedup(w, "search", scan.search, idx.search)
	printSpeedup(w, "lookup", scan.lookup, idx.lookup)
	o.printChecks(w, queries, scan, idx)
}

// printSpeedup prints how much faster the index phase was for one kind.
func printSpeedup(w io.Writer, kind string, scan, idx passTimes) {
	fmt.Fprintf(w, "speedup %s: p50 %.1fx (%s → %s), QPS %.1fx (%.1f → %.1f)\n", kind,
		float64(scan.p50())/float64(idx.p50()), fmtLatency(scan.p50()), fmtLatency(idx.p50()),
		idx.qps()/scan.qps(), scan.qps(), idx.qps())
}

// printChecks prints the correctness counts (want 0) and the first
// offending query of each.
func (o *filterOpts) printChecks(w io.Writer, queries []filterQuery, scan, idx *phaseResult) {
	ds, dl := diffPhases(scan, idx)
	bs := append(badSearches(queries, scan.hits, o.rows, o.distinct, filterTopK), badSearches(queries, idx.hits, o.rows, o.distinct, filterTopK)...)
	bl := append(badLookups(queries, scan.rows, o.distinct), badLookups(queries, idx.rows, o.distinct)...)
	exact := "skipped (too many rows match)"
	var ie []int
	if n := (o.rows + o.distinct - 1) / o.distinct * len(queries); n <= filterExactMax {
		top := make([][]int64, len(queries))
		for i, q := range queries {
			top[i] = exactFiltered(q, o.rows, o.distinct, o.dim, o.seed, filterTopK)
		}
		ie = append(inexact(top, scan.hits), inexact(top, idx.hits)...)
		exact = fmt.Sprintf("%d (scan and index)", len(ie))
	}
	fmt.Fprintf(w, "searches: %d of %d differ between the phases; %d answers (scan and index) break the filter or the hit count; differ from the exact filtered top-%d: %s (want 0 each)\n",
		len(ds), len(queries), len(bs), filterTopK, exact)
	fmt.Fprintf(w, "lookups: %d of %d differ between the phases; %d answers (scan and index) are not exactly their row with attr == id mod %d (want 0 each)\n",
		len(dl), len(queries), len(bl), o.distinct)
	fmt.Fprintf(w, "raftvec_scalar_index_segment_reads_total: +%.0f in the scan phase (want 0), +%.0f in the index phase (want > 0)\n",
		scan.searchReads+scan.lookupReads, idx.searchReads+idx.lookupReads)
	for _, i := range firstOf(ds, bs, ie) {
		fmt.Fprintf(w, "  search %d (attr == %d)\n    scan  %s\n    index %s\n", i, queries[i].Attr, fmtHits(scan.hits[i]), fmtHits(idx.hits[i]))
	}
	for _, i := range firstOf(dl, bl) {
		fmt.Fprintf(w, "  lookup %d (id %d): scan %v, index %v\n", i, queries[i].Lookup, scan.rows[i], idx.rows[i])
	}
}

// firstOf returns the first index of each non-empty list, without repeats.
func firstOf(lists ...[]int) []int {
	var out []int
	for _, l := range lists {
		if len(l) > 0 && !slices.Contains(out, l[0]) {
			out = append(out, l[0])
		}
	}
	return out
}

// diffPhases returns the searches and the lookups whose answers differ
// between two phases: other ids, order or distances; other rows.
func diffPhases(a, b *phaseResult) (searches, lookups []int) {
	for i := range a.hits {
		if !slices.Equal(a.hits[i], b.hits[i]) {
			searches = append(searches, i)
		}
	}
	for i := range a.rows {
		if !slices.Equal(a.rows[i], b.rows[i]) {
			lookups = append(lookups, i)
		}
	}
	return searches, lookups
}

// badSearches returns the searches with a hit that is not a row of the
// collection satisfying the filter (attr = id mod distinct), a repeated
// hit, or not min(k, rows matching) hits.
func badSearches(queries []filterQuery, hits [][]searchHit, rows, distinct, k int) []int {
	var bad []int
	for i, q := range queries {
		match := (int64(rows) - q.Attr + int64(distinct) - 1) / int64(distinct)
		ok := int64(len(hits[i])) == min(int64(k), match)
		seen := map[int64]bool{}
		for _, h := range hits[i] {
			ok = ok && h.ID >= 0 && h.ID < int64(rows) && h.ID%int64(distinct) == q.Attr && !seen[h.ID]
			seen[h.ID] = true
		}
		if !ok {
			bad = append(bad, i)
		}
	}
	return bad
}

// badLookups returns the lookups not answered by exactly their row, with
// attr == id mod distinct.
func badLookups(queries []filterQuery, got [][]lookupRow, distinct int) []int {
	var bad []int
	for i, q := range queries {
		if len(got[i]) != 1 || got[i][0] != (lookupRow{q.Lookup, q.Lookup % int64(distinct)}) {
			bad = append(bad, i)
		}
	}
	return bad
}

// exactFiltered returns the ids of the k rows with attr == q.Attr nearest
// to q.Vec (squared L2 in float64, then id), in that order.
func exactFiltered(q filterQuery, rows, distinct, dim int, seed uint64, k int) []int64 {
	type cand struct {
		id int64
		d  float64
	}
	var cs []cand
	for id := q.Attr; id < int64(rows); id += int64(distinct) {
		var d float64
		for j, x := range rowVector(seed, id, dim) {
			t := float64(x) - float64(q.Vec[j])
			d += t * t
		}
		cs = append(cs, cand{id, d})
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id)) })
	out := make([]int64, 0, k)
	for _, c := range cs[:min(k, len(cs))] {
		out = append(out, c.id)
	}
	return out
}

// inexact returns the searches whose hit ids are not the exact top-k's
// (as sets: the server's float32 distances may order near-ties otherwise).
func inexact(top [][]int64, hits [][]searchHit) []int {
	var bad []int
	for i := range top {
		got := make([]int64, len(hits[i]))
		for j, h := range hits[i] {
			got[j] = h.ID
		}
		slices.Sort(got)
		if !slices.Equal(got, slices.Sorted(slices.Values(top[i]))) {
			bad = append(bad, i)
		}
	}
	return bad
}
