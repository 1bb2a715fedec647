package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// binSlice is BinaryRows over a slice.
type binSlice [][]byte

func (s binSlice) Len() int         { return len(s) }
func (s binSlice) Row(i int) []byte { return s[i] }

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func randBinary(r *rand.Rand, n, nb int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = randBytes(r, nb)
	}
	return out
}

// sparseBits returns a vector whose bits are set with probability p, so
// JACCARD sees all-zero and nearly-empty vectors too.
func sparseBits(r *rand.Rand, nb int, p float64) []byte {
	b := make([]byte, nb)
	for i := range nb * 8 {
		if r.Float64() < p {
			b[i/8] |= 1 << (i % 8)
		}
	}
	return b
}

// naiveCounts counts differing bits and bits set in either vector, one bit
// at a time.
func naiveCounts(a, b []byte) (diff, union int64) {
	for i := range len(a) * 8 {
		x, y := a[i/8]>>(i%8)&1, b[i/8]>>(i%8)&1
		if x != y {
			diff++
		}
		if x|y == 1 {
			union++
		}
	}
	return diff, union
}

// refBinary is the reference distance: the bit count for HAMMING, and for
// JACCARD 1 − |a∧b|/|a∨b| = |a⊕b|/|a∨b| rounded once to the nearest float32
// (big.Rat), 0 for two all-zero vectors.
func refBinary(m Metric, a, b []byte) float32 {
	diff, union := naiveCounts(a, b)
	if m == MetricHamming {
		return float32(diff)
	}
	if union == 0 {
		return 0
	}
	f, _ := new(big.Rat).SetFrac64(diff, union).Float32()
	return f
}

// refDists is the reference distance of every row to q.
func refDists(m Metric, rows [][]byte, q []byte) []float32 {
	out := make([]float32, len(rows))
	for i, row := range rows {
		out[i] = refBinary(m, q, row)
	}
	return out
}

// refBinarySearch keeps the rows passing keep and sorts them best first
// (ties by ID).
func refBinarySearch(dists []float32, keep func(id int64, d float32) bool) []refHit {
	var all []refHit
	for i, d := range dists {
		if keep == nil || keep(int64(i), d) {
			all = append(all, refHit{int64(i), float64(d)})
		}
	}
	slices.SortFunc(all, func(a, b refHit) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.id, b.id)) })
	return all
}

// binInRange is the Milvus rule for smaller-is-better metrics.
func binInRange(d float32, radius, rangeFilter *float32) bool {
	return (rangeFilter == nil || d >= *rangeFilter) && (radius == nil || d < *radius)
}

// checkExact compares hits with the reference: same IDs, same distances.
func checkExact(t *testing.T, what string, got []Hit, want []refHit, key func(int64) any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d hits, want %d", what, len(got), len(want))
	}
	for i, h := range got {
		if h.ID != want[i].id || float64(h.Distance) != want[i].dist {
			t.Fatalf("%s: rank %d: got id %d d=%v, want id %d d=%v", what, i, h.ID, h.Distance, want[i].id, want[i].dist)
		}
		var g any
		if key != nil {
			g = key(h.ID)
		}
		if h.Group != g {
			t.Fatalf("%s: rank %d: group %v, want %v", what, i, h.Group, g)
		}
	}
}

func TestBinaryKernels(t *testing.T) {
	r := newRand(1)
	ones := func(n int) []byte { return slices.Repeat([]byte{0xff}, n) }
	tests := []struct {
		name    string
		a, b    []byte
		ham     int
		jaccard float32
	}{
		{"empty", nil, nil, 0, 0},
		{"zeros", make([]byte, 5), make([]byte, 5), 0, 0},
		{"equal", ones(33), ones(33), 0, 0},
		{"complement", ones(17), make([]byte, 17), 136, 1},
		{"half", []byte{0x0f}, []byte{0xff}, 4, 0.5},
		{"one bit in the tail", append(make([]byte, 40), 1), make([]byte, 41), 1, 1},
		{"a third", []byte{0b111, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{0b110, 0, 0, 0, 0, 0, 0, 0, 0}, 1, float32(1.0 / 3)},
	}
	for _, tt := range tests {
		if got := Hamming(tt.a, tt.b); got != tt.ham {
			t.Errorf("%s: Hamming = %d, want %d", tt.name, got, tt.ham)
		}
		if got := Jaccard(tt.a, tt.b); got != tt.jaccard {
			t.Errorf("%s: Jaccard = %v, want %v", tt.name, got, tt.jaccard)
		}
	}
	// Random lengths, every tail shape, dense and sparse bits.
	for n := 1; n <= 40; n++ {
		for rep := range 30 {
			var a, b []byte
			if rep%3 == 0 {
				a, b = sparseBits(r, n, 0.02), sparseBits(r, n, 0.02)
			} else {
				a, b = randBytes(r, n), randBytes(r, n)
			}
			diff, union := naiveCounts(a, b)
			if got := Hamming(a, b); int64(got) != diff {
				t.Fatalf("n=%d: Hamming(%x, %x) = %d, want %d", n, a, b, got, diff)
			}
			got, want := Jaccard(a, b), refBinary(MetricJaccard, a, b)
			if got != want {
				t.Fatalf("n=%d: Jaccard(%x, %x) = %v, want %v", n, a, b, got, want)
			}
			if union > 0 {
				inter := union - diff
				if lit := 1 - float64(inter)/float64(union); math.Abs(float64(got)-lit) > 1e-7 {
					t.Fatalf("n=%d: Jaccard = %v, 1 - inter/union = %v", n, got, lit)
				}
			}
			// Unaligned sub-slices go through the same loads.
			if got := Hamming(a[1:], b[1:]); n > 1 && got != int(refBinary(MetricHamming, a[1:], b[1:])) {
				t.Fatalf("n=%d: unaligned Hamming = %d", n, got)
			}
		}
	}
	for _, f := range []func(){
		func() { Hamming([]byte{1}, []byte{1, 2}) },
		func() { Jaccard([]byte{1, 2}, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("mismatched lengths did not panic")
				}
			}()
			f()
		}()
	}
}

// TestBinaryMetric: the binary metrics parse, order like L2, are refused
// by everything dense (and sparse), and Merge reduces their lists.
func TestBinaryMetric(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Metric
	}{{"HAMMING", MetricHamming}, {"hamming", MetricHamming}, {"Jaccard", MetricJaccard}, {"JACCARD", MetricJaccard}} {
		got, err := ParseMetric(tt.in)
		if err != nil || got != tt.want || got.String() != strings.ToUpper(tt.in) {
			t.Errorf("ParseMetric(%q) = %v, %v", tt.in, got, err)
		}
	}
	for _, m := range []Metric{MetricHamming, MetricJaccard} {
		if !m.Valid() || m.dense() || m.LargerIsBetter() || !m.Better(1, 2) || m.Better(2, 1) || m.Better(1, 1) || m.Better(nanf(), 1) {
			t.Errorf("%v: Valid %v dense %v LargerIsBetter %v Better(1,2) %v Better(2,1) %v", m, m.Valid(), m.dense(), m.LargerIsBetter(), m.Better(1, 2), m.Better(2, 1))
		}
		if m.score(3) != 3 || m.distance(m.score(0.25)) != 0.25 {
			t.Errorf("%v: score(3) = %v", m, m.score(3))
		}
		if _, err := makeRange(m, ptr(10), ptr(2)); err != nil {
			t.Errorf("%v: range_filter 2 < radius 10 refused: %v", m, err)
		}
	}
	if Metric(MetricJaccard + 1).Valid() {
		t.Error("the metric after JACCARD is valid")
	}

	vecs := []float32{0, 0, 1, 1}
	q := [][]float32{{0, 0}}
	for _, m := range []Metric{MetricHamming, MetricJaccard} {
		refusals := map[string]error{}
		refusals["Flat.Add"] = NewFlat(2, m).Add(nil, vecs)
		_, refusals["Flat.Search"] = NewFlat(2, m).Search(q, SearchParams{TopK: 1})
		_, refusals["SearchFlat"] = SearchFlat(FlatView{Vectors: vecs, Dim: 2}, q, SearchParams{Metric: m, TopK: 1})
		_, refusals["NewHNSW"] = NewHNSW(2, m, HNSWConfig{})
		_, refusals["NewIVFFlat"] = NewIVFFlat(2, m, IVFConfig{})
		_, refusals["EncodeFile HNSW"] = EncodeFile(FileHNSW, nil, 2, m, vecs, 1, false)
		_, refusals["EncodeFile IVF_FLAT"] = EncodeFile(FileIVFFlat, nil, 2, m, vecs, 1, false)
		_, refusals["SearchSparseFlat"] = SearchSparseFlat(sparseSlice{sv(1, 1)}, []SparseVector{sv(1, 1)}, SearchParams{Metric: m, TopK: 1}, SparseOptions{})
		for what, err := range refusals {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v: %s: err %v, want ErrInvalid", m, what, err)
			}
		}
	}

	// Merge: smaller first, duplicates keep the better distance, grouping.
	lists := [][]Hit{
		{{ID: 1, Distance: 0.25, Group: "a"}, {ID: 2, Distance: 0.5, Group: "b"}, {ID: 3, Distance: 0.75, Group: "a"}},
		{{ID: 2, Distance: 0.125, Group: "b"}, {ID: 4, Distance: 0.5, Group: "c"}, {ID: 5, Distance: 1, Group: "b"}},
	}
	for _, m := range []Metric{MetricHamming, MetricJaccard} {
		got := Merge(m, lists, 1, 3, 0)
		want := []Hit{{ID: 1, Distance: 0.25, Group: "a"}, {ID: 4, Distance: 0.5, Group: "c"}, {ID: 3, Distance: 0.75, Group: "a"}}
		if !slices.Equal(got, want) {
			t.Errorf("%v: Merge = %v, want %v", m, got, want)
		}
		got = Merge(m, lists, 0, 2, 2)
		want = []Hit{{ID: 2, Distance: 0.125, Group: "b"}, {ID: 5, Distance: 1, Group: "b"}, {ID: 1, Distance: 0.25, Group: "a"}, {ID: 3, Distance: 0.75, Group: "a"}}
		if !slices.Equal(got, want) {
			t.Errorf("%v: grouped Merge = %v, want %v", m, got, want)
		}
	}
}

// binaryCase is one set of search parameters checked against the
// reference; the bounds of range cases are read off the reference ranks.
type binaryCase struct {
	name      string
	k         int
	filter    bool
	lo, hi    int // rank of range_filter / radius in the unfiltered reference, -1: none
	groupSize int
}

var binaryCases = []binaryCase{
	{"top10", 10, false, -1, -1, 0},
	{"all", 1 << 20, false, -1, -1, 0},
	{"filter", 10, true, -1, -1, 0},
	{"radius", 1000, false, -1, 150, 0},
	{"range_filter", 7, false, 20, -1, 0},
	{"range", 1000, true, 20, 150, 0},
	{"group", 4, false, -1, -1, 3},
	{"group filter range", 5, true, 10, 200, 2},
}

// params turns c into SearchParams; range bounds are read off the ranks
// of dists (the distances of one query), clamped to the rows there are.
func (c binaryCase) params(m Metric, dists []float32) SearchParams {
	p := SearchParams{Metric: m, TopK: c.k}
	all := refBinarySearch(dists, nil)
	if c.lo >= 0 {
		p.RangeFilter = ptr(float32(all[min(c.lo, len(all)-1)].dist))
	}
	if c.hi >= 0 {
		p.Radius = ptr(float32(all[min(c.hi, len(all)-1)].dist))
	}
	if p.Radius != nil && p.RangeFilter != nil && *p.RangeFilter >= *p.Radius {
		p.Radius = ptr(*p.RangeFilter + 1) // too many ties: widen
	}
	if c.filter {
		p.Filter = func(id int64) bool { return id%3 != 1 }
	}
	if c.groupSize > 0 {
		p.GroupSize, p.GroupKey = c.groupSize, func(id int64) any { return id % 7 }
	}
	return p
}

// expectBinary is the reference answer for p (its filter, range and
// grouping) given one query's distances.
func expectBinary(dists []float32, p SearchParams) []refHit {
	want := refBinarySearch(dists, func(id int64, d float32) bool {
		return (p.Filter == nil || p.Filter(id)) && binInRange(d, p.Radius, p.RangeFilter)
	})
	if p.GroupSize > 0 {
		return refGroup(want, p.GroupKey, p.TopK, p.GroupSize)
	}
	return want[:min(p.TopK, len(want))]
}

func TestSearchBinaryFlat(t *testing.T) {
	r := newRand(2)
	for _, tc := range []struct {
		n, nb, nq int
		sparse    bool
	}{
		{500, 3, 4, false},       // 24 bits: heavy ties
		{700, 17, 4, true},       // words and a tail, sparse bits: JACCARD 0/0
		{9000, 32, 24, false},    // several ScanChunks, parallel queries
		{1, 8, 1, false},         // one row
		{0, 8, 2, false},         // no rows
		{300, 1, 3, false},       // 8 bits
		{64, 5, 3, true},         // tail only
		{2000, 128, 3, false},    // 1024 bits
		{ScanChunk, 16, 3, true}, // exactly one chunk
	} {
		var rows [][]byte
		for range tc.n {
			if tc.sparse {
				rows = append(rows, sparseBits(r, tc.nb, 0.05))
			} else {
				rows = append(rows, randBytes(r, tc.nb))
			}
		}
		queries := randBinary(r, tc.nq, tc.nb)
		if tc.sparse {
			queries[0] = make([]byte, tc.nb) // all zeros
		}
		for _, m := range []Metric{MetricHamming, MetricJaccard} {
			dists := make([][]float32, len(queries))
			for qi, q := range queries {
				dists[qi] = refDists(m, rows, q)
			}
			for _, c := range binaryCases {
				if tc.n == 0 && (c.lo >= 0 || c.hi >= 0) {
					continue
				}
				name := fmt.Sprintf("%v/n=%d/bits=%d/%s", m, tc.n, tc.nb*8, c.name)
				// Bounds come from query 0; the same params serve every query.
				p := c.params(m, dists[0])
				got, err := SearchBinaryFlat(binSlice(rows), tc.nb*8, queries, p)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(got) != len(queries) {
					t.Fatalf("%s: %d result lists for %d queries", name, len(got), len(queries))
				}
				for qi := range queries {
					if got[qi] == nil {
						t.Fatalf("%s: query %d: nil result", name, qi)
					}
					checkExact(t, fmt.Sprintf("%s/q%d", name, qi), got[qi], expectBinary(dists[qi], p), p.GroupKey)
				}
			}
		}
	}
}

// clusteredBinary draws n rows around nc random centres, each bit flipped
// with probability flip, and nq queries the same way.
func clusteredBinary(seed uint64, n, nq, nb, nc int, flip float64) (rows, queries [][]byte) {
	r := newRand(seed)
	centres := randBinary(r, nc, nb)
	draw := func() []byte {
		v := slices.Clone(centres[r.IntN(nc)])
		for i := range nb * 8 {
			if r.Float64() < flip {
				v[i/8] ^= 1 << (i % 8)
			}
		}
		return v
	}
	for range n {
		rows = append(rows, draw())
	}
	for range nq {
		queries = append(queries, draw())
	}
	return rows, queries
}

func buildBinaryIVF(t testing.TB, rows BinaryRows, nb, nlist int, m Metric, seed uint64) *BinaryIVF {
	t.Helper()
	x, err := BuildBinaryIVF(rows, nb*8, nlist, m, seed)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestBinaryIVFMatchesFlat: probing every list is the exact search, for
// every metric and parameter set; the lists partition the rows.
func TestBinaryIVFMatchesFlat(t *testing.T) {
	for _, tc := range []struct {
		n, nb, nlist int
		clustered    bool
	}{
		{3000, 32, 16, true},
		{1500, 17, 8, false},
		{400, 3, 5, false},
		{10, 8, 64, false}, // fewer rows than lists
		{0, 8, 4, false},
	} {
		var rows, queries [][]byte
		if tc.clustered {
			rows, queries = clusteredBinary(3, tc.n, 6, tc.nb, 10, 0.1)
		} else {
			r := newRand(4)
			rows, queries = randBinary(r, tc.n, tc.nb), randBinary(r, 6, tc.nb)
		}
		for _, m := range []Metric{MetricHamming, MetricJaccard} {
			x := buildBinaryIVF(t, binSlice(rows), tc.nb, tc.nlist, m, 7)
			if x.Len() != tc.n || x.Nlist() != min(tc.nlist, tc.n) || x.Dim() != tc.nb*8 || x.Metric() != m {
				t.Fatalf("Len %d Nlist %d Dim %d Metric %v", x.Len(), x.Nlist(), x.Dim(), x.Metric())
			}
			seen := make([]bool, tc.n)
			for c := range x.Nlist() {
				ids := x.ids[x.starts[c]:x.starts[c+1]]
				if !slices.IsSorted(ids) {
					t.Fatalf("list %d not ascending", c)
				}
				for _, id := range ids {
					if seen[id] {
						t.Fatalf("row %d in two lists", id)
					}
					seen[id] = true
					if want, _ := nearestBinary(x.centroids, rows[id], tc.nb); want != c {
						t.Fatalf("row %d in list %d, nearest centroid %d", id, c, want)
					}
				}
			}
			if slices.Contains(seen, false) {
				t.Fatal("a row is in no list")
			}
			for _, c := range binaryCases {
				if tc.n == 0 && (c.lo >= 0 || c.hi >= 0) {
					continue
				}
				name := fmt.Sprintf("%v/n=%d/%s", m, tc.n, c.name)
				p := c.params(m, refDists(m, rows, queries[0]))
				want, err := SearchBinaryFlat(binSlice(rows), tc.nb*8, queries, p)
				if err != nil {
					t.Fatalf("%s: flat: %v", name, err)
				}
				for _, nprobe := range []int{x.Nlist(), x.Nlist() + 5} {
					pm := p
					if nprobe > x.Nlist() {
						pm.Metric = MetricInvalid // the index's metric
					}
					got, err := x.Search(queries, pm, max(nprobe, 1))
					if err != nil {
						t.Fatalf("%s: ivf: %v", name, err)
					}
					if !listsEqual(got, want) {
						t.Fatalf("%s: nprobe %d: ivf %v\nflat %v", name, nprobe, got, want)
					}
				}
			}
		}
	}
}

func TestBinaryIVFDeterministic(t *testing.T) {
	rows, _ := clusteredBinary(5, 3000, 0, 16, 20, 0.1)
	a := buildBinaryIVF(t, binSlice(rows), 16, 32, MetricHamming, 11)
	b := buildBinaryIVF(t, binSlice(rows), 16, 32, MetricJaccard, 11)
	c := buildBinaryIVF(t, binSlice(rows), 16, 32, MetricHamming, 12)
	if !slices.Equal(a.centroids, b.centroids) || !slices.Equal(a.ids, b.ids) || !slices.Equal(a.starts, b.starts) {
		t.Fatal("two builds with the same seed differ")
	}
	if slices.Equal(a.centroids, c.centroids) {
		t.Error("seeds 11 and 12 gave the same centroids")
	}
	want := int64(len(a.centroids)) + 4*int64(len(rows)) + 8*int64(a.Nlist()+1)
	if got := a.Bytes(); got < want || got > want+256 {
		t.Errorf("Bytes = %d, want about %d", got, want)
	}
	// Sampled training (more rows than 256 per list) is deterministic too.
	s1 := buildBinaryIVF(t, binSlice(rows), 16, 4, MetricHamming, 3)
	s2 := buildBinaryIVF(t, binSlice(rows), 16, 4, MetricHamming, 3)
	if !slices.Equal(s1.centroids, s2.centroids) || !slices.Equal(s1.ids, s2.ids) {
		t.Fatal("sampled builds with the same seed differ")
	}
}

// TestBinaryIVFRecall: clustered data (20k rows × 256 bits around 50
// centres, 10% of bits flipped), nlist 64, nprobe 8: recall@10 against the
// exact search.
func TestBinaryIVFRecall(t *testing.T) {
	const n, nq, nb, nlist = 20000, 200, 32, 64
	rows, queries := clusteredBinary(6, n, nq, nb, 50, 0.1)
	mat := toMatrix(rows, nb)
	for _, m := range []Metric{MetricHamming, MetricJaccard} {
		p := SearchParams{Metric: m, TopK: 10}
		truth, err := SearchBinaryFlat(mat, nb*8, queries, p)
		if err != nil {
			t.Fatal(err)
		}
		x := buildBinaryIVF(t, mat, nb, nlist, m, 1)
		var line []string
		var at8 float64
		for _, nprobe := range []int{1, 2, 4, 8, 16} {
			got, err := x.Search(queries, p, nprobe)
			if err != nil {
				t.Fatal(err)
			}
			rec := ivfRecallAt(got, truth)
			line = append(line, fmt.Sprintf("nprobe %d: %.4f", nprobe, rec))
			if nprobe == 8 {
				at8 = rec
			}
		}
		t.Logf("%v recall@10 (nlist %d): %s", m, nlist, strings.Join(line, ", "))
		if at8 < 0.9 {
			t.Errorf("%v: recall@10 with nprobe 8 is %.4f, want >= 0.9", m, at8)
		}
	}
}

func TestBinaryInvalid(t *testing.T) {
	rows := binSlice(randBinary(newRand(8), 50, 4))
	q := [][]byte{make([]byte, 4)}
	x := buildBinaryIVF(t, binSlice(rows), 4, 4, MetricHamming, 1)
	ok := SearchParams{Metric: MetricHamming, TopK: 3}
	with := func(f func(p *SearchParams)) SearchParams { p := ok; f(&p); return p }
	flat := func(p SearchParams) func() error {
		return func() error { _, err := SearchBinaryFlat(rows, 32, q, p); return err }
	}
	tests := []struct {
		name string
		call func() error
		msg  string
	}{
		{"flat metric L2", flat(with(func(p *SearchParams) { p.Metric = MetricL2 })), "L2"},
		{"flat metric unset", flat(with(func(p *SearchParams) { p.Metric = MetricInvalid })), "metric"},
		{"flat metric BM25", flat(with(func(p *SearchParams) { p.Metric = MetricBM25 })), "BM25"},
		{"topk 0", flat(with(func(p *SearchParams) { p.TopK = 0 })), "topk"},
		{"group size -1", flat(with(func(p *SearchParams) { p.GroupSize = -1 })), "group"},
		{"group without key", flat(with(func(p *SearchParams) { p.GroupSize = 2 })), "group key"},
		{"NaN radius", flat(with(func(p *SearchParams) { p.Radius = ptr(nanf()) })), "radius"},
		{"NaN range_filter", flat(with(func(p *SearchParams) { p.RangeFilter = ptr(nanf()) })), "range_filter"},
		{"range_filter = radius", flat(with(func(p *SearchParams) { p.Radius, p.RangeFilter = ptr(3), ptr(3) })), "less than radius"},
		{"range_filter > radius", flat(with(func(p *SearchParams) { p.Radius, p.RangeFilter = ptr(0.2), ptr(0.5); p.Metric = MetricJaccard })), "less than radius"},
		{"nil rows", func() error { _, err := SearchBinaryFlat(nil, 32, q, ok); return err }, "rows"},
		{"dim 0", func() error { _, err := SearchBinaryFlat(rows, 0, nil, ok); return err }, "dimension"},
		{"dim -8", func() error { _, err := SearchBinaryFlat(rows, -8, nil, ok); return err }, "dimension"},
		{"dim 12", func() error { _, err := SearchBinaryFlat(rows, 12, nil, ok); return err }, "multiple of 8"},
		{"short query", func() error { _, err := SearchBinaryFlat(rows, 32, [][]byte{q[0], {1, 2, 3}}, ok); return err }, "query 1"},
		{"row dim mismatch", func() error { _, err := SearchBinaryFlat(rows, 24, [][]byte{{1, 2, 3}}, ok); return err }, "row 0"},
		{"bad row in the middle", func() error {
			bad := slices.Clone(rows)
			bad[30] = []byte{1}
			_, err := SearchBinaryFlat(bad, 32, [][]byte{q[0], q[0], q[0]}, ok)
			return err
		}, "row 30"},
		{"build nil rows", func() error { _, err := BuildBinaryIVF(nil, 32, 4, MetricHamming, 1); return err }, "rows"},
		{"build metric COSINE", func() error { _, err := BuildBinaryIVF(rows, 32, 4, MetricCosine, 1); return err }, "COSINE"},
		{"build dim 20", func() error { _, err := BuildBinaryIVF(rows, 20, 4, MetricHamming, 1); return err }, "multiple of 8"},
		{"build dim mismatch", func() error { _, err := BuildBinaryIVF(rows, 40, 4, MetricHamming, 1); return err }, "row 0"},
		{"build nlist 0", func() error { _, err := BuildBinaryIVF(rows, 32, 0, MetricHamming, 1); return err }, "nlist"},
		{"build nlist too large", func() error { _, err := BuildBinaryIVF(rows, 32, 65537, MetricHamming, 1); return err }, "nlist"},
		{"ivf nprobe 0", func() error { _, err := x.Search(q, ok, 0); return err }, "nprobe"},
		{"ivf metric mismatch", func() error {
			_, err := x.Search(q, with(func(p *SearchParams) { p.Metric = MetricJaccard }), 2)
			return err
		}, "JACCARD"},
		{"ivf short query", func() error { _, err := x.Search([][]byte{{1}}, ok, 2); return err }, "query 0"},
		{"ivf topk 0", func() error { _, err := x.Search(q, with(func(p *SearchParams) { p.TopK = 0 }), 2); return err }, "topk"},
	}
	for _, tt := range tests {
		err := tt.call()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: err %v, want ErrInvalid mentioning %q", tt.name, err, tt.msg)
		}
	}
}

// TestBinaryCheck: Check is called before each query and per ScanChunk
// rows (flat) or per probed list with its size (IVF); a failing Check
// stops the search with its error and no results.
func TestBinaryCheck(t *testing.T) {
	const n, nb = 20000, 16
	rows, queries := clusteredBinary(9, n, 8, nb, 20, 0.1)
	x := buildBinaryIVF(t, binSlice(rows), nb, 16, MetricHamming, 1)
	flat := func(q [][]byte, p SearchParams) ([][]Hit, error) { return SearchBinaryFlat(binSlice(rows), nb*8, q, p) }
	ivf := func(q [][]byte, p SearchParams) ([][]Hit, error) { return x.Search(q, p, 16) }

	// The calls of one query, in order.
	var mu sync.Mutex
	var calls []int
	p := SearchParams{Metric: MetricHamming, TopK: 5, Check: func(rows int) error {
		mu.Lock()
		calls = append(calls, rows)
		mu.Unlock()
		return nil
	}}
	if _, err := flat(queries[:1], p); err != nil {
		t.Fatal(err)
	}
	want := []int{0}
	for lo := 0; lo < n; lo += ScanChunk {
		want = append(want, min(ScanChunk, n-lo))
	}
	if !slices.Equal(calls, want) {
		t.Errorf("flat Check calls %v, want %v", calls, want)
	}
	calls = nil
	if _, err := ivf(queries[:1], p); err != nil {
		t.Fatal(err)
	}
	sizes := []int{0}
	for c := range x.Nlist() {
		sizes = append(sizes, x.starts[c+1]-x.starts[c])
	}
	slices.Sort(calls[1:])
	slices.Sort(sizes[1:])
	if !slices.Equal(calls, sizes) {
		t.Errorf("ivf Check calls %v, want 0 then the list sizes %v", calls, sizes)
	}

	for _, tc := range []struct {
		name   string
		search func([][]byte, SearchParams) ([][]Hit, error)
		nq     int
		after  int64
		group  bool
	}{
		{"flat", flat, 1, ScanChunk, false},
		{"flat grouping", flat, 1, ScanChunk, true},
		{"flat batch", flat, 8, 2 * n, false},
		{"ivf", ivf, 1, 1, false},
		{"ivf grouping batch", ivf, 8, n, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var evaluated atomic.Int64
			c := &canceller{after: tc.after}
			p := SearchParams{Metric: MetricHamming, TopK: 10, Check: c.check,
				Filter: func(int64) bool { evaluated.Add(1); return true }}
			if tc.group {
				p.GroupSize, p.GroupKey = 2, func(id int64) any { return id % 10 }
			}
			hits, err := tc.search(queries[:tc.nq], p)
			if !errors.Is(err, context.Canceled) || hits != nil {
				t.Fatalf("got %d results, err %v; want none and context.Canceled", len(hits), err)
			}
			if total := int64(n * tc.nq); evaluated.Load() >= total {
				t.Fatalf("evaluated %d rows of %d: the search did not stop", evaluated.Load(), total)
			}
		})
	}
}

// TestBinaryConcurrent: concurrent searches of one index and the flat scan
// agree (run with -race).
func TestBinaryConcurrent(t *testing.T) {
	rows, queries := clusteredBinary(10, 5000, 16, 32, 20, 0.1)
	x := buildBinaryIVF(t, binSlice(rows), 32, 16, MetricJaccard, 1)
	p := SearchParams{Metric: MetricJaccard, TopK: 10, GroupSize: 2, GroupKey: func(id int64) any { return id % 5 }}
	want, err := x.Search(queries, p, 4)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := x.Search(queries, p, 4)
			if err != nil || !listsEqual(got, want) {
				t.Errorf("concurrent search differs: %v", err)
			}
		})
	}
	wg.Wait()
}

// binMatrix is BinaryRows over one contiguous array, the layout of a
// segment column.
type binMatrix struct {
	data []byte
	nb   int
}

func (m binMatrix) Len() int         { return len(m.data) / m.nb }
func (m binMatrix) Row(i int) []byte { return m.data[i*m.nb : (i+1)*m.nb : (i+1)*m.nb] }

func toMatrix(rows [][]byte, nb int) binMatrix {
	return binMatrix{data: slices.Concat(rows...), nb: nb}
}

// BenchmarkBinary: one 256-bit query per op over 100k clustered rows in
// one contiguous array, exact scan against BIN_IVF_FLAT (nlist 64, nprobe
// 8); and the kernels, 1024 row pairs per op.
func BenchmarkBinary(b *testing.B) {
	const n, nq, nb, nlist = 100000, 200, 32, 64
	rows, queries := clusteredBinary(11, n, nq, nb, 50, 0.1)
	m := toMatrix(rows, nb)
	b.Run("kernel", func(b *testing.B) {
		q := queries[0]
		var sink float32
		for _, k := range []struct {
			name string
			f    func(a, b []byte) float32
		}{
			{"hamming-256", func(a, b []byte) float32 { return float32(hamming(a, b)) }},
			{"jaccard-256", jaccard},
		} {
			b.Run(k.name, func(b *testing.B) {
				for b.Loop() {
					for i := range 1024 {
						sink += k.f(q, m.Row(i))
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/pair")
			})
		}
		_ = sink
	})
	p := SearchParams{Metric: MetricHamming, TopK: 10}
	truth, err := SearchBinaryFlat(m, nb*8, queries, p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("flat", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := SearchBinaryFlat(m, nb*8, queries[i%nq:i%nq+1], p); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	x := buildBinaryIVF(b, m, nb, nlist, MetricHamming, 1)
	b.Run("ivf-nprobe8", func(b *testing.B) {
		// The recall pass over every query also warms the caches and the
		// scratch pool, as computing truth did for the flat scan.
		got, err := x.Search(queries, p, 8)
		if err != nil {
			b.Fatal(err)
		}
		recall := ivfRecallAt(got, truth)
		i := 0
		for b.Loop() {
			if _, err := x.Search(queries[i%nq:i%nq+1], p, 8); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(recall, "recall@10")
	})
}
