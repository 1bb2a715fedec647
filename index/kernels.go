package index

import (
	"fmt"
	"math"
)

// The hot kernels are reached through these variables so that an
// architecture-specific implementation (AVX2+FMA assembly on amd64, see
// kernels_amd64.go) can replace them from its init function after CPU
// feature detection. Everything else in the package calls l2Kernel and
// dotKernel, never l2Generic/dotGeneric directly. They are only written
// during init (and by tests that force an implementation), never while a
// search may run.
var (
	kernelImpl     = "generic"
	l2Kernel       = l2Generic
	dotKernel      = dotGeneric
	l2BatchKernel  = l2BatchGeneric
	dotBatchKernel = dotBatchGeneric
)

// kernelSet is one complete kernel implementation. The batch kernels
// compute out[i] = l2/dot(q, vecs[ids[i]*len(q):][:len(q)]) for every i;
// each result is bit-identical to the single-pair kernel's.
type kernelSet struct {
	name              string
	l2, dot           func(a, b []float32) float32
	l2Batch, dotBatch func(q, vecs []float32, ids []int32, out []float32)
}

var genericKernels = kernelSet{name: "generic", l2: l2Generic, dot: dotGeneric,
	l2Batch: l2BatchGeneric, dotBatch: dotBatchGeneric}

// simdKernels is the SIMD implementation usable on this CPU, nil when there
// is none (other architectures, the purego build tag, missing CPU features).
var simdKernels *kernelSet

// useKernels installs k and returns the previously active set.
func useKernels(k kernelSet) (prev kernelSet) {
	prev = kernelSet{name: kernelImpl, l2: l2Kernel, dot: dotKernel, l2Batch: l2BatchKernel, dotBatch: dotBatchKernel}
	kernelImpl, l2Kernel, dotKernel = k.name, k.l2, k.dot
	l2BatchKernel, dotBatchKernel = k.l2Batch, k.dotBatch
	return prev
}

// KernelImpl names the distance-kernel implementation selected at init:
// "avx2-fma" for the amd64 assembly when the CPU and OS support AVX2, FMA
// and the YMM state, "generic" for the portable Go code.
func KernelImpl() string { return kernelImpl }

// L2Squared returns the squared Euclidean distance between a and b.
// It panics if the lengths differ.
func L2Squared(a, b []float32) float32 {
	checkLen(a, b)
	return l2Kernel(a, b)
}

// Dot returns the inner product of a and b. It panics if the lengths differ.
func Dot(a, b []float32) float32 {
	checkLen(a, b)
	return dotKernel(a, b)
}

// Norm returns the Euclidean norm |a|.
func Norm(a []float32) float32 {
	return float32(math.Sqrt(float64(dotKernel(a, a))))
}

// Distance returns the raw metric value between a and b: squared L2 for
// MetricL2, the inner product for MetricIP and the cosine similarity for
// MetricCosine (0 when either vector has norm 0). It panics if the lengths
// differ or the metric is invalid.
func Distance(m Metric, a, b []float32) float32 {
	checkLen(a, b)
	switch m {
	case MetricL2:
		return l2Kernel(a, b)
	case MetricIP:
		return dotKernel(a, b)
	case MetricCosine:
		return cosine(dotKernel(a, b), Norm(a), Norm(b))
	}
	panic(fmt.Sprintf("index: Distance with invalid metric %v", m))
}

// cosine turns a dot product and two norms into a similarity, defining it
// as 0 when a norm is 0 and clamping rounding overshoot into [-1, 1].
func cosine(dot, na, nb float32) float32 {
	if na == 0 || nb == 0 {
		return 0
	}
	return min(max(dot/(na*nb), -1), 1)
}

// Normalize writes a/|a| into dst (which must have len(a)) and returns |a|.
// A zero vector is copied unchanged.
func Normalize(dst, a []float32) float32 {
	checkLen(dst, a)
	n := Norm(a)
	if n == 0 {
		copy(dst, a)
		return 0
	}
	inv := 1 / n
	for i, v := range a {
		dst[i] = v * inv
	}
	return n
}

// ComputeNorms appends the norm of every dim-sized row of vectors to dst and
// returns the extended slice. Growing segments that search with SearchFlat
// under COSINE can keep norms incrementally with it.
func ComputeNorms(dst, vectors []float32, dim int) []float32 {
	for i := 0; i+dim <= len(vectors); i += dim {
		dst = append(dst, Norm(vectors[i:i+dim]))
	}
	return dst
}

func checkLen(a, b []float32) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("index: vector length mismatch: %d != %d", len(a), len(b)))
	}
}

// l2Generic is the portable squared-L2 kernel: eight independent
// accumulators hide the add latency; the fixed-size subslices let the
// compiler drop every bounds check in the unrolled body. len(b) must be at
// least len(a).
func l2Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for len(a) >= 8 && len(b) >= 8 {
		x, y := a[:8:8], b[:8:8]
		d0, d1, d2, d3 := x[0]-y[0], x[1]-y[1], x[2]-y[2], x[3]-y[3]
		d4, d5, d6, d7 := x[4]-y[4], x[5]-y[5], x[6]-y[6], x[7]-y[7]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
		s4 += d4 * d4
		s5 += d5 * d5
		s6 += d6 * d6
		s7 += d7 * d7
		a, b = a[8:], b[8:]
	}
	for len(a) > 0 && len(b) > 0 {
		d := a[0] - b[0]
		s0 += d * d
		a, b = a[1:], b[1:]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// dotGeneric is the portable inner-product kernel, shaped like l2Generic.
func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for len(a) >= 8 && len(b) >= 8 {
		x, y := a[:8:8], b[:8:8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
		a, b = a[8:], b[8:]
	}
	for len(a) > 0 && len(b) > 0 {
		s0 += a[0] * b[0]
		a, b = a[1:], b[1:]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// checkBatch panics unless out has room for every result and every row
// ids[i] of len(q) floats lies inside vecs (the assembly batch kernels
// rely on it).
func checkBatch(q, vecs []float32, ids []int32, out []float32) {
	if len(out) < len(ids) {
		panic(fmt.Sprintf("index: batch kernel: %d results for %d rows", len(out), len(ids)))
	}
	if len(q) == 0 {
		return
	}
	rows := len(vecs) / len(q)
	for _, id := range ids {
		if id < 0 || int(id) >= rows {
			panic(fmt.Sprintf("index: batch kernel: row %d out of range [0, %d)", id, rows))
		}
	}
}

// l2BatchGeneric is the portable batch squared-L2 kernel.
func l2BatchGeneric(q, vecs []float32, ids []int32, out []float32) {
	checkBatch(q, vecs, ids, out)
	dim := len(q)
	out = out[:len(ids)]
	for i, id := range ids {
		o := int(id) * dim
		out[i] = l2Generic(q, vecs[o:o+dim:o+dim])
	}
}

// dotBatchGeneric is the portable batch inner-product kernel.
func dotBatchGeneric(q, vecs []float32, ids []int32, out []float32) {
	checkBatch(q, vecs, ids, out)
	dim := len(q)
	out = out[:len(ids)]
	for i, id := range ids {
		o := int(id) * dim
		out[i] = dotGeneric(q, vecs[o:o+dim:o+dim])
	}
}
