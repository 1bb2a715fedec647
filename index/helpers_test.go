package index

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randVecs returns n random vectors of dimension dim in [-1, 1).
func randVecs(r *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()*2 - 1
		}
		out[i] = v
	}
	return out
}

// intVecs returns vectors with small integer coordinates: every distance is
// exact in float32, so ties and range boundaries are exact.
func intVecs(r *rand.Rand, n, dim, maxAbs int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(r.IntN(2*maxAbs+1) - maxAbs)
		}
		out[i] = v
	}
	return out
}

func flatten(vs [][]float32) []float32 {
	var out []float32
	for _, v := range vs {
		out = append(out, v...)
	}
	return out
}

func refDot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func refL2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

// refDistance is the float64 reference of every metric.
func refDistance(m Metric, a, b []float32) float64 {
	switch m {
	case MetricL2:
		return refL2(a, b)
	case MetricIP:
		return refDot(a, b)
	}
	na, nb := math.Sqrt(refDot(a, a)), math.Sqrt(refDot(b, b))
	if na == 0 || nb == 0 {
		return 0
	}
	return refDot(a, b) / (na * nb)
}

type refHit struct {
	id   int64
	dist float64
}

// refSearch scores every row with the float64 reference and sorts all of
// them best first (ties by ID), applying keep as filter.
func refSearch(m Metric, vecs [][]float32, ids []int64, q []float32, keep func(id int64, d float64) bool) []refHit {
	var all []refHit
	for i, v := range vecs {
		id := int64(i)
		if ids != nil {
			id = ids[i]
		}
		d := refDistance(m, q, v)
		if keep == nil || keep(id, d) {
			all = append(all, refHit{id, d})
		}
	}
	sortRef(m, all)
	return all
}

// sortRef sorts reference hits best first, ties by ascending ID.
func sortRef(m Metric, hs []refHit) {
	sign := 1.0
	if m.LargerIsBetter() {
		sign = -1
	}
	slices.SortFunc(hs, func(a, b refHit) int {
		return cmp.Or(cmp.Compare(sign*a.dist, sign*b.dist), cmp.Compare(a.id, b.id))
	})
}

// checkAgainstRef verifies got (best first) against the full sorted
// reference: same length as min(k, len(ref)), distances match rank by rank,
// every reported distance matches its ID, and differing IDs only occur at
// near-ties.
func checkAgainstRef(t *testing.T, m Metric, got []Hit, ref []refHit, k int, tol float64) {
	t.Helper()
	want := ref[:min(k, len(ref))]
	if len(got) != len(want) {
		t.Fatalf("got %d hits, want %d", len(got), len(want))
	}
	byID := make(map[int64]float64, len(ref))
	for _, h := range ref {
		byID[h.id] = h.dist
	}
	seen := map[int64]bool{}
	for i, h := range got {
		if seen[h.ID] {
			t.Fatalf("rank %d: duplicate id %d", i, h.ID)
		}
		seen[h.ID] = true
		d, ok := byID[h.ID]
		if !ok {
			t.Fatalf("rank %d: id %d not eligible", i, h.ID)
		}
		scale := tol * math.Max(1, math.Abs(d))
		if math.Abs(float64(h.Distance)-d) > scale {
			t.Fatalf("rank %d id %d: distance %v, reference %v", i, h.ID, h.Distance, d)
		}
		if h.ID != want[i].id && math.Abs(d-want[i].dist) > scale {
			t.Fatalf("rank %d: id %d (d=%v), want id %d (d=%v)", i, h.ID, d, want[i].id, want[i].dist)
		}
		if i > 0 && m.Better(h.Distance, got[i-1].Distance) {
			t.Fatalf("rank %d: not sorted: %v after %v", i, h.Distance, got[i-1].Distance)
		}
	}
}

func ptr(f float32) *float32 { return &f }

func nanf() float32 { return float32(math.NaN()) }
func inf() float32  { return float32(math.Inf(1)) }

func sortFloats(f []float32) { slices.Sort(f) }
