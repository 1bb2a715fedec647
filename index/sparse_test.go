package index

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// sparseSlice is SparseRows over a slice.
type sparseSlice []SparseVector

func (s sparseSlice) Len() int               { return len(s) }
func (s sparseSlice) Row(i int) SparseVector { return s[i] }

// sv builds a sparse vector from index/value pairs given in index order.
func sv(pairs ...float64) SparseVector {
	var v SparseVector
	for i := 0; i < len(pairs); i += 2 {
		v.Indices = append(v.Indices, uint32(pairs[i]))
		v.Values = append(v.Values, float32(pairs[i+1]))
	}
	return v
}

// randSparse returns a vector of between lo and hi distinct terms below
// vocab, with values from val.
func randSparse(r *rand.Rand, vocab, lo, hi int, val func() float32) SparseVector {
	nnz := lo + r.IntN(hi-lo+1)
	terms := map[uint32]bool{}
	for len(terms) < nnz {
		terms[uint32(r.IntN(vocab))] = true
	}
	var v SparseVector
	for t := range terms {
		v.Indices = append(v.Indices, t)
	}
	slices.Sort(v.Indices)
	for range v.Indices {
		v.Values = append(v.Values, val())
	}
	return v
}

// refSparse is the float64 reference score of d for q under m (IP or BM25),
// through maps rather than a merge.
func refSparse(q, d SparseVector, b *BM25) float64 {
	dm := map[uint32]float64{}
	var dl float64
	for i, t := range d.Indices {
		dm[t] = float64(d.Values[i])
		dl += float64(d.Values[i])
	}
	var s float64
	for i, t := range q.Indices {
		tf, ok := dm[t]
		if !ok {
			continue
		}
		if b == nil {
			s += float64(q.Values[i]) * tf
			continue
		}
		k1, bb := float64(b.K1), float64(b.B)
		s += float64(q.Values[i]) * tf * (k1 + 1) / (tf + k1*(1-bb+bb*dl/float64(b.AvgDL)))
	}
	return s
}

func TestSparseDot(t *testing.T) {
	tests := []struct {
		name string
		a, b SparseVector
		want float32
	}{
		{"both empty", SparseVector{}, SparseVector{}, 0},
		{"one empty", sv(1, 2), SparseVector{}, 0},
		{"disjoint", sv(1, 2, 3, 4), sv(0, 1, 2, 5, 4, 7), 0},
		{"identical", sv(1, 2, 3, 4), sv(1, 2, 3, 4), 20},
		{"partial", sv(0, 1, 5, 2, 9, 3), sv(5, 10, 6, 1, 9, -1), 17},
		{"large index", sv(1<<32-1, 2), sv(7, 1, 1<<32-1, 4), 8},
	}
	for _, tt := range tests {
		if got := SparseDot(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: SparseDot = %v, want %v", tt.name, got, tt.want)
		}
		if got := SparseDot(tt.b, tt.a); got != tt.want {
			t.Errorf("%s: SparseDot reversed = %v, want %v", tt.name, got, tt.want)
		}
	}
	r := newRand(1)
	val := func() float32 { return r.Float32()*2 - 1 }
	for i := range 500 {
		a, b := randSparse(r, 60, 0, 30, val), randSparse(r, 60, 0, 30, val)
		want := refSparse(a, b, nil)
		if got := SparseDot(a, b); math.Abs(float64(got)-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Fatalf("pair %d: SparseDot = %v, reference %v", i, got, want)
		}
	}
}

// sparseSearcher runs one kind of sparse search over rows.
type sparseSearcher struct {
	name   string
	search func(queries []SparseVector, p SearchParams, o SparseOptions) ([][]Hit, error)
}

// sparseSearchers returns the exact and the inverted-index search over rows.
func sparseSearchers(rows []SparseVector) []sparseSearcher {
	x := BuildSparseIndex(sparseSlice(rows))
	return []sparseSearcher{
		{"flat", func(q []SparseVector, p SearchParams, o SparseOptions) ([][]Hit, error) {
			return SearchSparseFlat(sparseSlice(rows), q, p, o)
		}},
		{"index", x.Search},
	}
}

// checkHits compares IDs exactly and distances within tol (relative).
func checkHits(t *testing.T, what string, got []Hit, wantIDs []int64, wantDist []float64, tol float64) {
	t.Helper()
	if len(got) != len(wantIDs) {
		t.Fatalf("%s: got %v, want ids %v", what, got, wantIDs)
	}
	for i, h := range got {
		if h.ID != wantIDs[i] || math.Abs(float64(h.Distance)-wantDist[i]) > tol*math.Max(1, math.Abs(wantDist[i])) {
			t.Fatalf("%s: rank %d is %+v, want id %d distance %v (all: %v)", what, i, h, wantIDs[i], wantDist[i], got)
		}
	}
}

// TestSparseBM25Example checks BM25 against scores computed by hand with
// K1 = 1.2, B = 0.75, AvgDL = 2.5 and the query {1: 0.5, 3: 2, 8: 1}:
//
//	row 0 {1:2, 2:1}, dl 3: norm = 1.2·(0.25 + 0.75·3/2.5) = 1.38
//	  0.5·2·2.2/(2+1.38) = 0.650888
//	row 1 {1:1, 3:3}, dl 4: norm = 1.2·(0.25 + 0.75·4/2.5) = 1.74
//	  0.5·1·2.2/(1+1.74) + 2·3·2.2/(3+1.74) = 0.401460 + 2.784810 = 3.186270
//	row 2 {3:1}, dl 1: norm = 1.2·(0.25 + 0.75·1/2.5) = 0.66
//	  2·1·2.2/(1+0.66) = 2.650602
//	row 3 {2:5}: no common term, not returned.
func TestSparseBM25Example(t *testing.T) {
	rows := []SparseVector{sv(1, 2, 2, 1), sv(1, 1, 3, 3), sv(3, 1), sv(2, 5)}
	q := []SparseVector{sv(1, 0.5, 3, 2, 8, 1)}
	o := SparseOptions{BM25: &BM25{K1: 1.2, B: 0.75, AvgDL: 2.5}}
	for _, s := range sparseSearchers(rows) {
		res, err := s.search(q, SearchParams{Metric: MetricBM25, TopK: 10}, o)
		if err != nil {
			t.Fatal(err)
		}
		checkHits(t, s.name, res[0], []int64{1, 2, 0}, []float64{3.186270, 2.650602, 0.650888}, 1e-5)
		// The same rows under IP: plain inner products.
		res, err = s.search(q, SearchParams{Metric: MetricIP, TopK: 2}, SparseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkHits(t, s.name+" IP", res[0], []int64{1, 2}, []float64{6.5, 2}, 0)
	}
}

// sparseData is a seeded random data set: rows with term-frequency values
// (BM25) or signed values (IP), and matching queries.
type sparseData struct {
	rows    []SparseVector
	queries []SparseVector
}

func newSparseData(seed uint64, n, vocab, nq int, signed bool) sparseData {
	r := newRand(seed)
	rowVal := func() float32 { return float32(1 + r.IntN(5)) }
	qVal := func() float32 { return 0.1 + 4*r.Float32() }
	if signed {
		rowVal = func() float32 { return r.Float32()*2 - 1 }
		qVal = rowVal
	}
	var d sparseData
	for range n {
		d.rows = append(d.rows, randSparse(r, vocab, 5, 40, rowVal))
	}
	for range nq {
		d.queries = append(d.queries, randSparse(r, vocab, 1, 30, qVal))
	}
	return d
}

// percentiles returns the distances at fractions fs of all IP/BM25 hits
// of an unrestricted search, sorted ascending.
func percentiles(t *testing.T, d sparseData, m Metric, o SparseOptions, fs ...float64) []float32 {
	res, err := SearchSparseFlat(sparseSlice(d.rows), d.queries, SearchParams{Metric: m, TopK: len(d.rows)}, o)
	if err != nil {
		t.Fatal(err)
	}
	var all []float32
	for _, hs := range res {
		for _, h := range hs {
			all = append(all, h.Distance)
		}
	}
	sortFloats(all)
	out := make([]float32, len(fs))
	for i, f := range fs {
		out[i] = all[int(f*float64(len(all)-1))]
	}
	return out
}

// TestSparseIndexMatchesFlat: on seeded random data the inverted index
// returns exactly what the exact scan returns, for both metrics, with
// filter, range, grouping and drop_ratio_search; the exact scan itself
// matches a float64 reference.
func TestSparseIndexMatchesFlat(t *testing.T) {
	const n, vocab, nq = 2000, 500, 64
	tf := newSparseData(11, n, vocab, nq, false)
	signed := newSparseData(12, n, vocab, nq, true)
	bm := SparseOptions{BM25: &BM25{K1: 1.2, B: 0.75, AvgDL: 60}}
	ipCut := percentiles(t, tf, MetricIP, SparseOptions{}, 0.5, 0.9)
	bmCut := percentiles(t, tf, MetricBM25, bm, 0.5, 0.9)
	odd := func(id int64) bool { return id%3 != 0 }
	key := func(id int64) any { return id % 37 }

	tests := []struct {
		name string
		data sparseData
		p    SearchParams
		o    SparseOptions
	}{
		{"ip", tf, SearchParams{Metric: MetricIP, TopK: 10}, SparseOptions{}},
		{"ip signed", signed, SearchParams{Metric: MetricIP, TopK: 10}, SparseOptions{}},
		{"ip topk above n", signed, SearchParams{Metric: MetricIP, TopK: 3 * n}, SparseOptions{}},
		{"ip filter", tf, SearchParams{Metric: MetricIP, TopK: 10, Filter: odd}, SparseOptions{}},
		{"ip range", tf, SearchParams{Metric: MetricIP, TopK: 50, Radius: ptr(ipCut[0]), RangeFilter: ptr(ipCut[1])}, SparseOptions{}},
		{"ip radius only", signed, SearchParams{Metric: MetricIP, TopK: 50, Radius: ptr(-0.5)}, SparseOptions{}},
		{"ip group", tf, SearchParams{Metric: MetricIP, TopK: 5, GroupSize: 3, GroupKey: key}, SparseOptions{}},
		{"ip group filter range", signed, SearchParams{Metric: MetricIP, TopK: 4, GroupSize: 2, GroupKey: key, Filter: odd, Radius: ptr(0)}, SparseOptions{}},
		{"ip drop", signed, SearchParams{Metric: MetricIP, TopK: 10}, SparseOptions{DropRatioSearch: 0.3}},
		{"bm25", tf, SearchParams{Metric: MetricBM25, TopK: 10}, bm},
		{"bm25 filter", tf, SearchParams{Metric: MetricBM25, TopK: 20, Filter: odd}, bm},
		{"bm25 range", tf, SearchParams{Metric: MetricBM25, TopK: 30, Radius: ptr(bmCut[0]), RangeFilter: ptr(bmCut[1])}, bm},
		{"bm25 group", tf, SearchParams{Metric: MetricBM25, TopK: 6, GroupSize: 2, GroupKey: key}, bm},
		{"bm25 drop", tf, SearchParams{Metric: MetricBM25, TopK: 10}, SparseOptions{BM25: bm.BM25, DropRatioSearch: 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := sparseSlice(tt.data.rows)
			flat, err := SearchSparseFlat(rows, tt.data.queries, tt.p, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			idx, err := BuildSparseIndex(rows).Search(tt.data.queries, tt.p, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for i, want := range flat {
				total += len(want)
				ids, dists := make([]int64, len(want)), make([]float64, len(want))
				for j, h := range want {
					ids[j], dists[j] = h.ID, float64(h.Distance)
					if h.Distance == 0 || (tt.p.Filter != nil && !tt.p.Filter(h.ID)) {
						t.Fatalf("query %d: ineligible hit %+v", i, h)
					}
					if (tt.p.Radius != nil && !(h.Distance > *tt.p.Radius)) || (tt.p.RangeFilter != nil && h.Distance > *tt.p.RangeFilter) {
						t.Fatalf("query %d: hit %+v out of range", i, h)
					}
					if tt.p.GroupSize > 0 && h.Group != key(h.ID) {
						t.Fatalf("query %d: hit %+v has the wrong group", i, h)
					}
				}
				checkHits(t, fmt.Sprintf("query %d", i), idx[i], ids, dists, 1e-5)
				if tt.p.GroupSize > 0 {
					checkGroups(t, want, tt.p.TopK, tt.p.GroupSize)
				}
			}
			if total == 0 {
				t.Fatal("no hits at all: the case tests nothing")
			}
			if tt.p.GroupSize > 0 || tt.o.DropRatioSearch > 0 || tt.p.Radius != nil {
				return
			}
			// Without grouping, range or pruning the exact scan is the
			// float64 reference's top k.
			for i, q := range tt.data.queries {
				var ref []refHit
				for id, row := range tt.data.rows {
					if d := refSparse(q, row, tt.o.BM25); d != 0 && (tt.p.Filter == nil || tt.p.Filter(int64(id))) {
						ref = append(ref, refHit{int64(id), d})
					}
				}
				sortRef(tt.p.Metric, ref)
				checkAgainstRef(t, tt.p.Metric, flat[i], ref, tt.p.TopK, 1e-4)
			}
		})
	}
}

// checkGroups verifies the grouping shape: at most topK groups of at most
// size hits, each group contiguous.
func checkGroups(t *testing.T, hits []Hit, topK, size int) {
	t.Helper()
	count := map[any]int{}
	var order []any
	for i, h := range hits {
		if count[h.Group] == 0 {
			order = append(order, h.Group)
		} else if hits[i-1].Group != h.Group {
			t.Fatalf("group %v is not contiguous in %v", h.Group, hits)
		}
		count[h.Group]++
		if count[h.Group] > size {
			t.Fatalf("group %v has more than %d hits", h.Group, size)
		}
	}
	if len(order) > topK {
		t.Fatalf("%d groups, want at most %d", len(order), topK)
	}
}

func TestSparseDropRatio(t *testing.T) {
	// |values| sorted: 0.05 (term 4), 0.1 (term 2), 0.5 (term 3), 1 (term 1).
	rows := []SparseVector{sv(2, 10), sv(1, 1), sv(3, -1), sv(4, 100)}
	q := sv(1, 1, 2, 0.1, 3, -0.5, 4, 0.05)
	// Ties at the cut-off are kept: |values| 0.5, 1, 1.
	tieRows := []SparseVector{sv(1, 1), sv(2, 2), sv(3, 3)}
	tieQ := sv(1, 1, 2, 1, 3, 0.5)
	tests := []struct {
		rows  []SparseVector
		q     SparseVector
		ratio float64
		ids   []int64
		dists []float64
	}{
		{rows, q, 0, []int64{3, 0, 1, 2}, []float64{5, 1, 1, 0.5}},
		{rows, q, 0.2, []int64{3, 0, 1, 2}, []float64{5, 1, 1, 0.5}}, // floor(0.8) = 0: nothing dropped
		{rows, q, 0.25, []int64{0, 1, 2}, []float64{1, 1, 0.5}},      // cut-off 0.1: term 4 dropped
		{rows, q, 0.5, []int64{1, 2}, []float64{1, 0.5}},             // cut-off 0.5: terms 4 and 2 dropped
		{rows, q, 0.75, []int64{1}, []float64{1}},                    // cut-off 1: only term 1 left
		{rows, q, 0.99, []int64{1}, []float64{1}},                    // floor(3.96) = 3
		{tieRows, tieQ, 0, []int64{1, 2, 0}, []float64{2, 1.5, 1}},
		{tieRows, tieQ, 0.5, []int64{1, 0}, []float64{2, 1}},  // cut-off 1 (second smallest): term 3 dropped
		{tieRows, tieQ, 0.67, []int64{1, 0}, []float64{2, 1}}, // floor(2.01) = 2: cut-off 1 again, both 1s kept
	}
	for _, tt := range tests {
		for _, s := range sparseSearchers(tt.rows) {
			res, err := s.search([]SparseVector{tt.q}, SearchParams{Metric: MetricIP, TopK: 10}, SparseOptions{DropRatioSearch: tt.ratio})
			if err != nil {
				t.Fatal(err)
			}
			checkHits(t, fmt.Sprintf("%s ratio %v", s.name, tt.ratio), res[0], tt.ids, tt.dists, 0)
		}
	}
}

func TestSparseZeroScoresNotReturned(t *testing.T) {
	rows := []SparseVector{sv(1, 1, 2, 1), sv(3, 1), sv(1, 1), {}}
	for _, s := range sparseSearchers(rows) {
		res, err := s.search([]SparseVector{sv(1, 1, 2, -1), sv(9, 1), {}}, SearchParams{Metric: MetricIP, TopK: 10, Radius: ptr(-5)}, SparseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Row 0 shares terms but cancels to 0, rows 1 and 3 share none.
		checkHits(t, s.name, res[0], []int64{2}, []float64{1}, 0)
		for i, hs := range res[1:] {
			if hs == nil || len(hs) != 0 {
				t.Fatalf("%s: query %d without common terms got %#v, want an empty list", s.name, i+1, hs)
			}
		}
	}
	for _, s := range sparseSearchers(nil) {
		res, err := s.search([]SparseVector{sv(1, 1)}, SearchParams{Metric: MetricIP, TopK: 3}, SparseOptions{})
		if err != nil || len(res) != 1 || res[0] == nil || len(res[0]) != 0 {
			t.Fatalf("%s over no rows: %#v, %v", s.name, res, err)
		}
	}
}

func TestSparseDocFreqTotalLength(t *testing.T) {
	rows := []SparseVector{sv(1, 2, 5, 1), sv(1, 1), sv(5, 3, 7, 1), {}}
	x := BuildSparseIndex(sparseSlice(rows))
	even := func(row int64) bool { return row%2 == 0 }
	notFirst := func(row int64) bool { return row != 0 }
	tests := []struct {
		term uint32
		live func(int64) bool
		want int
	}{
		{1, nil, 2},
		{1, even, 1},
		{1, notFirst, 1},
		{5, nil, 2},
		{5, even, 2},
		{5, notFirst, 1},
		{7, notFirst, 1},
		{9, nil, 0},
		{0, nil, 0},
	}
	for _, tt := range tests {
		if got := x.DocFreq(tt.term, tt.live); got != tt.want {
			t.Errorf("DocFreq(%d) = %d, want %d", tt.term, got, tt.want)
		}
	}
	for _, tt := range []struct {
		live func(int64) bool
		sum  float64
		rows int
	}{{nil, 8, 4}, {even, 7, 2}, {notFirst, 5, 3}, {func(int64) bool { return false }, 0, 0}} {
		if sum, n := x.TotalLength(tt.live); sum != tt.sum || n != tt.rows {
			t.Errorf("TotalLength = %v, %d, want %v, %d", sum, n, tt.sum, tt.rows)
		}
	}
	if x.Len() != 4 || BuildSparseIndex(sparseSlice(nil)).Len() != 0 {
		t.Errorf("Len = %d", x.Len())
	}
	// 3 terms, 5 postings and 4 rows at least.
	if b := x.Bytes(); b < 3*4+5*8+4*4 {
		t.Errorf("Bytes = %d", b)
	}
}

func TestSparseErrors(t *testing.T) {
	rows := []SparseVector{sv(1, 1), sv(2, 1)}
	ok := []SparseVector{sv(1, 1)}
	key := func(int64) any { return nil }
	bm := &BM25{K1: 1.2, B: 0.75, AvgDL: 10}
	ip := SearchParams{Metric: MetricIP, TopK: 1}
	bp := SearchParams{Metric: MetricBM25, TopK: 1}
	tests := []struct {
		name    string
		queries []SparseVector
		p       SearchParams
		o       SparseOptions
		want    string
	}{
		{"unsorted", []SparseVector{sv(2, 1, 1, 1)}, ip, SparseOptions{}, "strictly increasing"},
		{"duplicate index", []SparseVector{sv(1, 1), sv(3, 1, 3, 2)}, ip, SparseOptions{}, "query 1: indices must be strictly increasing"},
		{"length mismatch", []SparseVector{{Indices: []uint32{1, 2}, Values: []float32{1}}}, ip, SparseOptions{}, "2 indices but 1 values"},
		{"NaN value", []SparseVector{{Indices: []uint32{1}, Values: []float32{nanf()}}}, ip, SparseOptions{}, "NaN"},
		{"Inf value", []SparseVector{{Indices: []uint32{1}, Values: []float32{inf()}}}, ip, SparseOptions{}, "Inf"},
		{"topk zero", ok, SearchParams{Metric: MetricIP}, SparseOptions{}, "topk"},
		{"metric unset", ok, SearchParams{TopK: 1}, SparseOptions{}, "not supported for sparse"},
		{"metric L2", ok, SearchParams{Metric: MetricL2, TopK: 1}, SparseOptions{}, "metric type L2"},
		{"metric COSINE", ok, SearchParams{Metric: MetricCosine, TopK: 1}, SparseOptions{}, "metric type COSINE"},
		{"BM25 without parameters", ok, bp, SparseOptions{}, "needs BM25 parameters"},
		{"IP with BM25 parameters", ok, ip, SparseOptions{BM25: bm}, "metric type IP"},
		{"avgdl zero", ok, bp, SparseOptions{BM25: &BM25{K1: 1.2, B: 0.75}}, "average document length"},
		{"avgdl NaN", ok, bp, SparseOptions{BM25: &BM25{K1: 1.2, B: 0.75, AvgDL: nanf()}}, "average document length"},
		{"k1 negative", ok, bp, SparseOptions{BM25: &BM25{K1: -1, B: 0.75, AvgDL: 1}}, "k1"},
		{"b above 1", ok, bp, SparseOptions{BM25: &BM25{K1: 1, B: 1.5, AvgDL: 1}}, "b must be"},
		{"drop ratio 1", ok, ip, SparseOptions{DropRatioSearch: 1}, "drop_ratio_search"},
		{"drop ratio negative", ok, ip, SparseOptions{DropRatioSearch: -0.1}, "drop_ratio_search"},
		{"drop ratio NaN", ok, ip, SparseOptions{DropRatioSearch: math.NaN()}, "drop_ratio_search"},
		{"group without key", ok, SearchParams{Metric: MetricIP, TopK: 1, GroupSize: 2}, SparseOptions{}, "group key"},
		{"negative group size", ok, SearchParams{Metric: MetricIP, TopK: 1, GroupSize: -1, GroupKey: key}, SparseOptions{}, "group size"},
		{"range inverted", ok, SearchParams{Metric: MetricBM25, TopK: 1, Radius: ptr(2), RangeFilter: ptr(1)}, SparseOptions{BM25: bm}, "greater than radius"},
		{"NaN radius", ok, SearchParams{Metric: MetricIP, TopK: 1, Radius: ptr(nanf())}, SparseOptions{}, "NaN"},
	}
	for _, tt := range tests {
		for _, s := range sparseSearchers(rows) {
			res, err := s.search(tt.queries, tt.p, tt.o)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) || res != nil {
				t.Errorf("%s %s: %v, %v; want ErrInvalid mentioning %q", s.name, tt.name, res, err, tt.want)
			}
		}
	}
	if _, err := SearchSparseFlat(nil, ok, ip, SparseOptions{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil rows: %v", err)
	}
}

// TestSparseDenseRefusesBM25: BM25 is a valid metric (Merge, range) but only for
// sparse vectors; every dense entry point refuses it.
func TestSparseDenseRefusesBM25(t *testing.T) {
	q := [][]float32{{1, 2}}
	_, flatErr := NewFlat(2, MetricBM25).Search(q, SearchParams{TopK: 1})
	_, viewErr := SearchFlat(FlatView{Vectors: []float32{1, 2}, Dim: 2}, q, SearchParams{Metric: MetricBM25, TopK: 1})
	_, hnswErr := NewHNSW(2, MetricBM25, HNSWConfig{})
	_, ivfErr := NewIVFFlat(2, MetricBM25, IVFConfig{})
	l2 := newFlatFrom(t, MetricL2, [][]float32{{1, 2}}, nil)
	_, mismatchErr := l2.Search(q, SearchParams{Metric: MetricBM25, TopK: 1})
	for name, err := range map[string]error{
		"flat": flatErr, "flat add": NewFlat(2, MetricBM25).Add(nil, []float32{1, 2}),
		"view": viewErr, "hnsw": hnswErr, "ivf": ivfErr, "mismatch": mismatchErr,
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s with BM25: %v, want ErrInvalid", name, err)
		}
	}
}

func TestSparseMetricBM25(t *testing.T) {
	for _, s := range []string{"BM25", "bm25", "Bm25"} {
		if m, err := ParseMetric(s); m != MetricBM25 || err != nil {
			t.Errorf("ParseMetric(%q) = %v, %v", s, m, err)
		}
	}
	m := MetricBM25
	if m.String() != "BM25" || !m.Valid() || !m.LargerIsBetter() || !m.Better(2, 1) || m.Better(1, 2) || m.Better(1, 1) || m.dense() {
		t.Errorf("BM25: String %q Valid %v LargerIsBetter %v dense %v", m, m.Valid(), m.LargerIsBetter(), m.dense())
	}
	if MetricInvalid != 0 || MetricInvalid.Valid() || Metric(MetricJaccard+1).Valid() {
		t.Error("metric enum bounds changed")
	}
	got := Merge(MetricBM25, [][]Hit{{{ID: 1, Distance: 3}, {ID: 2, Distance: 1}}, {{ID: 3, Distance: 2}, {ID: 1, Distance: 0.5}}}, 0, 3, 0)
	if want := []Hit{{ID: 1, Distance: 3}, {ID: 3, Distance: 2}, {ID: 2, Distance: 1}}; !slices.Equal(got, want) {
		t.Errorf("Merge(BM25) = %v, want %v", got, want)
	}
}

// TestSparseCheck: Check is polled before each query and every ScanChunk
// rows (exact) or before each posting list (index); an error stops the
// search and is returned wrapped, with no hits.
func TestSparseCheck(t *testing.T) {
	const n = ScanChunk + 904
	rows := make([]SparseVector, n)
	for i := range rows {
		switch {
		case i < 3:
			rows[i] = sv(1, 1, 2, 1) // term 1: 3 rows, term 2: 3 rows
		case i < 5:
			rows[i] = sv(2, 1)
		default:
			rows[i] = sv(3, 1)
		}
	}
	q := []SparseVector{sv(1, 1, 2, 1, 99, 1)} // term 99 has no posting list
	x := BuildSparseIndex(sparseSlice(rows))
	searches := map[string]func([]SparseVector, SearchParams) ([][]Hit, error){
		"flat": func(q []SparseVector, p SearchParams) ([][]Hit, error) {
			return SearchSparseFlat(sparseSlice(rows), q, p, SparseOptions{})
		},
		"index": func(q []SparseVector, p SearchParams) ([][]Hit, error) { return x.Search(q, p, SparseOptions{}) },
	}
	wantCalls := map[string][]int{"flat": {0, ScanChunk, 904}, "index": {0, 3, 5}}
	for name, search := range searches {
		var calls []int
		res, err := search(q, SearchParams{Metric: MetricIP, TopK: 2, Check: func(rows int) error {
			calls = append(calls, rows)
			return nil
		}})
		if err != nil || len(res[0]) != 2 || !slices.Equal(calls, wantCalls[name]) {
			t.Errorf("%s: %v, %v; Check calls %v, want %v", name, res, err, calls, wantCalls[name])
		}
		for stopAt := 1; stopAt <= len(wantCalls[name]); stopAt++ {
			stop := errors.New("stop")
			var polls atomic.Int64
			var scored atomic.Int64
			res, err := search(slices.Repeat(q, 8), SearchParams{Metric: MetricIP, TopK: 2,
				Filter: func(int64) bool { scored.Add(1); return true },
				Check: func(int) error {
					if polls.Add(1) >= int64(stopAt) {
						return stop
					}
					return nil
				}})
			if res != nil || !errors.Is(err, stop) || errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "search stopped") {
				t.Errorf("%s stopping at poll %d: %v, %v", name, stopAt, res, err)
			}
			if scored.Load() >= 8*n {
				t.Errorf("%s stopping at poll %d: %d rows scored, the search did not stop", name, stopAt, scored.Load())
			}
		}
	}
}

// TestSparseIndexConcurrent: concurrent searches of one index (each
// multi-query, so parallel inside too) agree with a sequential one, and a
// panicking Filter leaves no dirty scratch behind.
func TestSparseIndexConcurrent(t *testing.T) {
	d := newSparseData(21, 2000, 300, 40, true)
	x := BuildSparseIndex(sparseSlice(d.rows))
	p := SearchParams{Metric: MetricIP, TopK: 5, Filter: func(id int64) bool { return id%5 != 0 }}
	want, err := x.Search(d.queries, p, SparseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "boom") {
				t.Fatalf("recovered %v, want the filter's panic", r)
			}
		}()
		x.Search(d.queries, SearchParams{Metric: MetricIP, TopK: 5, Filter: func(id int64) bool {
			if id == 1999 {
				panic("boom")
			}
			return true
		}}, SparseOptions{})
	}()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				got, err := x.Search(d.queries, p, SparseOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				for i := range want {
					if !slices.Equal(got[i], want[i]) {
						t.Errorf("query %d: %v, want %v", i, got[i], want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

const sparseBenchN, sparseBenchVocab, sparseBenchTerms, sparseBenchQueries = 100_000, 30_000, 20, 20

// sparseBench is a seeded corpus of 100k rows with about 20 distinct terms
// each, drawn from a Zipf distribution over 30k terms (values are term
// counts), and 5-term queries drawn from the same distribution.
var sparseBench = sync.OnceValue(func() (d struct {
	rows    sparseSlice
	x       *SparseIndex
	queries []SparseVector
	bm25    *BM25
},
) {
	r := newRand(300)
	z := rand.NewZipf(r, 1.1, 1, sparseBenchVocab-1)
	draw := func(terms int) SparseVector {
		tf := map[uint32]float32{}
		for len(tf) < terms {
			tf[uint32(z.Uint64())]++
		}
		var v SparseVector
		for t := range tf {
			v.Indices = append(v.Indices, t)
		}
		slices.Sort(v.Indices)
		for _, t := range v.Indices {
			v.Values = append(v.Values, tf[t])
		}
		return v
	}
	for range sparseBenchN {
		d.rows = append(d.rows, draw(sparseBenchTerms))
	}
	d.x = BuildSparseIndex(d.rows)
	sum, n := d.x.TotalLength(nil)
	d.bm25 = &BM25{K1: 1.2, B: 0.75, AvgDL: float32(sum / float64(n))}
	for range sparseBenchQueries {
		d.queries = append(d.queries, draw(5))
	}
	return d
})

// BenchmarkSparseIndex compares one query of 5 terms (op) through the
// inverted index and by exact scan, for IP (term counts as query weights)
// and BM25 (idf weights), over 100k rows; ops cycle through 20 queries, so
// -benchtime 20x runs each once.
func BenchmarkSparseIndex(b *testing.B) {
	d := sparseBench()
	idf := make([]SparseVector, len(d.queries))
	for i, q := range d.queries {
		v := SparseVector{Indices: q.Indices}
		for _, t := range q.Indices {
			df := float64(d.x.DocFreq(t, nil))
			v.Values = append(v.Values, float32(math.Log(1+(sparseBenchN-df+0.5)/(df+0.5))))
		}
		idf[i] = v
	}
	flat := func(q []SparseVector, p SearchParams, o SparseOptions) ([][]Hit, error) {
		return SearchSparseFlat(d.rows, q, p, o)
	}
	for _, m := range []struct {
		name    string
		metric  Metric
		o       SparseOptions
		queries []SparseVector
	}{
		{"IP", MetricIP, SparseOptions{}, d.queries},
		{"BM25", MetricBM25, SparseOptions{BM25: d.bm25}, idf},
	} {
		for _, s := range []sparseSearcher{{"index", d.x.Search}, {"flat", flat}} {
			b.Run(m.name+"/"+s.name, func(b *testing.B) {
				p := SearchParams{Metric: m.metric, TopK: 10}
				i := 0
				for b.Loop() {
					if _, err := s.search(m.queries[i%len(m.queries):][:1], p, m.o); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			BuildSparseIndex(d.rows)
		}
	})
}
