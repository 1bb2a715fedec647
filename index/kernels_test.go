package index

import (
	"math"
	"testing"
)

var testDims = []int{0, 1, 3, 7, 8, 15, 16, 17, 31, 128, 768, 1000}

// within checks got against a float64 reference with a tolerance scaled by
// the magnitude of the summed terms (float32 accumulation error).
func within(got float32, ref, mag float64) bool {
	return math.Abs(float64(got)-ref) <= 1e-5*mag+1e-6
}

func TestKernelsMatchReference(t *testing.T) {
	r := newRand(1)
	impls := []struct {
		name    string
		l2, dot func(a, b []float32) float32
	}{
		{"generic", l2Generic, dotGeneric},
		{"active/" + KernelImpl(), L2Squared, Dot},
	}
	if simdKernels != nil {
		impls = append(impls, struct {
			name    string
			l2, dot func(a, b []float32) float32
		}{simdKernels.name, simdKernels.l2, simdKernels.dot})
	}
	for _, impl := range impls {
		for _, dim := range testDims {
			for trial := range 20 {
				vs := randVecs(r, 2, dim)
				a, b := vs[0], vs[1]
				if trial == 0 { // larger magnitudes too
					for i := range a {
						a[i] *= 100
						b[i] *= 37
					}
				}
				var absDot float64
				for i := range a {
					absDot += math.Abs(float64(a[i]) * float64(b[i]))
				}
				if got, ref := impl.l2(a, b), refL2(a, b); !within(got, ref, ref) {
					t.Errorf("%s dim %d: L2Squared = %v, reference %v", impl.name, dim, got, ref)
				}
				if got, ref := impl.dot(a, b), refDot(a, b); !within(got, ref, absDot) {
					t.Errorf("%s dim %d: Dot = %v, reference %v", impl.name, dim, got, ref)
				}
			}
		}
	}
}

func TestNormAndDistance(t *testing.T) {
	r := newRand(2)
	for _, dim := range testDims[1:] {
		vs := randVecs(r, 2, dim)
		a, b := vs[0], vs[1]
		if got, ref := Norm(a), math.Sqrt(refDot(a, a)); !within(got, ref, ref) {
			t.Errorf("dim %d: Norm = %v, reference %v", dim, got, ref)
		}
		for _, m := range []Metric{MetricL2, MetricIP, MetricCosine} {
			got, ref := Distance(m, a, b), refDistance(m, a, b)
			if math.Abs(float64(got)-ref) > 1e-4*math.Max(1, math.Abs(ref)) {
				t.Errorf("dim %d %v: Distance = %v, reference %v", dim, m, got, ref)
			}
		}
	}
}

func TestCosineEdgeCases(t *testing.T) {
	zero := []float32{0, 0, 0}
	a := []float32{1, 2, 3}
	tests := []struct {
		name string
		a, b []float32
		want float32
	}{
		{"zero query", zero, a, 0},
		{"zero row", a, zero, 0},
		{"both zero", zero, zero, 0},
		{"same", a, a, 1},
		{"opposite", a, []float32{-2, -4, -6}, -1},
		{"orthogonal", []float32{1, 0, 0}, []float32{0, 5, 0}, 0},
	}
	for _, tt := range tests {
		got := Distance(MetricCosine, tt.a, tt.b)
		if math.Abs(float64(got-tt.want)) > 1e-6 || got > 1 || got < -1 {
			t.Errorf("%s: cosine = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	dst := make([]float32, 2)
	if n := Normalize(dst, []float32{3, 4}); n != 5 || dst[0] != 0.6 || dst[1] != 0.8 {
		t.Fatalf("Normalize: norm %v dst %v", n, dst)
	}
	if n := Normalize(dst, []float32{0, 0}); n != 0 || dst[0] != 0 || dst[1] != 0 {
		t.Fatalf("Normalize zero: norm %v dst %v", n, dst)
	}
	norms := ComputeNorms(nil, []float32{3, 4, 0, 0, 1, 0}, 2)
	if len(norms) != 3 || norms[0] != 5 || norms[1] != 0 || norms[2] != 1 {
		t.Fatalf("ComputeNorms = %v", norms)
	}
}

func TestKernelLengthMismatchPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"L2Squared": func() { L2Squared([]float32{1, 2}, []float32{1}) },
		"Dot":       func() { Dot([]float32{1}, []float32{1, 2}) },
		"Distance":  func() { Distance(MetricCosine, []float32{1}, nil) },
		"invalid":   func() { Distance(MetricInvalid, []float32{1}, []float32{1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
