package index

import (
	"fmt"
	"math"
	"runtime"
	"testing"
)

// kernelImpls lists every implementation usable on this machine.
func kernelImpls() []kernelSet {
	out := []kernelSet{genericKernels}
	if simdKernels != nil {
		out = append(out, *simdKernels)
	}
	return out
}

// withKernels runs f with k forced as the active implementation. Tests that
// use it must not be parallel: the kernel variables are package state.
func withKernels(t *testing.T, k kernelSet, f func(t *testing.T)) {
	t.Helper()
	prev := useKernels(k)
	defer useKernels(prev)
	t.Run(k.name, f)
}

func TestKernelSelection(t *testing.T) {
	impl := KernelImpl()
	if simdKernels == nil {
		if impl != "generic" {
			t.Fatalf("KernelImpl() = %q without SIMD kernels, want generic", impl)
		}
		t.Logf("GOARCH=%s: SIMD kernels unavailable, using generic", runtime.GOARCH)
		return
	}
	if impl != "avx2-fma" || simdKernels.name != "avx2-fma" {
		t.Fatalf("KernelImpl() = %q (simd %q), want avx2-fma", impl, simdKernels.name)
	}
}

// TestKernelImplsAgainstReference checks every implementation against a
// float64 reference for all lengths 0..300 plus large ones, at every
// element misalignment of both operands (subslices starting at offsets
// 0..7), with a tolerance relative to the summed term magnitudes.
func TestKernelImplsAgainstReference(t *testing.T) {
	lengths := make([]int, 0, 310)
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 511, 512, 513, 768, 1000, 1536)
	r := newRand(11)
	for _, k := range kernelImpls() {
		t.Run(k.name, func(t *testing.T) {
			for _, n := range lengths {
				backA := randVecs(r, 1, n+8)[0]
				backB := randVecs(r, 1, n+8)[0]
				if n%5 == 0 { // mixed magnitudes
					for i := range backA {
						backA[i] *= 1000
					}
				}
				for off := range 8 {
					if n > 64 && off != 0 && off != 3 && off != 7 && n%16 != 0 {
						continue // keep the run short: full offsets on a subset
					}
					a := backA[off : off+n]
					b := backB[(off*3)%8 : (off*3)%8+n]
					var sq, absDot float64
					for i := range a {
						d := float64(a[i]) - float64(b[i])
						sq += d * d
						absDot += math.Abs(float64(a[i]) * float64(b[i]))
					}
					// float32 accumulation: error grows ~ eps*sqrt(n) on
					// random data; 4e-7*n is a loose, length-aware bound.
					rel := 1e-6 + 4e-7*float64(n)
					if got, ref := k.l2(a, b), refL2(a, b); math.Abs(float64(got)-ref) > rel*sq+1e-6 {
						t.Fatalf("n=%d off=%d: l2 = %v, reference %v", n, off, got, ref)
					}
					if got, ref := k.dot(a, b), refDot(a, b); math.Abs(float64(got)-ref) > rel*absDot+1e-6 {
						t.Fatalf("n=%d off=%d: dot = %v, reference %v", n, off, got, ref)
					}
				}
			}
		})
	}
}

// TestKernelsExactSmallIntegers: with small integer coordinates every
// partial sum is exact in float32, so all implementations must agree
// bit for bit with the reference whatever their summation order.
func TestKernelsExactSmallIntegers(t *testing.T) {
	r := newRand(12)
	for _, k := range kernelImpls() {
		for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 128, 257, 768} {
			vs := intVecs(r, 2, n, 20)
			if got, ref := k.l2(vs[0], vs[1]), refL2(vs[0], vs[1]); float64(got) != ref {
				t.Fatalf("%s n=%d: l2 = %v, want %v", k.name, n, got, ref)
			}
			if got, ref := k.dot(vs[0], vs[1]), refDot(vs[0], vs[1]); float64(got) != ref {
				t.Fatalf("%s n=%d: dot = %v, want %v", k.name, n, got, ref)
			}
		}
	}
}

// TestKernelSpecialValues: Inf and NaN propagate the same way in every
// implementation, wherever they sit (vector body or scalar tail).
func TestKernelSpecialValues(t *testing.T) {
	for _, k := range kernelImpls() {
		for _, n := range []int{5, 40, 77} {
			for _, pos := range []int{0, n - 1} {
				a, b := make([]float32, n), make([]float32, n)
				a[pos] = float32(math.NaN())
				if got := k.l2(a, b); !math.IsNaN(float64(got)) {
					t.Errorf("%s n=%d pos=%d: l2 with NaN = %v", k.name, n, pos, got)
				}
				a[pos], b[pos] = inf(), 1
				if got := k.dot(a, b); !math.IsInf(float64(got), 1) {
					t.Errorf("%s n=%d pos=%d: dot with +Inf = %v", k.name, n, pos, got)
				}
			}
		}
	}
}

// TestForcedKernelsFlatSearch runs the package-level kernel tests and an
// exact Flat search against the float64 reference once per implementation,
// including with the generic path forced on a SIMD-capable machine.
func TestForcedKernelsFlatSearch(t *testing.T) {
	r := newRand(13)
	const n, dim = 500, 37
	vecs := randVecs(r, n, dim)
	queries := randVecs(r, 5, dim)
	for _, k := range kernelImpls() {
		withKernels(t, k, func(t *testing.T) {
			if KernelImpl() != k.name {
				t.Fatalf("KernelImpl() = %q, want %q", KernelImpl(), k.name)
			}
			TestNormAndDistance(t)
			TestCosineEdgeCases(t)
			TestNormalize(t)
			for _, m := range allMetrics {
				f := NewFlat(dim, m)
				if err := f.Add(nil, flatten(vecs)); err != nil {
					t.Fatal(err)
				}
				res, err := f.Search(queries, SearchParams{TopK: 10})
				if err != nil {
					t.Fatal(err)
				}
				for qi, q := range queries {
					t.Run(fmt.Sprintf("%v/q%d", m, qi), func(t *testing.T) {
						checkAgainstRef(t, m, res[qi], refSearch(m, vecs, nil, q, nil), 10, 1e-4)
					})
				}
			}
		})
	}
	if KernelImpl() != kernelImpls()[len(kernelImpls())-1].name {
		t.Fatalf("kernels not restored: %q", KernelImpl())
	}
}

// TestBatchKernels checks that every implementation's batch kernels give
// results bit-identical to its single-pair kernels, for dimensions with
// and without SIMD tails, repeated and unordered rows, and empty batches,
// and that out-of-range rows panic instead of reading past vecs.
func TestBatchKernels(t *testing.T) {
	r := newRand(12)
	for _, k := range kernelImpls() {
		t.Run(k.name, func(t *testing.T) {
			for _, dim := range []int{1, 3, 7, 8, 9, 16, 31, 32, 33, 100, 128, 129, 784} {
				const rows = 50
				vecs := flatten(randVecs(r, rows, dim))
				q := randVecs(r, 1, dim)[0]
				for _, n := range []int{0, 1, 2, 5, 32, 64} {
					ids := make([]int32, n)
					for i := range ids {
						ids[i] = int32(r.IntN(rows))
					}
					if n > 1 {
						ids[1] = ids[0]
						ids[n-1] = rows - 1
					}
					out := make([]float32, n+1)
					out[n] = 42
					k.l2Batch(q, vecs, ids, out)
					for i, id := range ids {
						want := k.l2(q, vecs[int(id)*dim:int(id+1)*dim])
						if math.Float32bits(out[i]) != math.Float32bits(want) {
							t.Fatalf("dim %d n %d: l2Batch[%d] = %v, l2 = %v", dim, n, i, out[i], want)
						}
					}
					k.dotBatch(q, vecs, ids, out)
					for i, id := range ids {
						want := k.dot(q, vecs[int(id)*dim:int(id+1)*dim])
						if math.Float32bits(out[i]) != math.Float32bits(want) {
							t.Fatalf("dim %d n %d: dotBatch[%d] = %v, dot = %v", dim, n, i, out[i], want)
						}
					}
					if out[n] != 42 {
						t.Fatalf("dim %d n %d: wrote past the results", dim, n)
					}
				}
				for _, bad := range []int32{rows, -1} {
					func() {
						defer func() {
							if recover() == nil {
								t.Fatalf("dim %d: row %d did not panic", dim, bad)
							}
						}()
						k.l2Batch(q, vecs, []int32{0, bad}, make([]float32, 2))
					}()
				}
			}
		})
	}
}
