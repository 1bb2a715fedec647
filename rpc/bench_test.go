package rpc

import (
	"context"
	"testing"
)

func rows1000x128() [][]float32 {
	rows := make([][]float32, 1000)
	for i := range rows {
		rows[i] = make([]float32, 128)
		for j := range rows[i] {
			rows[i][j] = float32(i*128+j) / 7
		}
	}
	return rows
}

// BenchmarkRoundTrip1000x128 sends 1000 vectors of 128 float32 (512 000
// bytes of floats) over loopback through the mux. echo returns them (both
// directions); oneway returns an int64. raw_bytes is the same volume as a
// []byte, for comparison with gob's per-float encoding.
func BenchmarkRoundTrip1000x128(b *testing.B) {
	p := newPair(b)
	ctx := context.Background()
	cases := []struct {
		name, method string
		args         *Payload
	}{
		{"echo", "Test.Echo", &Payload{Rows: rows1000x128()}},
		{"oneway", "Test.Count", &Payload{Rows: rows1000x128()}},
		{"raw_bytes_oneway", "Test.Count", &Payload{Data: make([]byte, 1000*128*4)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(1000 * 128 * 4)
			b.ReportAllocs()
			for b.Loop() {
				var reply any = new(Payload)
				if tc.method == "Test.Count" {
					reply = new(int64)
				}
				if err := p.cli.Call(ctx, p.addr, tc.method, tc.args, reply); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
