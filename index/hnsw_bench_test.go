package index

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/raftvec/raftvec/internal/mmap"
)

const hnswBenchN, hnswBenchDim, hnswBenchQ = 20_000, 128, 200

type hnswBenchData struct {
	vecs    []float32
	queries [][]float32
	truth   [][]Hit
}

// hnswBench is a seeded 20k x 128 clustered data set with 200 queries and
// exact top-10 ground truth from Flat (L2).
var hnswBench = sync.OnceValue(func() *hnswBenchData {
	all := clusteredVecs(newRand(300), hnswBenchN+hnswBenchQ, hnswBenchDim, 10)
	d := &hnswBenchData{vecs: flatten(all[:hnswBenchN]), queries: all[hnswBenchN:]}
	f := NewFlat(hnswBenchDim, MetricL2)
	if err := f.Add(nil, d.vecs); err != nil {
		panic(err)
	}
	var err error
	if d.truth, err = f.Search(d.queries, SearchParams{Metric: MetricL2, TopK: 10}); err != nil {
		panic(err)
	}
	return d
})

// buildBenchHNSW builds the 20k x 128 index (M=16, efConstruction=200)
// with Add (threads == 1) or Build.
func buildBenchHNSW(threads int) *HNSW {
	h, err := NewHNSW(hnswBenchDim, MetricL2, HNSWConfig{M: 16, EfConstruction: 200, Seed: 1})
	if err != nil {
		panic(err)
	}
	if threads == 1 {
		err = h.Add(nil, hnswBench().vecs)
	} else {
		err = h.Build(nil, hnswBench().vecs, threads)
	}
	if err != nil {
		panic(err)
	}
	return h
}

var hnswBenchIndex = sync.OnceValue(func() *HNSW { return buildBenchHNSW(1) })

// BenchmarkHNSWBuild inserts 20k x 128 vectors (M=16, efConstruction=200),
// sequentially (Add) and with Build on 2 goroutines, reporting the recall
// of ef=80 searches on the result.
func BenchmarkHNSWBuild(b *testing.B) {
	d := hnswBench()
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			var h *HNSW
			for b.Loop() {
				h = buildBenchHNSW(threads)
			}
			b.ReportMetric(float64(hnswBenchN)*float64(b.N)/b.Elapsed().Seconds(), "vectors/s")
			got, err := h.SearchEf(d.queries, SearchParams{Metric: MetricL2, TopK: 10}, 80)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(hnswRecall(got, d.truth), "recall@10(ef=80)")
		})
	}
}

// BenchmarkHNSWSearch runs single-query searches (one goroutine) and
// reports recall@10 against exact ground truth and queries per second.
func BenchmarkHNSWSearch(b *testing.B) {
	d := hnswBench()
	h := hnswBenchIndex()
	for _, ef := range []int{20, 40, 80} {
		b.Run(fmt.Sprintf("ef=%d", ef), func(b *testing.B) {
			p := SearchParams{Metric: MetricL2, TopK: 10}
			got := make([][]Hit, len(d.queries))
			for i, q := range d.queries {
				r, err := h.SearchEf([][]float32{q}, p, ef)
				if err != nil {
					b.Fatal(err)
				}
				got[i] = r[0]
			}
			recall := hnswRecall(got, d.truth)
			i := 0
			start := time.Now()
			for b.Loop() {
				if _, err := h.SearchEf(d.queries[i:i+1], p, ef); err != nil {
					b.Fatal(err)
				}
				i = (i + 1) % len(d.queries)
			}
			b.ReportMetric(recall, "recall@10")
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "QPS")
		})
	}
}

// BenchmarkHNSWSearchMapped compares searching the same index decoded onto
// the heap and opened in place over a memory-mapped file (OpenHNSW, what
// shard replicas do): run with -count to alternate them.
func BenchmarkHNSWSearchMapped(b *testing.B) {
	d := hnswBench()
	raw, err := hnswBenchIndex().MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "hnsw")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	m, err := mmap.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	heap, err := UnmarshalHNSW(raw)
	if err != nil {
		b.Fatal(err)
	}
	mapped, err := OpenHNSW(m.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	for name, h := range map[string]*HNSW{"heap": heap, "mapped": mapped} {
		b.Run(name, func(b *testing.B) {
			p := SearchParams{Metric: MetricL2, TopK: 10}
			i := 0
			for b.Loop() {
				if _, err := h.SearchEf(d.queries[i:i+1], p, 64); err != nil {
					b.Fatal(err)
				}
				i = (i + 1) % len(d.queries)
			}
		})
	}
}
