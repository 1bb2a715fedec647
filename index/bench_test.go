package index

import (
	"fmt"
	"sync"
	"testing"
)

// benchKernel runs k's generic and (when available) SIMD implementations
// side by side: BenchmarkL2Squared/generic/dim=128, .../avx2/dim=128, ...
func benchKernel(b *testing.B, pick func(kernelSet) func(a, b []float32) float32) {
	impls := []struct {
		name string
		k    func(a, b []float32) float32
	}{{"generic", pick(genericKernels)}}
	if simdKernels != nil {
		impls = append(impls, struct {
			name string
			k    func(a, b []float32) float32
		}{"avx2", pick(*simdKernels)})
	}
	for _, impl := range impls {
		for _, dim := range []int{128, 768} {
			b.Run(fmt.Sprintf("%s/dim=%d", impl.name, dim), func(b *testing.B) {
				vs := randVecs(newRand(100), 2, dim)
				x, y := vs[0], vs[1]
				b.SetBytes(int64(2 * 4 * dim))
				for b.Loop() {
					impl.k(x, y)
				}
			})
		}
	}
}

func BenchmarkL2Squared(b *testing.B) {
	benchKernel(b, func(k kernelSet) func(a, b []float32) float32 { return k.l2 })
}

func BenchmarkDot(b *testing.B) {
	benchKernel(b, func(k kernelSet) func(a, b []float32) float32 { return k.dot })
}

const benchN, benchDim = 100_000, 128

// benchFlat builds (once) a seeded 100k x 128 data set per metric.
var benchFlat = sync.OnceValue(func() map[Metric]*Flat {
	data := flatten(randVecs(newRand(200), benchN, benchDim))
	out := map[Metric]*Flat{}
	for _, m := range allMetrics {
		f := NewFlat(benchDim, m)
		if err := f.Add(nil, data); err != nil {
			panic(err)
		}
		out[m] = f
	}
	return out
})

func BenchmarkFlatSearch(b *testing.B) {
	for _, m := range allMetrics {
		for _, nq := range []int{1, 10} {
			b.Run(fmt.Sprintf("%v/n=100k/dim=128/top10/nq=%d", m, nq), func(b *testing.B) {
				f := benchFlat()[m]
				queries := randVecs(newRand(300), nq, benchDim)
				p := SearchParams{TopK: 10}
				b.SetBytes(int64(nq * benchN * benchDim * 4)) // vector bytes scanned
				for b.Loop() {
					if _, err := f.Search(queries, p); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("L2/n=100k/dim=128/top10/nq=1/filter=50%", func(b *testing.B) {
		f := benchFlat()[MetricL2]
		queries := randVecs(newRand(300), 1, benchDim)
		p := SearchParams{TopK: 10, Filter: func(id int64) bool { return id&1 == 0 }}
		for b.Loop() {
			if _, err := f.Search(queries, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("L2/n=100k/dim=128/group10x3/nq=1", func(b *testing.B) {
		f := benchFlat()[MetricL2]
		queries := randVecs(newRand(300), 1, benchDim)
		p := SearchParams{TopK: 10, GroupSize: 3, GroupKey: func(id int64) any { return id % 1000 }}
		for b.Loop() {
			if _, err := f.Search(queries, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMerge(b *testing.B) {
	r := newRand(400)
	lists := make([][]Hit, 16) // 16 segments x top-100
	for i := range lists {
		ds := make([]float32, 100)
		for j := range ds {
			ds[j] = r.Float32()
		}
		sortFloats(ds)
		for _, d := range ds {
			lists[i] = append(lists[i], Hit{ID: int64(r.IntN(5000)), Distance: d})
		}
	}
	for b.Loop() {
		Merge(MetricL2, lists, 0, 100, 0)
	}
}

// BenchmarkL2Batch scores batches of 32 random rows of a 100k x 128 matrix
// (50 MB, so most rows miss the cache, as in an HNSW expansion), with one
// l2 call per row ("single") and with one batch-kernel call ("batch"), for
// every kernel implementation.
func BenchmarkL2Batch(b *testing.B) {
	const rows, dim, batch = 100_000, 128, 32
	r := newRand(400)
	vecs := flatten(randVecs(r, rows, dim))
	q := randVecs(r, 1, dim)[0]
	ids := make([]int32, 1<<16)
	for i := range ids {
		ids[i] = int32(r.IntN(rows))
	}
	out := make([]float32, batch)
	for _, k := range kernelImpls() {
		b.Run(k.name+"/single", func(b *testing.B) {
			i := 0
			for b.Loop() {
				for j, id := range ids[i : i+batch] {
					out[j] = k.l2(q, vecs[int(id)*dim:int(id+1)*dim])
				}
				i = (i + batch) % len(ids)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/row")
		})
		b.Run(k.name+"/batch", func(b *testing.B) {
			i := 0
			for b.Loop() {
				k.l2Batch(q, vecs, ids[i:i+batch], out)
				i = (i + batch) % len(ids)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/row")
		})
	}
}
