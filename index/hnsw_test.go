package index

import (
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// clusteredVecs returns n vectors drawn around nc Gaussian cluster centres
// (centre coordinates ~ N(0, 9), isotropic unit noise). Queries must come
// from the same call (same centres): queries from fresh centres lie far
// from all data, where every point is nearly equidistant.
func clusteredVecs(r *rand.Rand, n, dim, nc int) [][]float32 {
	centres := make([][]float32, nc)
	for i := range centres {
		c := make([]float32, dim)
		for j := range c {
			c[j] = float32(r.NormFloat64() * 3)
		}
		centres[i] = c
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(nc)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

type hnswFixture struct {
	vecs, queries [][]float32
	h             *HNSW
	flat          *Flat
}

// hnswData sizes the recall data: 20k x 64 normally, 5k x 32 under -short
// or -race so the suite stays fast.
func hnswData() (n, dim int) {
	if testing.Short() || raceEnabled {
		return 5000, 32
	}
	return 20000, 64
}

var hnswFixtures sync.Map // Metric -> *hnswFixture (built once per metric)

func getHNSWFixture(t testing.TB, m Metric) *hnswFixture {
	t.Helper()
	if f, ok := hnswFixtures.Load(m); ok {
		return f.(*hnswFixture)
	}
	n, dim := hnswData()
	r := newRand(42)
	all := clusteredVecs(r, n+200, dim, 10)
	vecs, queries := all[:n], all[n:]
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(10*i + 3)
	}
	h, err := NewHNSW(dim, m, HNSWConfig{M: 16, EfConstruction: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Add(ids, flatten(vecs)); err != nil {
		t.Fatal(err)
	}
	fl := NewFlat(dim, m)
	if err := fl.Add(ids, flatten(vecs)); err != nil {
		t.Fatal(err)
	}
	f := &hnswFixture{vecs: vecs, queries: queries, h: h, flat: fl}
	hnswFixtures.Store(m, f)
	return f
}

// hnswRecall computes mean |got ∩ want| / |want| over queries.
func hnswRecall(got, want [][]Hit) float64 {
	var sum float64
	var cnt int
	for i := range want {
		if len(want[i]) == 0 {
			continue
		}
		ws := map[int64]bool{}
		for _, h := range want[i] {
			ws[h.ID] = true
		}
		hit := 0
		for _, h := range got[i] {
			if ws[h.ID] {
				hit++
			}
		}
		sum += float64(hit) / float64(len(want[i]))
		cnt++
	}
	if cnt == 0 {
		return 1
	}
	return sum / float64(cnt)
}

func checkSortedHits(t *testing.T, m Metric, hs []Hit) {
	t.Helper()
	seen := map[int64]bool{}
	for i, h := range hs {
		if seen[h.ID] {
			t.Fatalf("duplicate id %d", h.ID)
		}
		seen[h.ID] = true
		if i > 0 && m.Better(h.Distance, hs[i-1].Distance) {
			t.Fatalf("rank %d not sorted: %v after %v", i, h.Distance, hs[i-1].Distance)
		}
	}
}

func TestHNSWRecall(t *testing.T) {
	for _, m := range allMetrics {
		t.Run(m.String(), func(t *testing.T) {
			f := getHNSWFixture(t, m)
			p := SearchParams{Metric: m, TopK: 10}
			want, err := f.flat.Search(f.queries, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, ef := range []int{64, 128} {
				got, err := f.h.SearchEf(f.queries, p, ef)
				if err != nil {
					t.Fatal(err)
				}
				for qi := range got {
					checkSortedHits(t, m, got[qi])
					if len(got[qi]) != 10 {
						t.Fatalf("query %d: %d hits", qi, len(got[qi]))
					}
					// Reported distances are raw metric values.
					for _, hh := range got[qi] {
						row := f.vecs[(hh.ID-3)/10]
						if d := Distance(m, f.queries[qi], row); !approxEq(d, hh.Distance) {
							t.Fatalf("id %d: distance %v, want %v", hh.ID, hh.Distance, d)
						}
					}
				}
				rec := hnswRecall(got, want)
				t.Logf("%v ef=%d recall@10=%.4f", m, ef, rec)
				if rec < 0.95 {
					t.Errorf("%v ef=%d recall@10 = %.4f < 0.95", m, ef, rec)
				}
			}
		})
	}
}

func approxEq(a, b float32) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	s := max(1, a, -a, b, -b)
	return d <= 1e-4*s
}

func TestHNSWFilteredSearch(t *testing.T) {
	for _, m := range allMetrics {
		t.Run(m.String(), func(t *testing.T) {
			f := getHNSWFixture(t, m)
			even := func(id int64) bool { return (id/10)%2 == 0 }
			p := SearchParams{Metric: m, TopK: 10, Filter: even}
			want, err := f.flat.Search(f.queries, p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.h.SearchEf(f.queries, p, 64)
			if err != nil {
				t.Fatal(err)
			}
			for qi := range got {
				if len(got[qi]) != 10 {
					t.Fatalf("query %d: %d hits", qi, len(got[qi]))
				}
				for _, hh := range got[qi] {
					if !even(hh.ID) {
						t.Fatalf("query %d: id %d fails the filter", qi, hh.ID)
					}
				}
			}
			rec := hnswRecall(got, want)
			t.Logf("%v 50%% filter recall@10=%.4f", m, rec)
			if rec < 0.9 {
				t.Errorf("filtered recall %.4f < 0.9", rec)
			}
		})
	}
}

// TestHNSWDeletedTopHits excludes each query's true top 10 (as deletes
// would) and expects the next ones.
func TestHNSWDeletedTopHits(t *testing.T) {
	m := MetricL2
	f := getHNSWFixture(t, m)
	top, err := f.flat.Search(f.queries, SearchParams{Metric: m, TopK: 20})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for qi, q := range f.queries {
		deleted := map[int64]bool{}
		for _, hh := range top[qi][:10] {
			deleted[hh.ID] = true
		}
		p := SearchParams{Metric: m, TopK: 10, Filter: func(id int64) bool { return !deleted[id] }}
		got, err := f.h.SearchEf([][]float32{q}, p, 64)
		if err != nil {
			t.Fatal(err)
		}
		for _, hh := range got[0] {
			if deleted[hh.ID] {
				t.Fatalf("query %d: deleted id %d returned", qi, hh.ID)
			}
		}
		sum += hnswRecall(got, [][]Hit{top[qi][10:]})
	}
	rec := sum / float64(len(f.queries))
	t.Logf("recall of next-10 after deleting top-10: %.4f", rec)
	if rec < 0.9 {
		t.Errorf("recall %.4f < 0.9", rec)
	}
}

func TestHNSWNothingPassesFilter(t *testing.T) {
	f := getHNSWFixture(t, MetricIP)
	got, err := f.h.Search(f.queries[:3], SearchParams{TopK: 5, Filter: func(int64) bool { return false }})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if len(g) != 0 {
			t.Fatalf("got %d hits", len(g))
		}
	}
}

func TestHNSWRangeAndGrouping(t *testing.T) {
	m := MetricL2
	f := getHNSWFixture(t, m)
	exact, err := f.flat.Search(f.queries[:20], SearchParams{Metric: m, TopK: 10})
	if err != nil {
		t.Fatal(err)
	}
	for qi := range exact {
		radius := exact[qi][9].Distance
		lo := exact[qi][2].Distance
		p := SearchParams{Metric: m, TopK: 100, Radius: &radius, RangeFilter: &lo}
		got, err := f.h.SearchEf(f.queries[qi:qi+1], p, 128)
		if err != nil {
			t.Fatal(err)
		}
		for _, hh := range got[0] {
			if !(hh.Distance >= lo && hh.Distance < radius) {
				t.Fatalf("distance %v outside [%v, %v)", hh.Distance, lo, radius)
			}
		}
		if len(got[0]) < 5 {
			t.Errorf("query %d: only %d range hits", qi, len(got[0]))
		}
	}
	key := func(id int64) any { return id % 7 }
	p := SearchParams{Metric: m, TopK: 3, GroupSize: 2, GroupKey: key}
	got, err := f.h.SearchEf(f.queries[:10], p, 64)
	if err != nil {
		t.Fatal(err)
	}
	for qi, g := range got {
		if len(g) != 6 {
			t.Fatalf("query %d: %d grouped hits, want 6", qi, len(g))
		}
		counts := map[any]int{}
		for _, hh := range g {
			if hh.Group != key(hh.ID) {
				t.Fatalf("bad group %v for id %d", hh.Group, hh.ID)
			}
			counts[hh.Group]++
		}
		if len(counts) != 3 {
			t.Fatalf("query %d: %d groups", qi, len(counts))
		}
	}
}

func TestHNSWMarshalRoundTrip(t *testing.T) {
	for _, m := range allMetrics {
		t.Run(m.String(), func(t *testing.T) {
			f := getHNSWFixture(t, m)
			b, err := f.h.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			h2, err := UnmarshalHNSW(b)
			if err != nil {
				t.Fatal(err)
			}
			if h2.Len() != f.h.Len() || h2.Dim() != f.h.Dim() || h2.Metric() != m {
				t.Fatalf("header mismatch")
			}
			p := SearchParams{Metric: m, TopK: 10}
			a, _ := f.h.SearchEf(f.queries, p, 64)
			c, err := h2.SearchEf(f.queries, p, 64)
			if err != nil {
				t.Fatal(err)
			}
			for qi := range a {
				if !slices.Equal(a[qi], c[qi]) {
					t.Fatalf("query %d differs after round trip", qi)
				}
			}
			b2, _ := h2.MarshalBinary()
			if !slices.Equal(b, b2) {
				t.Fatal("re-marshal differs")
			}
		})
	}
}

func TestHNSWUnmarshalCorrupt(t *testing.T) {
	r := newRand(9)
	h, err := NewHNSW(8, MetricL2, HNSWConfig{M: 4, EfConstruction: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Add(nil, flatten(randVecs(r, 300, 8))); err != nil {
		t.Fatal(err)
	}
	b, _ := h.MarshalBinary()
	check := func(name string, bad []byte) {
		t.Helper()
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("%s: panic %v", name, p)
			}
		}()
		if _, err := UnmarshalHNSW(bad); !errors.Is(err, ErrCorruptIndex) {
			t.Fatalf("%s: err = %v, want ErrCorruptIndex", name, err)
		}
	}
	for cut := 0; cut < len(b); cut += 1 + len(b)/97 {
		check(fmt.Sprintf("cut %d", cut), b[:cut])
	}
	check("cut last", b[:len(b)-1])
	for pos := 0; pos < len(b); pos += 1 + len(b)/53 {
		bad := slices.Clone(b)
		bad[pos] ^= 0x5a
		check(fmt.Sprintf("flip %d", pos), bad)
	}
	check("trailing", append(slices.Clone(b), 0))
	// Structurally bad but correctly checksummed: a link out of range.
	bad := slices.Clone(b[:len(b)-4])
	off := 48 + 4*300*8 + 300 + 4 // first layer-0 link of node 0 (header padded to 48)
	bad[off], bad[off+1], bad[off+2], bad[off+3] = 0xff, 0xff, 0, 0
	bad = appendCRC(bad)
	check("link out of range", bad)
	// A huge count with a valid checksum must not allocate or panic.
	bad = slices.Clone(b[:len(b)-4])
	copy(bad[8+4+1+4+4+8:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	check("huge count", appendCRC(bad))
	// Empty index round-trips.
	e, _ := NewHNSW(4, MetricIP, HNSWConfig{})
	eb, _ := e.MarshalBinary()
	if e2, err := UnmarshalHNSW(eb); err != nil || e2.Len() != 0 {
		t.Fatalf("empty round trip: %v", err)
	}
}

func appendCRC(b []byte) []byte {
	var tmp [4]byte
	c := crc32.Checksum(b, castagnoli)
	tmp[0], tmp[1], tmp[2], tmp[3] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
	return append(b, tmp[:]...)
}

func TestHNSWErrors(t *testing.T) {
	if _, err := NewHNSW(0, MetricL2, HNSWConfig{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("dim 0: %v", err)
	}
	if _, err := NewHNSW(4, MetricInvalid, HNSWConfig{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad metric: %v", err)
	}
	if _, err := NewHNSW(4, MetricL2, HNSWConfig{M: 1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("M=1: %v", err)
	}
	h, _ := NewHNSW(4, MetricL2, HNSWConfig{})
	res, err := h.Search([][]float32{{1, 2, 3, 4}}, SearchParams{TopK: 3})
	if err != nil || len(res) != 1 || len(res[0]) != 0 {
		t.Fatalf("empty index: %v %v", res, err)
	}
	if err := h.Add(nil, []float32{1, 2, 3}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ragged add: %v", err)
	}
	if err := h.Add([]int64{1}, []float32{1, 2, 3, 4, 5, 6, 7, 8}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("id count: %v", err)
	}
	if err := h.Add(nil, []float32{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		q  [][]float32
		p  SearchParams
		ef int
	}{
		"dim":    {[][]float32{{1, 2}}, SearchParams{TopK: 1}, 10},
		"topk":   {[][]float32{{1, 2, 3, 4}}, SearchParams{TopK: 0}, 10},
		"metric": {[][]float32{{1, 2, 3, 4}}, SearchParams{Metric: MetricIP, TopK: 1}, 10},
		"ef":     {[][]float32{{1, 2, 3, 4}}, SearchParams{TopK: 1}, 0},
		"group":  {[][]float32{{1, 2, 3, 4}}, SearchParams{TopK: 1, GroupSize: 2}, 10},
	} {
		if _, err := h.SearchEf(tc.q, tc.p, tc.ef); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	res, err = h.Search([][]float32{{1, 2, 3, 4}}, SearchParams{TopK: 5})
	if err != nil || len(res[0]) != 2 || res[0][0].ID != 0 || res[0][0].Distance != 0 {
		t.Fatalf("small search: %v %v", res, err)
	}
}

// TestHNSWIncrementalAndConcurrent adds in batches while searching.
func TestHNSWIncrementalAndConcurrent(t *testing.T) {
	r := newRand(5)
	vecs := randVecs(r, 1200, 16)
	h, _ := NewHNSW(16, MetricCosine, HNSWConfig{M: 8, EfConstruction: 64, Seed: 2})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := h.Search(vecs[:8], SearchParams{TopK: 5}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := 0; i < len(vecs); i += 100 {
		if err := h.Add(nil, flatten(vecs[i:i+100])); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	res, err := h.Search(vecs[:50], SearchParams{TopK: 1})
	if err != nil {
		t.Fatal(err)
	}
	self := 0
	for i, g := range res {
		if len(g) == 1 && g[0].ID == int64(i) {
			self++
		}
	}
	if self < 48 {
		t.Fatalf("only %d/50 vectors find themselves", self)
	}
}

// checkHNSWGraph verifies link integrity: in range, no self links, no
// duplicates, upper-layer targets high enough, and at least minReach of the
// nodes reachable on layer 0 from the entry point.
func checkHNSWGraph(t *testing.T, h *HNSW, minReach float64) {
	t.Helper()
	n := len(h.levels)
	for i := range n {
		for l := 0; l <= int(h.levels[i]); l++ {
			nbs := h.neighbors(int32(i), l)
			seen := map[int32]bool{}
			for _, x := range nbs {
				if x < 0 || int(x) >= n || x == int32(i) || seen[x] || int(h.levels[x]) < l {
					t.Fatalf("node %d layer %d: bad link %d (%v)", i, l, x, nbs)
				}
				seen[x] = true
			}
		}
	}
	reach := make([]bool, n)
	stack := []int32{h.entry}
	reach[h.entry] = true
	cnt := 1
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, y := range h.neighbors(x, 0) {
			if !reach[y] {
				reach[y] = true
				cnt++
				stack = append(stack, y)
			}
		}
	}
	if float64(cnt) < minReach*float64(n) {
		t.Errorf("only %d of %d nodes reachable on layer 0", cnt, n)
	} else if cnt < n {
		t.Logf("%d of %d nodes reachable on layer 0", cnt, n)
	}
}

func TestHNSWParallelBuild(t *testing.T) {
	r := newRand(77)
	all := clusteredVecs(r, 4100, 32, 10)
	vecs, queries := all[:4000], all[4000:]
	fl := NewFlat(32, MetricL2)
	if err := fl.Add(nil, flatten(vecs)); err != nil {
		t.Fatal(err)
	}
	p := SearchParams{Metric: MetricL2, TopK: 10}
	want, _ := fl.Search(queries, p)
	for _, threads := range []int{2, 4} {
		h, _ := NewHNSW(32, MetricL2, HNSWConfig{M: 8, EfConstruction: 64, Seed: 9})
		// Two batches: the second one builds on top of an existing graph.
		if err := h.Build(nil, flatten(vecs[:1000]), threads); err != nil {
			t.Fatal(err)
		}
		if err := h.Build(nil, flatten(vecs[1000:]), threads); err != nil {
			t.Fatal(err)
		}
		if h.Len() != len(vecs) {
			t.Fatalf("Len %d", h.Len())
		}
		// Insert publishes links bottom-up, which has left no orphans in
		// repeated -race runs; tolerate a handful anyway, since parallel
		// graphs depend on scheduling and HNSW can orphan nodes by pruning.
		checkHNSWGraph(t, h, 0.995)
		got, err := h.SearchEf(queries, p, 64)
		if err != nil {
			t.Fatal(err)
		}
		rec := hnswRecall(got, want)
		t.Logf("threads=%d recall@10=%.4f", threads, rec)
		if rec < 0.95 {
			t.Errorf("threads=%d recall %.4f", threads, rec)
		}
		b, _ := h.MarshalBinary()
		if _, err := UnmarshalHNSW(b); err != nil {
			t.Fatal(err)
		}
	}
	// Sequential Add is reproducible from the seed.
	a, _ := NewHNSW(32, MetricL2, HNSWConfig{M: 8, EfConstruction: 64, Seed: 9})
	c, _ := NewHNSW(32, MetricL2, HNSWConfig{M: 8, EfConstruction: 64, Seed: 9})
	_ = a.Add(nil, flatten(vecs[:500]))
	_ = c.Add(nil, flatten(vecs[:500]))
	checkHNSWGraph(t, a, 1)
	ab, _ := a.MarshalBinary()
	cb, _ := c.MarshalBinary()
	if !slices.Equal(ab, cb) {
		t.Fatal("Add is not deterministic")
	}
}

// TestHNSWDuplicates: many identical vectors must not cut the graph off
// from the distinct ones (the heuristic prunes all but one duplicate;
// keepPrunedConnections refills the lists).
func TestHNSWDuplicates(t *testing.T) {
	r := newRand(11)
	distinct := randVecs(r, 500, 16)
	var rows [][]float32
	for range 1500 {
		rows = append(rows, distinct[0])
	}
	rows = append(rows, distinct...)
	h, _ := NewHNSW(16, MetricL2, HNSWConfig{M: 8, EfConstruction: 64, Seed: 4})
	if err := h.Add(nil, flatten(rows)); err != nil {
		t.Fatal(err)
	}
	// Bounded degree cannot give in-links to 1500 identical vectors, so
	// most duplicates are unreachable (any of them is an equally good
	// answer); the distinct vectors must all be found.
	checkHNSWGraph(t, h, 0)
	res, err := h.SearchEf(distinct[:1], SearchParams{TopK: 10}, 64)
	if err != nil || len(res[0]) != 10 || res[0][9].Distance != 0 {
		t.Fatalf("duplicate query: %v %v", res, err)
	}
	res, err = h.SearchEf(distinct[1:], SearchParams{TopK: 1}, 64)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, g := range res {
		if len(g) == 1 && g[0].Distance == 0 && g[0].ID == int64(1500+1+i) {
			found++
		}
	}
	t.Logf("%d/%d distinct vectors found themselves", found, len(res))
	if found < len(res)*98/100 {
		t.Fatalf("only %d/%d distinct vectors found themselves", found, len(res))
	}
}
