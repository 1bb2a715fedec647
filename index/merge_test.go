package index

import (
	"fmt"
	"slices"
	"testing"
)

// Segment-then-merge must equal one global search, for every metric and
// offset/limit, including IDs present in several segments.
func TestMergeSegmentsEqualsGlobal(t *testing.T) {
	const n, dim, segs = 600, 16, 4
	r := newRand(13)
	vecs := randVecs(r, n, dim)
	queries := randVecs(r, 3, dim)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i) * 3
	}
	for _, m := range allMetrics {
		// Segment s holds rows i with i%segs == s; segment 0 also repeats
		// rows 1..49 (a row visible in two segments, e.g. during handoff).
		var flats []*Flat
		for s := range segs {
			f := NewFlat(dim, m)
			for i := s; i < n; i += segs {
				must(t, f.Add([]int64{ids[i]}, vecs[i]))
			}
			flats = append(flats, f)
		}
		for i := 1; i < 50; i++ {
			must(t, flats[0].Add([]int64{ids[i]}, vecs[i]))
		}
		for _, ol := range [][2]int{{0, 1}, {0, 10}, {5, 10}, {95, 10}, {590, 20}, {700, 5}} {
			offset, limit := ol[0], ol[1]
			t.Run(fmt.Sprintf("%v/offset=%d/limit=%d", m, offset, limit), func(t *testing.T) {
				for _, q := range queries {
					var lists [][]Hit
					for _, f := range flats {
						res, err := f.Search([][]float32{q}, SearchParams{TopK: offset + limit})
						must(t, err)
						lists = append(lists, res[0])
					}
					got := Merge(m, lists, offset, limit, 0)
					ref := refSearch(m, vecs, ids, q, nil)
					ref = ref[min(offset, len(ref)):]
					checkAgainstRef(t, m, got, ref, limit, 1e-4)
				}
			})
		}
	}
}

func TestMergeHandCases(t *testing.T) {
	tests := []struct {
		name          string
		m             Metric
		lists         [][]Hit
		offset, limit int
		want          []Hit
	}{
		{"dedupe keeps better L2", MetricL2,
			[][]Hit{{{ID: 1, Distance: 0.5}, {ID: 2, Distance: 1.0}}, {{ID: 2, Distance: 0.7}, {ID: 3, Distance: 0.8}}},
			0, 10, []Hit{{ID: 1, Distance: 0.5}, {ID: 2, Distance: 0.7}, {ID: 3, Distance: 0.8}}},
		{"dedupe keeps better IP", MetricIP,
			[][]Hit{{{ID: 2, Distance: 0.9}, {ID: 1, Distance: 0.5}}, {{ID: 1, Distance: 0.7}, {ID: 2, Distance: 0.1}}},
			0, 10, []Hit{{ID: 2, Distance: 0.9}, {ID: 1, Distance: 0.7}}},
		{"offset counts distinct IDs", MetricL2,
			[][]Hit{{{ID: 1, Distance: 1}, {ID: 2, Distance: 2}}, {{ID: 1, Distance: 1}, {ID: 3, Distance: 3}}},
			1, 1, []Hit{{ID: 2, Distance: 2}}},
		{"ties broken by ID", MetricCosine,
			[][]Hit{{{ID: 9, Distance: 0.5}}, {{ID: 4, Distance: 0.5}}, {{ID: 6, Distance: 0.5}}},
			0, 2, []Hit{{ID: 4, Distance: 0.5}, {ID: 6, Distance: 0.5}}},
		{"NaN dropped", MetricL2,
			[][]Hit{{{ID: 1, Distance: nanf()}, {ID: 2, Distance: 2}}, {{ID: 3, Distance: 1}}},
			0, 5, []Hit{{ID: 3, Distance: 1}, {ID: 2, Distance: 2}}},
		{"offset past end", MetricL2, [][]Hit{{{ID: 1, Distance: 1}}}, 3, 5, []Hit{}},
		{"limit zero", MetricL2, [][]Hit{{{ID: 1, Distance: 1}}}, 0, 0, []Hit{}},
		{"negative offset", MetricL2, [][]Hit{{{ID: 1, Distance: 1}}}, -2, 1, []Hit{{ID: 1, Distance: 1}}},
		{"no lists", MetricIP, nil, 0, 3, []Hit{}},
		{"empty lists", MetricIP, [][]Hit{{}, nil}, 0, 3, []Hit{}},
		{"group field preserved", MetricL2, [][]Hit{{{ID: 1, Distance: 1, Group: "x"}}}, 0, 3, []Hit{{ID: 1, Distance: 1, Group: "x"}}},
	}
	for _, tt := range tests {
		in := cloneLists(tt.lists)
		got := Merge(tt.m, tt.lists, tt.offset, tt.limit, 0)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
		if !listsEqual(in, tt.lists) {
			t.Errorf("%s: input modified", tt.name)
		}
	}
}

func TestMergeGrouped(t *testing.T) {
	h := func(id int64, d float32, g any) Hit { return Hit{ID: id, Distance: d, Group: g} }
	// Two shards' grouped results (ordered by group, not by distance).
	lists := [][]Hit{
		{h(1, 0.1, "A"), h(2, 0.5, "A"), h(3, 0.2, "B"), h(4, 0.3, "B")},
		{h(5, 0.15, "B"), h(6, 0.25, "C"), h(7, 0.35, "C"), h(2, 0.4, "A"), h(8, 0.05, "D")},
	}
	tests := []struct {
		offset, limit, size int
		want                []Hit
	}{
		{0, 2, 2, []Hit{h(8, 0.05, "D"), h(1, 0.1, "A"), h(2, 0.4, "A")}},
		{0, 3, 2, []Hit{h(8, 0.05, "D"), h(1, 0.1, "A"), h(2, 0.4, "A"), h(5, 0.15, "B"), h(3, 0.2, "B")}},
		{1, 2, 1, []Hit{h(1, 0.1, "A"), h(5, 0.15, "B")}},
		{2, 5, 3, []Hit{h(5, 0.15, "B"), h(3, 0.2, "B"), h(4, 0.3, "B"), h(6, 0.25, "C"), h(7, 0.35, "C")}},
		{4, 5, 3, []Hit{}},
	}
	for _, tt := range tests {
		in := cloneLists(lists)
		got := Merge(MetricL2, lists, tt.offset, tt.limit, tt.size)
		if !slices.Equal(got, tt.want) {
			t.Errorf("offset=%d limit=%d size=%d: got %v, want %v", tt.offset, tt.limit, tt.size, got, tt.want)
		}
		if !listsEqual(in, lists) {
			t.Errorf("input modified")
		}
	}
}

// Grouped segment searches merged with an offset equal the reference walk
// over the union of the segment results.
func TestMergeGroupedSegments(t *testing.T) {
	const n, dim, segs = 900, 8, 3
	r := newRand(14)
	vecs := randVecs(r, n, dim)
	q := randVecs(r, 1, dim)[0]
	key := func(id int64) any { return id % 13 }
	for _, m := range allMetrics {
		var lists [][]Hit
		var union []refHit
		for s := range segs {
			f := NewFlat(dim, m)
			for i := s; i < n; i += segs {
				must(t, f.Add([]int64{int64(i)}, vecs[i]))
			}
			res, err := f.Search([][]float32{q}, SearchParams{TopK: 2 + 4, GroupSize: 3, GroupKey: key})
			must(t, err)
			lists = append(lists, res[0])
			for _, h := range res[0] {
				union = append(union, refHit{h.ID, refDistance(m, q, vecs[h.ID])})
			}
		}
		got := Merge(m, lists, 2, 4, 3)
		sortRef(m, union)
		want := refGroup(union, key, 6, 3)
		skip := 0
		for g := 0; g < 2; g++ { // drop the first two groups
			first := key(want[skip].id)
			for skip < len(want) && key(want[skip].id) == first {
				skip++
			}
		}
		checkGrouped(t, got, want[skip:], key)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func cloneLists(ls [][]Hit) [][]Hit {
	out := make([][]Hit, len(ls))
	for i, l := range ls {
		out[i] = slices.Clone(l)
	}
	return out
}

func listsEqual(a, b [][]Hit) bool {
	return slices.EqualFunc(a, b, func(x, y []Hit) bool {
		return slices.EqualFunc(x, y, func(p, q Hit) bool {
			return p.ID == q.ID && p.Group == q.Group && (p.Distance == q.Distance || isNaN(p.Distance) && isNaN(q.Distance))
		})
	})
}
