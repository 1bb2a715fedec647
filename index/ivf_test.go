package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// ivfClusteredData returns n vectors of dimension dim drawn around nc seeded
// Gaussian cluster centers (centers in [-1,1)^dim, per-coordinate sigma),
// plus nq queries from the same distribution.
func ivfClusteredData(seed uint64, n, nq, dim, nc int, sigma float64) (data []float32, queries [][]float32) {
	r := newRand(seed)
	centers := randVecs(r, nc, dim)
	gen := func() []float32 {
		c := centers[r.IntN(nc)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + float32(r.NormFloat64()*sigma)
		}
		return v
	}
	data = make([]float32, 0, n*dim)
	for range n {
		data = append(data, gen()...)
	}
	for range nq {
		queries = append(queries, gen())
	}
	return data, queries
}

func ivfBuild(t testing.TB, dim int, m Metric, cfg IVFConfig, ids []int64, data []float32) *IVFFlat {
	t.Helper()
	x, err := NewIVFFlat(dim, m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Train(data); err != nil {
		t.Fatal(err)
	}
	if err := x.Add(ids, data); err != nil {
		t.Fatal(err)
	}
	return x
}

// ivfRecallAt returns the mean fraction of each truth list's IDs found in got.
func ivfRecallAt(got, truth [][]Hit) float64 {
	var found, total int
	for i := range truth {
		ids := map[int64]bool{}
		for _, h := range got[i] {
			ids[h.ID] = true
		}
		for _, h := range truth[i] {
			total++
			if ids[h.ID] {
				found++
			}
		}
	}
	return float64(found) / float64(total)
}

var ivfRecallData = sync.OnceValues(func() ([]float32, [][]float32) {
	return ivfClusteredData(21, 20_000, 200, 64, 100, 0.8) // overlapping clusters: nprobe=1 recall ~0.8
})

func TestIVFRecall(t *testing.T) {
	const dim = 64
	data, queries := ivfRecallData()
	for _, m := range allMetrics {
		t.Run(m.String(), func(t *testing.T) {
			x := ivfBuild(t, dim, m, IVFConfig{Nlist: 64, Seed: 7}, nil, data)
			if x.Len() != 20_000 || x.Nlist() != 64 || !x.Trained() {
				t.Fatalf("Len %d Nlist %d trained %v", x.Len(), x.Nlist(), x.Trained())
			}
			f := NewFlat(dim, m)
			if err := f.Add(nil, data); err != nil {
				t.Fatal(err)
			}
			p := SearchParams{TopK: 10}
			truth, err := f.Search(queries, p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.SearchNprobe(queries, p, 16)
			if err != nil {
				t.Fatal(err)
			}
			rec := ivfRecallAt(got, truth)
			t.Logf("%v recall@10 nlist=64 nprobe=16: %.4f", m, rec)
			if rec < 0.95 {
				t.Errorf("recall@10 = %.4f, want >= 0.95", rec)
			}
			// Search is SearchNprobe with the default nprobe 16.
			def, err := x.Search(queries, p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(def, got, slices.Equal) {
				t.Errorf("Search differs from SearchNprobe(16)")
			}
			// Distances are the exact metric values of the returned rows.
			for qi := range 5 {
				for _, h := range got[qi] {
					row := data[int(h.ID)*dim : (int(h.ID)+1)*dim]
					ref := refDistance(m, queries[qi], row)
					if d := float64(h.Distance) - ref; d > 1e-3 || d < -1e-3 {
						t.Fatalf("q%d id %d: distance %v, reference %v", qi, h.ID, h.Distance, ref)
					}
				}
			}
		})
	}
}

// With every list probed, IVF search is exact: compare with the float64
// reference under filters, custom IDs, range and grouping.
func TestIVFExhaustiveMatchesReference(t *testing.T) {
	const dim, n = 24, 1500
	r := newRand(22)
	vecs := randVecs(r, n, dim)
	vecs[17] = make([]float32, dim) // a zero row (COSINE edge case)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)*7 + 1000
	}
	queries := randVecs(r, 6, dim)
	keep := func(id int64) bool { return id%3 != 0 }
	for _, m := range allMetrics {
		t.Run(m.String(), func(t *testing.T) {
			x := ivfBuild(t, dim, m, IVFConfig{Nlist: 20, Seed: 3}, ids, flatten(vecs))
			filtered, err := x.SearchNprobe(queries, SearchParams{TopK: 15, Filter: keep}, 20)
			if err != nil {
				t.Fatal(err)
			}
			for qi, q := range queries {
				ref := refSearch(m, vecs, ids, q, func(id int64, _ float64) bool { return keep(id) })
				checkAgainstRef(t, m, filtered[qi], ref, 15, 1e-4)
			}
			// Range search: a radius around the 40th reference distance.
			q := queries[0]
			all := refSearch(m, vecs, ids, q, nil)
			radius := float32(all[40].dist)
			rf := float32(all[5].dist)
			res, err := x.SearchNprobe([][]float32{q}, SearchParams{TopK: 100, Radius: &radius, RangeFilter: &rf}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res[0] {
				if m.Better(radius, h.Distance) || h.Distance == radius || m.Better(h.Distance, rf) {
					t.Fatalf("hit %v outside range (%v, %v)", h, rf, radius)
				}
			}
			if len(res[0]) < 30 || len(res[0]) > 36 {
				t.Fatalf("range search returned %d hits, want ~35", len(res[0]))
			}
			// Grouping matches Flat (same IDs via a FlatView over the rows).
			gp := SearchParams{TopK: 4, GroupSize: 2, GroupKey: func(id int64) any { return id % 5 }}
			gi, err := x.SearchNprobe([][]float32{q}, gp, 20)
			if err != nil {
				t.Fatal(err)
			}
			gp.Metric = m
			gf, err := SearchFlat(FlatView{Vectors: flatten(vecs), Dim: dim, IDs: ids}, [][]float32{q}, gp)
			if err != nil {
				t.Fatal(err)
			}
			if len(gi[0]) != 8 || len(gf[0]) != 8 {
				t.Fatalf("grouped: %d ivf hits, %d flat hits", len(gi[0]), len(gf[0]))
			}
			for i := range gi[0] {
				if gi[0][i].ID != gf[0][i].ID || gi[0][i].Group != gf[0][i].Group {
					t.Fatalf("grouped rank %d: ivf %v, flat %v", i, gi[0][i], gf[0][i])
				}
			}
		})
	}
}

func TestIVFFilterApproximate(t *testing.T) {
	const dim = 16
	data, queries := ivfClusteredData(23, 3000, 20, dim, 30, 0.1)
	x := ivfBuild(t, dim, MetricL2, IVFConfig{Nlist: 16, Seed: 1}, nil, data)
	var calls sync.Map
	keep := func(id int64) bool { calls.Store(id, true); return id%2 == 0 }
	res, err := x.SearchNprobe(queries, SearchParams{TopK: 10, Filter: keep}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for qi, hs := range res {
		if len(hs) != 10 {
			t.Fatalf("q%d: %d hits", qi, len(hs))
		}
		for _, h := range hs {
			if h.ID%2 != 0 {
				t.Fatalf("q%d: filtered-out id %d returned", qi, h.ID)
			}
		}
	}
	// Only rows of probed lists are visited.
	n := 0
	calls.Range(func(any, any) bool { n++; return true })
	if n == 0 || n >= 3000 {
		t.Fatalf("filter called for %d distinct rows", n)
	}
	// Reject everything: empty (non-nil) results.
	res, err = x.SearchNprobe(queries[:1], SearchParams{TopK: 10, Filter: func(int64) bool { return false }}, 16)
	if err != nil || res[0] == nil || len(res[0]) != 0 {
		t.Fatalf("reject-all: %v %v", res, err)
	}
}

func TestIVFRoundTrip(t *testing.T) {
	const dim = 12
	data, queries := ivfClusteredData(24, 800, 10, dim, 10, 0.2)
	for _, m := range allMetrics {
		x := ivfBuild(t, dim, m, IVFConfig{Nlist: 10, TrainIters: 5, Seed: 9}, nil, data)
		b, err := x.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		y, err := UnmarshalIVFFlat(b)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		if y.Len() != x.Len() || y.Dim() != dim || y.Metric() != m || y.Nlist() != 10 {
			t.Fatalf("%v: decoded Len %d Dim %d Metric %v Nlist %d", m, y.Len(), y.Dim(), y.Metric(), y.Nlist())
		}
		p := SearchParams{TopK: 7}
		a, _ := x.SearchNprobe(queries, p, 3)
		c, _ := y.SearchNprobe(queries, p, 3)
		if !slices.EqualFunc(a, c, slices.Equal) {
			t.Fatalf("%v: results differ after round trip", m)
		}
		b2, _ := y.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Fatalf("%v: re-encoding differs", m)
		}
		// The decoded index keeps working: Add more.
		if err := y.Add([]int64{-5}, queries[0]); err != nil || y.Len() != x.Len()+1 {
			t.Fatalf("%v: add after decode: %v", m, err)
		}
	}
	// Untrained and trained-but-empty indexes round trip too.
	x, _ := NewIVFFlat(3, MetricIP, IVFConfig{Nlist: 4})
	b, _ := x.MarshalBinary()
	y, err := UnmarshalIVFFlat(b)
	if err != nil || y.Trained() || y.Nlist() != 4 {
		t.Fatalf("untrained round trip: %v", err)
	}
	if err := y.Train(data[:3*50]); err != nil {
		t.Fatal(err)
	}
	b, _ = y.MarshalBinary()
	if z, err := UnmarshalIVFFlat(b); err != nil || !z.Trained() || z.Len() != 0 {
		t.Fatalf("empty trained round trip: %v", err)
	}
}

// Determinism: the same seed gives the same index, byte for byte.
func TestIVFDeterministic(t *testing.T) {
	data, _ := ivfClusteredData(25, 2000, 0, 8, 20, 0.1)
	enc := func(seed uint64) []byte {
		b, _ := ivfBuild(t, 8, MetricL2, IVFConfig{Nlist: 16, Seed: seed}, nil, data).MarshalBinary()
		return b
	}
	if !bytes.Equal(enc(1), enc(1)) {
		t.Fatal("same seed, different index")
	}
	if bytes.Equal(enc(1), enc(2)) {
		t.Fatal("different seeds, identical index")
	}
}

func TestIVFCorruptInput(t *testing.T) {
	data, _ := ivfClusteredData(26, 60, 0, 4, 3, 0.1)
	x := ivfBuild(t, 4, MetricCosine, IVFConfig{Nlist: 3, Seed: 1}, nil, data)
	good, _ := x.MarshalBinary()
	expectErr := func(name string, b []byte) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: panic %v", name, r)
			}
		}()
		if y, err := UnmarshalIVFFlat(b); err == nil {
			t.Fatalf("%s: no error (Len %d)", name, y.Len())
		} else if !errors.Is(err, ErrCorruptIVF) {
			t.Fatalf("%s: error %v does not wrap ErrCorruptIVF", name, err)
		}
	}
	for n := range len(good) {
		expectErr(fmt.Sprintf("truncated to %d", n), good[:n])
	}
	for i := range len(good) {
		b := slices.Clone(good)
		b[i] ^= 0x10
		expectErr(fmt.Sprintf("bit flip at %d", i), b)
	}
	expectErr("trailing byte", append(slices.Clone(good), 0))
	v9 := slices.Clone(good)
	copy(v9, "RVIVF009")
	expectErr("version 9", v9)

	// Structural corruption behind a valid checksum.
	reseal := func(b []byte) []byte {
		b = b[:len(b)-4]
		return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, ivfCRCTable))
	}
	const listsOff = 8 + 4 + 1 + 4 + 4 + 8
	const countsOff = 48 + 4*4*3 // after the header padded to 48 and 3 centroids of dim 4
	mutations0 := map[string]func(b []byte){
		"non-zero padding": func(b []byte) { b[listsOff+4+8] = 1 },
	}
	mutations := map[string]func(b []byte){
		"dim 0":          func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 0) },
		"dim huge":       func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 1<<31) },
		"metric 9":       func(b []byte) { b[12] = 9 },
		"nlist 0":        func(b []byte) { binary.LittleEndian.PutUint32(b[13:], 0) },
		"iters huge":     func(b []byte) { binary.LittleEndian.PutUint32(b[17:], 1<<30) },
		"lists > nlist":  func(b []byte) { binary.LittleEndian.PutUint32(b[listsOff:], 4) },
		"lists huge":     func(b []byte) { binary.LittleEndian.PutUint32(b[listsOff:], 1<<31) },
		"rows+1":         func(b []byte) { b[listsOff+4]++ },
		"count huge":     func(b []byte) { binary.LittleEndian.PutUint64(b[countsOff:], 1<<62) },
		"count off by 1": func(b []byte) { b[countsOff]++ },
	}
	maps.Copy(mutations, mutations0)
	for name, mut := range mutations {
		b := slices.Clone(good)
		mut(b)
		expectErr(name, reseal(b))
	}
	// Random garbage with a valid magic and checksum.
	r := rand.New(rand.NewPCG(5, 5))
	for i := range 200 {
		b := make([]byte, ivfHeaderLen+r.IntN(200))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		copy(b, ivfMagic)
		b = append(b, 0, 0, 0, 0)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("garbage %d: panic %v", i, p)
				}
			}()
			UnmarshalIVFFlat(reseal(b)) //nolint:errcheck // must only not panic
		}()
	}
}

func TestIVFErrors(t *testing.T) {
	if _, err := NewIVFFlat(0, MetricL2, IVFConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("dim 0: %v", err)
	}
	if _, err := NewIVFFlat(4, MetricInvalid, IVFConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid metric: %v", err)
	}
	if _, err := NewIVFFlat(4, MetricL2, IVFConfig{Nlist: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("nlist -1: %v", err)
	}
	if _, err := NewIVFFlat(4, MetricL2, IVFConfig{Nlist: ivfMaxNlist + 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("nlist too big: %v", err)
	}
	x, err := NewIVFFlat(4, MetricL2, IVFConfig{})
	if err != nil || x.Nlist() != 128 {
		t.Fatalf("defaults: %v nlist %d", err, x.Nlist())
	}
	vecs := flatten(randVecs(newRand(1), 10, 4))
	if err := x.Add(nil, vecs); !errors.Is(err, ErrInvalid) {
		t.Errorf("add before train: %v", err)
	}
	if res, err := x.Search([][]float32{vecs[:4]}, SearchParams{TopK: 3}); err != nil || len(res[0]) != 0 {
		t.Errorf("search untrained: %v %v", res, err)
	}
	if err := x.Train(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("train on nothing: %v", err)
	}
	if err := x.Train(vecs[:5]); !errors.Is(err, ErrInvalid) {
		t.Errorf("train ragged: %v", err)
	}
	if err := x.Train(vecs); err != nil || x.Nlist() != 10 {
		t.Fatalf("train with fewer vectors than nlist: %v, nlist %d", err, x.Nlist())
	}
	if err := x.Add([]int64{1}, vecs); !errors.Is(err, ErrInvalid) {
		t.Errorf("ids/vectors mismatch: %v", err)
	}
	if err := x.Add(nil, vecs); err != nil {
		t.Fatal(err)
	}
	if err := x.Train(vecs); !errors.Is(err, ErrInvalid) {
		t.Errorf("retrain non-empty: %v", err)
	}
	q := [][]float32{vecs[:4]}
	if _, err := x.Search(q, SearchParams{TopK: 3, Metric: MetricIP}); !errors.Is(err, ErrInvalid) {
		t.Errorf("metric mismatch: %v", err)
	}
	if _, err := x.SearchNprobe(q, SearchParams{TopK: 3}, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("nprobe 0: %v", err)
	}
	if _, err := x.Search([][]float32{{1}}, SearchParams{TopK: 3}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad query dim: %v", err)
	}
	// Every row is its own list here, so nprobe=nlist finds the query row.
	res, err := x.SearchNprobe(q, SearchParams{TopK: 1}, 100)
	if err != nil || len(res[0]) != 1 || res[0][0].ID != 0 || res[0][0].Distance != 0 {
		t.Fatalf("self search: %v %v", res, err)
	}
}

// Concurrent searches (parallel multi-query runner) alongside Adds.
func TestIVFConcurrent(t *testing.T) {
	const dim = 16
	data, queries := ivfClusteredData(27, 4000, 40, dim, 20, 0.1)
	x := ivfBuild(t, dim, MetricIP, IVFConfig{Nlist: 16, Seed: 2}, nil, data[:2000*dim])
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 5 {
				if _, err := x.SearchNprobe(queries, SearchParams{TopK: 5, Filter: func(id int64) bool { return id%2 == 0 }}, 8); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := 2000; i < 4000; i += 500 {
		if err := x.Add(nil, data[i*dim:(i+500)*dim]); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	if x.Len() != 4000 {
		t.Fatalf("Len = %d", x.Len())
	}
}

func BenchmarkIVFSearch(b *testing.B) {
	const dim = 64
	data, queries := ivfRecallData()
	f := NewFlat(dim, MetricL2)
	if err := f.Add(nil, data); err != nil {
		b.Fatal(err)
	}
	truth, _ := f.Search(queries, SearchParams{TopK: 10})
	x := ivfBuild(b, dim, MetricL2, IVFConfig{Nlist: 64, Seed: 7}, nil, data)
	for _, nprobe := range []int{4, 8, 16, 32} {
		b.Run(fmt.Sprintf("L2/n=20k/dim=64/nlist=64/nprobe=%d/nq=%d", nprobe, len(queries)), func(b *testing.B) {
			p := SearchParams{TopK: 10}
			var got [][]Hit
			for b.Loop() {
				got, _ = x.SearchNprobe(queries, p, nprobe)
			}
			b.ReportMetric(float64(b.N*len(queries))/b.Elapsed().Seconds(), "qps")
			b.ReportMetric(ivfRecallAt(got, truth), "recall@10")
		})
	}
	b.Run(fmt.Sprintf("L2/n=20k/dim=64/flat/nq=%d", len(queries)), func(b *testing.B) {
		p := SearchParams{TopK: 10}
		for b.Loop() {
			f.Search(queries, p) //nolint:errcheck
		}
		b.ReportMetric(float64(b.N*len(queries))/b.Elapsed().Seconds(), "qps")
	})
	b.Run("add/n=20k/dim=64/nlist=64", func(b *testing.B) {
		for b.Loop() {
			y, _ := NewIVFFlat(dim, MetricL2, IVFConfig{Nlist: 64, Seed: 7})
			y.centroids, y.lists = x.centroids, make([]ivfList, len(x.lists))
			if err := y.Add(nil, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("train/n=20k/dim=64/nlist=64", func(b *testing.B) {
		for b.Loop() {
			x, _ := NewIVFFlat(dim, MetricL2, IVFConfig{Nlist: 64, Seed: 7})
			if err := x.Train(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
