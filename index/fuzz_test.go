package index

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
	"unsafe"
)

// FuzzIndexFiles feeds arbitrary bytes, resealed with a valid checksum, to
// every index-file decoder, copying and in place: index files come from object storage, so a damaged one must
// give an error, never a panic or an index that panics when searched.
func FuzzIndexFiles(f *testing.F) {
	_, ivf, _ := ivfFixture(&testing.T{})
	_, hnsw, _ := openFixture(&testing.T{})
	f.Add(ivf)
	f.Add(hnsw)
	f.Add(ivf[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		buf := make([]uint64, (len(b)+7)/8+1) // 8-aligned, as a mapping is
		data := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(b))
		copy(data, b)
		if len(data) > 4 { // reseal: both formats end in a CRC-32C of the rest
			binary.LittleEndian.PutUint32(data[len(data)-4:], crc32.Checksum(data[:len(data)-4], ivfCRCTable))
		}
		q := [][]float32{make([]float32, 12)}
		p := SearchParams{Metric: MetricL2, TopK: 3}
		for _, open := range []func([]byte) (*IVFFlat, error){UnmarshalIVFFlat, OpenIVFFlat} {
			if x, err := open(data); err == nil && x.Dim() == 12 && x.Metric() == MetricL2 {
				_, _ = x.SearchNprobe(q, p, 2)
			}
		}
		for _, open := range []func([]byte) (*HNSW, error){UnmarshalHNSW, OpenHNSW} {
			if h, err := open(data); err == nil && h.Dim() == 12 && h.Metric() == MetricL2 {
				_, _ = h.SearchEf(q, p, 8)
			}
		}
	})
}
