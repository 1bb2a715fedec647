package index

import (
	"fmt"
	"testing"
)

// milvusInRange is the literal Milvus rule on raw distances.
func milvusInRange(m Metric, d float64, radius, rangeFilter *float32) bool {
	if m == MetricL2 {
		return (rangeFilter == nil || d >= float64(*rangeFilter)) && (radius == nil || d < float64(*radius))
	}
	return (radius == nil || d > float64(*radius)) && (rangeFilter == nil || d <= float64(*rangeFilter))
}

func TestRangeSearch(t *testing.T) {
	const n, dim = 400, 6
	r := newRand(9)
	vecs := intVecs(r, n, dim, 3) // exact distances: boundaries are exact
	q := intVecs(r, 1, dim, 3)[0]
	for _, m := range []Metric{MetricL2, MetricIP} {
		all := refSearch(m, vecs, nil, q, nil)
		// Bounds sitting exactly on existing distances test inclusivity.
		inner, outer := float32(all[20].dist), float32(all[150].dist)
		cases := []struct {
			name                string
			radius, rangeFilter *float32
		}{
			{"radius", &outer, nil},
			{"range_filter", nil, &inner},
			{"both", &outer, &inner},
			{"none", nil, nil},
		}
		f := newFlatFrom(t, m, vecs, nil)
		for _, c := range cases {
			for _, k := range []int{5, n} {
				t.Run(fmt.Sprintf("%v/%s/k=%d", m, c.name, k), func(t *testing.T) {
					res, err := f.Search([][]float32{q}, SearchParams{TopK: k, Radius: c.radius, RangeFilter: c.rangeFilter})
					if err != nil {
						t.Fatal(err)
					}
					ref := refSearch(m, vecs, nil, q, func(_ int64, d float64) bool {
						return milvusInRange(m, d, c.radius, c.rangeFilter)
					})
					if len(ref) == 0 || len(ref) == n && c.name != "none" {
						t.Fatalf("degenerate case: %d rows in range", len(ref))
					}
					want := ref[:min(k, len(ref))]
					if len(res[0]) != len(want) {
						t.Fatalf("got %d hits, want %d", len(res[0]), len(want))
					}
					for i, h := range res[0] {
						if h.ID != want[i].id || float64(h.Distance) != want[i].dist {
							t.Fatalf("rank %d: got %+v, want %+v", i, h, want[i])
						}
					}
				})
			}
		}
	}
}

func TestRangeSearchCosine(t *testing.T) {
	const n, dim = 500, 12
	r := newRand(10)
	vecs := randVecs(r, n, dim)
	q := randVecs(r, 1, dim)[0]
	radius, rangeFilter := float32(0.1), float32(0.5)
	f := newFlatFrom(t, MetricCosine, vecs, nil)
	res, err := f.Search([][]float32{q}, SearchParams{TopK: n, Radius: &radius, RangeFilter: &rangeFilter})
	if err != nil {
		t.Fatal(err)
	}
	ref := refSearch(MetricCosine, vecs, nil, q, func(_ int64, d float64) bool {
		return milvusInRange(MetricCosine, d, &radius, &rangeFilter)
	})
	checkAgainstRef(t, MetricCosine, res[0], ref, n, 1e-5)
	for _, h := range res[0] {
		if !(h.Distance > radius && h.Distance <= rangeFilter) {
			t.Fatalf("hit %+v outside (%v, %v]", h, radius, rangeFilter)
		}
	}
}

func TestMakeRange(t *testing.T) {
	tests := []struct {
		m                   Metric
		radius, rangeFilter *float32
		in, out             []float32 // raw distances
		wantErr             bool
	}{
		{MetricL2, ptr(2), ptr(1), []float32{1, 1.5}, []float32{0.5, 2, 3}, false},
		{MetricL2, ptr(2), nil, []float32{0, 1.999, -1}, []float32{2, 5}, false},
		{MetricL2, nil, nil, []float32{0, 1e30, inf()}, []float32{nanf()}, false},
		{MetricIP, ptr(1), ptr(2), []float32{1.5, 2}, []float32{1, 0, 2.5}, false},
		{MetricIP, ptr(-1), nil, []float32{-0.5, 100, inf()}, []float32{-1, -2}, false},
		{MetricCosine, nil, ptr(0.9), []float32{0.9, -1}, []float32{0.95, 1}, false},
		{MetricL2, ptr(1), ptr(1), nil, nil, true},
		{MetricIP, ptr(2), ptr(1), nil, nil, true},
		{MetricIP, nil, ptr(nanf()), nil, nil, true},
	}
	for i, tt := range tests {
		rng, err := makeRange(tt.m, tt.radius, tt.rangeFilter)
		if (err != nil) != tt.wantErr {
			t.Fatalf("case %d: err %v", i, err)
		}
		for _, d := range tt.in {
			if !rng.contains(tt.m.score(d)) {
				t.Errorf("case %d: %v should be in range", i, d)
			}
		}
		for _, d := range tt.out {
			if rng.contains(tt.m.score(d)) {
				t.Errorf("case %d: %v should be out of range", i, d)
			}
		}
	}
}
