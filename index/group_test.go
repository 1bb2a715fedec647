package index

import (
	"fmt"
	"slices"
	"testing"
)

// refGroup walks the sorted reference hits the Milvus way.
func refGroup(ref []refHit, key func(int64) any, limit, size int) []refHit {
	var order []any
	members := map[any][]refHit{}
	for _, h := range ref {
		g := key(h.id)
		if _, ok := members[g]; !ok {
			if len(order) == limit {
				continue
			}
			order = append(order, g)
		}
		if len(members[g]) < size {
			members[g] = append(members[g], h)
		}
	}
	var out []refHit
	for _, g := range order {
		out = append(out, members[g]...)
	}
	return out
}

func TestGroupingHandExamples(t *testing.T) {
	// 1-D L2 from query 0: row i has distance dist[i]^2.
	type row struct {
		id    int64
		x     float32
		group any
	}
	rows := []row{{0, 1, "A"}, {1, 2, "B"}, {2, 3, "A"}, {3, 4, "C"}, {4, 5, "A"}, {5, 6, "B"}, {6, 7, "C"}}
	groupOf := map[int64]any{}
	var vecs []float32
	for _, r := range rows {
		vecs = append(vecs, r.x)
		groupOf[r.id] = r.group
	}
	f := NewFlat(1, MetricL2)
	if err := f.Add(nil, vecs); err != nil {
		t.Fatal(err)
	}
	key := func(id int64) any { return groupOf[id] }
	tests := []struct {
		topK, size int
		want       []int64
	}{
		{2, 2, []int64{0, 2, 1, 5}},
		{3, 1, []int64{0, 1, 3}},
		{1, 3, []int64{0, 2, 4}},
		{5, 5, []int64{0, 2, 4, 1, 5, 3, 6}},
		{2, 1, []int64{0, 1}},
	}
	for _, tt := range tests {
		res, err := f.Search([][]float32{{0}}, SearchParams{TopK: tt.topK, GroupSize: tt.size, GroupKey: key})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, h := range res[0] {
			got = append(got, h.ID)
			if h.Group != groupOf[h.ID] || h.Distance != float32(rows[h.ID].x*rows[h.ID].x) {
				t.Errorf("hit %+v: wrong group or distance", h)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("topK=%d size=%d: got %v, want %v", tt.topK, tt.size, got, tt.want)
		}
	}
}

// A group displaced from the top groups and later re-entering with a
// better hit must still keep its earlier hits (no lossy eviction).
func TestGroupingReentry(t *testing.T) {
	f := NewFlat(1, MetricL2)
	// Scan order: A at d=25, B at d=9, A at d=1.
	if err := f.Add([]int64{10, 11, 12}, []float32{5, 3, 1}); err != nil {
		t.Fatal(err)
	}
	key := func(id int64) any { return map[int64]string{10: "A", 11: "B", 12: "A"}[id] }
	res, err := f.Search([][]float32{{0}}, SearchParams{TopK: 1, GroupSize: 2, GroupKey: key})
	if err != nil {
		t.Fatal(err)
	}
	want := []Hit{{ID: 12, Distance: 1, Group: "A"}, {ID: 10, Distance: 25, Group: "A"}}
	if !slices.Equal(res[0], want) {
		t.Fatalf("got %v, want %v", res[0], want)
	}
}

func TestGroupingMatchesReference(t *testing.T) {
	const n, dim, nq = 2500, 32, 14 // large enough for the parallel path
	r := newRand(11)
	vecs := randVecs(r, n, dim)
	queries := randVecs(r, nq, dim)
	keys := map[string]func(int64) any{
		"int64":  func(id int64) any { return id % 37 },
		"string": func(id int64) any { return fmt.Sprint("g", id%5) },
		"mixed": func(id int64) any {
			switch id % 4 {
			case 0:
				return nil
			case 1:
				return id%8 == 1
			case 2:
				return float64(id % 3)
			}
			return id % 11
		},
	}
	filter := func(id int64) bool { return id%5 != 2 }
	for _, m := range allMetrics {
		f := newFlatFrom(t, m, vecs, nil)
		for kname, key := range keys {
			for _, tc := range []struct{ topK, size int }{{3, 1}, {10, 3}, {50, 4}} {
				t.Run(fmt.Sprintf("%v/%s/%d/%d", m, kname, tc.topK, tc.size), func(t *testing.T) {
					p := SearchParams{TopK: tc.topK, GroupSize: tc.size, GroupKey: key, Filter: filter}
					res, err := f.Search(queries, p)
					if err != nil {
						t.Fatal(err)
					}
					for qi, q := range queries {
						ref := refSearch(m, vecs, nil, q, func(id int64, _ float64) bool { return filter(id) })
						want := refGroup(ref, key, tc.topK, tc.size)
						checkGrouped(t, res[qi], want, key)
					}
				})
			}
		}
	}
}

// checkGrouped compares IDs exactly; random float data has no near-ties
// at these sizes (any mismatch is reported with distances).
func checkGrouped(t *testing.T, got []Hit, want []refHit, key func(int64) any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d hits, want %d", len(got), len(want))
	}
	for i, h := range got {
		if h.ID != want[i].id || h.Group != key(h.ID) {
			t.Fatalf("rank %d: got %+v, want id %d (d=%v)", i, h, want[i].id, want[i].dist)
		}
	}
}

func TestGroupingWithRange(t *testing.T) {
	r := newRand(12)
	vecs := intVecs(r, 300, 4, 3)
	q := intVecs(r, 1, 4, 3)[0]
	key := func(id int64) any { return id % 6 }
	radius, rangeFilter := float32(20), float32(5)
	f := newFlatFrom(t, MetricL2, vecs, nil)
	res, err := f.Search([][]float32{q}, SearchParams{TopK: 4, GroupSize: 3, GroupKey: key, Radius: &radius, RangeFilter: &rangeFilter})
	if err != nil {
		t.Fatal(err)
	}
	ref := refSearch(MetricL2, vecs, nil, q, func(_ int64, d float64) bool { return milvusInRange(MetricL2, d, &radius, &rangeFilter) })
	checkGrouped(t, res[0], refGroup(ref, key, 4, 3), key)
}
