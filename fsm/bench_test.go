package fsm

import (
	"math/rand/v2"
	"testing"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// BenchmarkApplyInsert measures decoding and applying one insert entry of
// 1000 rows × dim 128 (the FSM's share of the insert path).
func BenchmarkApplyInsert(b *testing.B) {
	s := &segment.Schema{Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 128},
	}}
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	entries := make([][]byte, b.N)
	for i := range entries {
		batch := segment.NewBatch(s)
		vec := make([]float32, 128)
		for j := 0; j < 1000; j++ {
			for k := range vec {
				vec[k] = r.Float32()
			}
			batch.Columns[0].AppendValue(int64(i*1000 + j))
			batch.Columns[1].AppendValue(vec)
		}
		entries[i] = (&Command{Kind: KindInsert, Partition: 1, Rows: batch}).Encode()
	}
	sh := NewShard(s, 0)
	b.SetBytes(int64(len(entries[0])))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := sh.Apply(&hraft.Log{Index: uint64(i + 1), Type: hraft.LogCommand, Data: entries[i]}).(Result); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "rows/s")
}
