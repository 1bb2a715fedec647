package index

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/raftvec/raftvec/half"
)

// TestSearchFlatHalfParts: a view of half-precision rows gives exactly the
// hits of the same rows decoded to float32, for every metric, with a
// filter, across two parts.
func TestSearchFlatHalfParts(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const dim, n = 12, 700
	for _, f := range []half.Format{half.F16, half.BF16} {
		h := make([]uint16, n*dim)
		src := make([]float32, n*dim)
		for i := range src {
			src[i] = float32(r.NormFloat64())
		}
		if err := half.Encode(f, h, src); err != nil {
			t.Fatal(err)
		}
		dec := make([]float32, n*dim)
		half.Decode(f, dec, h)
		cut := 300 * dim
		halfView := FlatView{Dim: dim, Parts: []FlatPart{{Halfs: h[:cut], Half: f}, {Halfs: h[cut:], Half: f, First: 300}}}
		floatView := FlatView{Dim: dim, Parts: []FlatPart{{Vectors: dec[:cut]}, {Vectors: dec[cut:], First: 300}}}
		q := [][]float32{src[:dim], src[5*dim : 6*dim]}
		for _, m := range []Metric{MetricL2, MetricIP, MetricCosine} {
			p := SearchParams{Metric: m, TopK: 9, Filter: func(id int64) bool { return id%3 != 0 }}
			a, err1 := SearchFlat(halfView, q, p)
			b, err2 := SearchFlat(floatView, q, p)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("%s %v: half %v (%v), float %v (%v)", f, m, a, err1, b, err2)
			}
		}
	}
	if _, err := SearchFlat(FlatView{Dim: 2, Parts: []FlatPart{{Halfs: []uint16{1, 2}}}}, [][]float32{{1, 2}}, SearchParams{Metric: MetricL2, TopK: 1}); err == nil {
		t.Fatal("half part without a format accepted")
	}
}
