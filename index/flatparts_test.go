package index

import (
	"reflect"
	"testing"
)

// TestFlatPartsMatchContiguous: a view split into runs of rows answers
// exactly like the same rows in one array, for every metric, with a
// filter, a range and grouping; and it refuses parts mixed with IDs.
func TestFlatPartsMatchContiguous(t *testing.T) {
	r := newRand(11)
	const n, dim = 1000, 8
	vecs := flatten(randVecs(r, n, dim))
	queries := randVecs(r, 5, dim)
	var parts []FlatPart
	for _, cut := range [][2]int{{0, 1}, {1, 301}, {301, 301}, {301, 777}, {777, n}} {
		parts = append(parts, FlatPart{Vectors: vecs[cut[0]*dim : cut[1]*dim], First: int64(cut[0])})
	}
	for _, m := range []Metric{MetricL2, MetricIP, MetricCosine} {
		for name, p := range map[string]SearchParams{
			"topk":   {TopK: 10},
			"filter": {TopK: 7, Filter: func(id int64) bool { return id%3 != 0 }},
			"range":  {TopK: 50, Radius: ptr(map[Metric]float32{MetricL2: 1.0, MetricIP: 0.5, MetricCosine: 0.5}[m])},
			"group":  {TopK: 4, GroupSize: 2, GroupKey: func(id int64) any { return id % 5 }},
		} {
			p.Metric = m
			want, err := SearchFlat(FlatView{Vectors: vecs, Dim: dim}, queries, p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := SearchFlat(FlatView{Parts: parts, Dim: dim}, queries, p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%v %s: parts %v, contiguous %v", m, name, got, want)
			}
		}
	}
	if _, err := SearchFlat(FlatView{Parts: parts, IDs: make([]int64, n), Dim: dim}, queries, SearchParams{Metric: MetricL2, TopK: 1}); err == nil {
		t.Fatal("parts with IDs accepted")
	}
}
