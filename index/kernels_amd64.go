//go:build amd64 && !purego

package index

import "github.com/raftvec/raftvec/internal/cpu"

// Assembly kernels in kernels_amd64.s. They process min(len(a), len(b))
// elements; the exported wrappers check the lengths first.

//go:noescape
func l2AVX2(a, b []float32) float32

//go:noescape
func dotAVX2(a, b []float32) float32

// l2BatchAVX2 and dotBatchAVX2 compute out[i] = l2/dot(q, row ids[i] of
// vecs) with rows of len(q) floats, prefetching rows a few ahead of the
// one they sum (see kernels_amd64.s). They trust their arguments: use the
// checked l2BatchSIMD/dotBatchSIMD.
//
//go:noescape
func l2BatchAVX2(q, vecs []float32, ids []int32, out []float32)

//go:noescape
func dotBatchAVX2(q, vecs []float32, ids []int32, out []float32)

// prefetchLines hints that the n > 0 bytes at p will be read soon. It
// never faults, whatever p.
//
//go:noescape
func prefetchLines(p *int32, n int)

func l2BatchSIMD(q, vecs []float32, ids []int32, out []float32) {
	checkBatch(q, vecs, ids, out)
	l2BatchAVX2(q, vecs, ids, out)
}

func dotBatchSIMD(q, vecs []float32, ids []int32, out []float32) {
	checkBatch(q, vecs, ids, out)
	dotBatchAVX2(q, vecs, ids, out)
}

func init() {
	if cpu.AVX2FMA {
		simdKernels = &kernelSet{name: "avx2-fma", l2: l2AVX2, dot: dotAVX2,
			l2Batch: l2BatchSIMD, dotBatch: dotBatchSIMD}
		useKernels(*simdKernels)
	}
}
