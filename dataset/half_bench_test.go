package dataset_test

import (
	"testing"

	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/half"
	"github.com/raftvec/raftvec/index"
)

// BenchmarkHalfPrecisionMNIST: recall@10 and bytes per row of MNIST-784
// (60k train, 1,000 test queries) stored as float32, Float16 and BFloat16,
// searched exactly (the half-precision rows decoded as they are scored,
// as a server's FLAT segment search does) and through HNSW built from the
// decoded rows (as a server's index build does), against the float32
// exact ground truth. One op is one pass over the queries.
//
//	go test -run '^$' -bench HalfPrecision -benchtime 1x ./dataset/
func BenchmarkHalfPrecisionMNIST(b *testing.B) {
	train, test, dim, err := dataset.MNIST()
	if err != nil {
		b.Skip(err)
	}
	queries := dataset.Split(test[:1000*dim], dim)
	gt := dataset.GroundTruth(train, test[:1000*dim], dim, 10, index.MetricL2, 2)
	for _, f := range []half.Format{0, half.F16, half.BF16} {
		name := "float32"
		view := index.FlatView{Dim: dim, Vectors: train}
		rows := train
		bytesPerRow := 4 * dim
		if f != 0 {
			name, bytesPerRow = f.String(), 2*dim
			h := make([]uint16, len(train))
			if err := half.Encode(f, h, train); err != nil {
				b.Fatal(err)
			}
			view = index.FlatView{Dim: dim, Parts: []index.FlatPart{{Halfs: h, Half: f}}}
			rows = make([]float32, len(h))
			half.Decode(f, rows, h)
		}
		b.Run(name+"/flat", func(b *testing.B) {
			var hits [][]index.Hit
			for range b.N {
				if hits, err = index.SearchFlat(view, queries, index.SearchParams{Metric: index.MetricL2, TopK: 10}); err != nil {
					b.Fatal(err)
				}
			}
			recall, _ := dataset.Recall(hits, gt, 10)
			b.ReportMetric(recall, "recall@10")
			b.ReportMetric(float64(bytesPerRow), "B/row")
			b.ReportMetric(float64(len(queries)*b.N)/b.Elapsed().Seconds(), "QPS")
		})
		b.Run(name+"/hnsw", func(b *testing.B) {
			h, err := index.NewHNSW(dim, index.MetricL2, index.HNSWConfig{M: 16, EfConstruction: 200, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			if err := h.Build(nil, rows, 2); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var hits [][]index.Hit
			for range b.N {
				if hits, err = h.SearchEf(queries, index.SearchParams{Metric: index.MetricL2, TopK: 10}, 64); err != nil {
					b.Fatal(err)
				}
			}
			recall, _ := dataset.Recall(hits, gt, 10)
			b.ReportMetric(recall, "recall@10")
		})
	}
}
