package index

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var allMetrics = []Metric{MetricL2, MetricIP, MetricCosine}

func newFlatFrom(t testing.TB, m Metric, vecs [][]float32, ids []int64) *Flat {
	t.Helper()
	f := NewFlat(len(vecs[0]), m)
	if err := f.Add(ids, flatten(vecs)); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFlatSearchMatchesBruteForce(t *testing.T) {
	const n, dim = 300, 24
	r := newRand(3)
	vecs := randVecs(r, n, dim)
	vecs[7] = make([]float32, dim) // a zero row exercises COSINE's zero-norm rule
	queries := randVecs(r, 5, dim)
	queries[4] = make([]float32, dim)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(1000 + 7*i)
	}
	filters := map[string]func(int64) bool{
		"none":      nil,
		"odd":       func(id int64) bool { return id%2 == 1 },
		"none-pass": func(int64) bool { return false },
	}
	for _, m := range allMetrics {
		f := newFlatFrom(t, m, vecs, ids)
		for _, k := range []int{1, 10, n + 5} {
			for fname, filter := range filters {
				t.Run(fmt.Sprintf("%v/k=%d/%s", m, k, fname), func(t *testing.T) {
					res, err := f.Search(queries, SearchParams{Metric: m, TopK: k, Filter: filter})
					if err != nil {
						t.Fatal(err)
					}
					if len(res) != len(queries) {
						t.Fatalf("%d result lists for %d queries", len(res), len(queries))
					}
					for qi, q := range queries {
						ref := refSearch(m, vecs, ids, q, func(id int64, _ float64) bool { return filter == nil || filter(id) })
						checkAgainstRef(t, m, res[qi], ref, k, 1e-4)
					}
				})
			}
		}
	}
}

// With integer coordinates every distance is exact, so results must equal
// the reference exactly, including the tie-break by ascending ID, on both
// the serial and the parallel multi-query path.
func TestFlatExactTiesSerialAndParallel(t *testing.T) {
	r := newRand(4)
	for _, tc := range []struct{ n, dim, nq int }{{50, 4, 3}, {2000, 64, 12}} {
		vecs := intVecs(r, tc.n, tc.dim, 2)
		queries := intVecs(r, tc.nq, tc.dim, 2)
		if workersFor(tc.nq, tc.n, tc.dim) > 1 != (tc.n == 2000) {
			t.Fatalf("case %+v: unexpected parallelism decision", tc)
		}
		// Shuffled IDs: a later row may tie with the k-th hit and still
		// win on ID.
		ids := make([]int64, tc.n)
		for i, p := range r.Perm(tc.n) {
			ids[i] = int64(p)
		}
		for _, m := range []Metric{MetricL2, MetricIP} {
			f := newFlatFrom(t, m, vecs, ids)
			res, err := f.Search(queries, SearchParams{TopK: 25})
			if err != nil {
				t.Fatal(err)
			}
			for qi, q := range queries {
				ref := refSearch(m, vecs, ids, q, nil)[:25]
				for i, h := range res[qi] {
					if h.ID != ref[i].id || float64(h.Distance) != ref[i].dist {
						t.Fatalf("n=%d %v q%d rank %d: got %+v, want %+v", tc.n, m, qi, i, h, ref[i])
					}
				}
			}
		}
	}
}

func TestFlatParallelFilterAndCosine(t *testing.T) {
	const n, dim, nq = 3000, 48, 9
	r := newRand(5)
	vecs := randVecs(r, n, dim)
	queries := randVecs(r, nq, dim)
	filter := func(id int64) bool { return id%3 != 0 }
	f := newFlatFrom(t, MetricCosine, vecs, nil)
	res, err := f.Search(queries, SearchParams{Metric: MetricCosine, TopK: 10, Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	for qi, q := range queries {
		ref := refSearch(MetricCosine, vecs, nil, q, func(id int64, _ float64) bool { return filter(id) })
		checkAgainstRef(t, MetricCosine, res[qi], ref, 10, 1e-4)
	}
}

func TestFlatFilterSkipsDistance(t *testing.T) {
	f := newFlatFrom(t, MetricL2, [][]float32{{0}, {1}, {2}, {3}}, []int64{10, 11, 12, 13})
	var asked []int64
	res, err := f.Search([][]float32{{0}}, SearchParams{TopK: 10, Filter: func(id int64) bool {
		asked = append(asked, id)
		return id != 10
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []int64{10, 11, 12, 13}) {
		t.Fatalf("filter saw %v, want the row IDs", asked)
	}
	want := []Hit{{ID: 11, Distance: 1}, {ID: 12, Distance: 4}, {ID: 13, Distance: 9}}
	if !slices.Equal(res[0], want) {
		t.Fatalf("got %v, want %v", res[0], want)
	}
}

func TestFlatAddIDs(t *testing.T) {
	f := NewFlat(1, MetricL2)
	steps := []struct {
		ids  []int64
		vecs []float32
	}{
		{nil, []float32{0, 1}},       // rows 0,1 → IDs 0,1
		{[]int64{100}, []float32{2}}, // row 2 → ID 100 (materializes 0,1)
		{nil, []float32{3}},          // row 3 → ID 3
	}
	for _, s := range steps {
		if err := f.Add(s.ids, s.vecs); err != nil {
			t.Fatal(err)
		}
	}
	if f.Len() != 4 || f.Dim() != 1 || f.Metric() != MetricL2 {
		t.Fatalf("Len/Dim/Metric = %d/%d/%v", f.Len(), f.Dim(), f.Metric())
	}
	res, err := f.Search([][]float32{{0}}, SearchParams{TopK: 4})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, h := range res[0] {
		got = append(got, h.ID)
	}
	if !slices.Equal(got, []int64{0, 1, 100, 3}) {
		t.Fatalf("IDs = %v", got)
	}
}

func TestSearchFlatView(t *testing.T) {
	const n, dim = 200, 16
	r := newRand(6)
	vecs := randVecs(r, n, dim)
	flat := flatten(vecs)
	q := randVecs(r, 2, dim)
	for _, norms := range [][]float32{nil, ComputeNorms(nil, flat, dim)} {
		res, err := SearchFlat(FlatView{Vectors: flat, Dim: dim, Norms: norms}, q, SearchParams{Metric: MetricCosine, TopK: 7})
		if err != nil {
			t.Fatal(err)
		}
		for qi := range q {
			checkAgainstRef(t, MetricCosine, res[qi], refSearch(MetricCosine, vecs, nil, q[qi], nil), 7, 1e-4)
		}
	}
	res, err := SearchFlat(FlatView{Dim: dim}, q, SearchParams{Metric: MetricL2, TopK: 3})
	if err != nil || len(res) != 2 || len(res[0]) != 0 {
		t.Fatalf("empty view: %v, %v", res, err)
	}
}

func TestSearchErrors(t *testing.T) {
	f := newFlatFrom(t, MetricL2, [][]float32{{1, 2}, {3, 4}}, nil)
	q := [][]float32{{1, 2}}
	key := func(int64) any { return nil }
	search := func(p SearchParams, qs ...[]float32) error {
		if qs == nil {
			qs = q
		}
		_, err := f.Search(qs, p)
		return err
	}
	view := func(v FlatView, p SearchParams) error {
		_, err := SearchFlat(v, q, p)
		return err
	}
	l2, cos := SearchParams{Metric: MetricL2, TopK: 1}, SearchParams{Metric: MetricCosine, TopK: 1}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"dim mismatch", search(SearchParams{TopK: 1}, []float32{1, 2}, []float32{1}), "query 1 has dimension 1"},
		{"topk zero", search(SearchParams{TopK: 0}), "topk"},
		{"group without key", search(SearchParams{TopK: 1, GroupSize: 2}), "group key"},
		{"negative group size", search(SearchParams{TopK: 1, GroupSize: -1, GroupKey: key}), "group size"},
		{"metric mismatch", search(SearchParams{Metric: MetricIP, TopK: 1}), "does not match"},
		{"L2 range inverted", search(SearchParams{TopK: 1, Radius: ptr(1), RangeFilter: ptr(2)}), "less than radius"},
		{"NaN radius", search(SearchParams{TopK: 1, Radius: ptr(nanf())}), "NaN"},
		{"view metric unset", view(FlatView{Vectors: []float32{1, 2}, Dim: 2}, SearchParams{TopK: 1}), "metric"},
		{"view ragged", view(FlatView{Vectors: []float32{1, 2, 3}, Dim: 2}, l2), "multiple"},
		{"view ids", view(FlatView{Vectors: []float32{1, 2}, Dim: 2, IDs: []int64{1, 2}}, l2), "ids"},
		{"view norms", view(FlatView{Vectors: []float32{1, 2}, Dim: 2, Norms: []float32{}}, cos), "norms"},
		{"view dim", view(FlatView{Dim: 0}, l2), "dimension"},
		{"add ragged", f.Add(nil, []float32{1}), "multiple"},
		{"add id count", f.Add([]int64{1, 2}, []float32{1, 2}), "ids"},
		{"bad dim", NewFlat(0, MetricL2).Add(nil, nil), "dimension"},
		{"bad dim search", searchNew(NewFlat(-1, MetricL2), q), "dimension"},
		{"bad metric", searchNew(NewFlat(2, Metric(7)), q), "metric"},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrInvalid) || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want ErrInvalid mentioning %q", tt.name, tt.err, tt.want)
		}
	}
	if f.Len() != 2 || NewFlat(0, MetricL2).Len() != 0 {
		t.Errorf("failed Adds changed Len to %d", f.Len())
	}
}

func searchNew(f *Flat, q [][]float32) error {
	_, err := f.Search(q, SearchParams{TopK: 1})
	return err
}

func TestSearchCallbackPanicPropagates(t *testing.T) {
	r := newRand(7)
	f := newFlatFrom(t, MetricL2, randVecs(r, 2000, 64), nil)
	queries := randVecs(r, 10, 64)
	if runtime.GOMAXPROCS(0) > 1 && workersFor(len(queries), f.Len(), f.Dim()) < 2 {
		t.Fatal("test meant to exercise the parallel path")
	}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "boom") {
			t.Fatalf("recovered %v, want the callback's panic", p)
		}
	}()
	f.Search(queries, SearchParams{TopK: 1, Filter: func(id int64) bool {
		if id == 1500 {
			panic("boom")
		}
		return true
	}})
}

func TestFlatConcurrentAddAndSearch(t *testing.T) {
	const dim = 8
	r := newRand(8)
	f := NewFlat(dim, MetricCosine)
	batches := make([][]float32, 20)
	for i := range batches {
		batches[i] = flatten(randVecs(r, 50, dim))
	}
	q := randVecs(r, 1, dim)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, b := range batches {
			if err := f.Add(nil, b); err != nil {
				t.Error(err)
			}
		}
	}()
	for range 50 {
		if _, err := f.Search(q, SearchParams{TopK: 5}); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if f.Len() != 1000 {
		t.Fatalf("Len = %d", f.Len())
	}
}
