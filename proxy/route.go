package proxy

import (
	"hash/crc32"

	"github.com/raftvec/raftvec/segment"
)

// ShardOf maps a primary key to one of n shards: a 64-bit mix (splitmix64
// finalizer) for Int64 keys, CRC-32 (IEEE) for VarChar keys.
func ShardOf(pk any, n int) int {
	if n <= 1 {
		return 0
	}
	var h uint64
	switch k := pk.(type) {
	case int64:
		h = mix64(uint64(k))
	case string:
		h = uint64(crc32.ChecksumIEEE([]byte(k)))
	}
	return int(h % uint64(n))
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// splitBatch splits a batch into one batch per shard (nil where a shard gets
// no rows), and rowParts (each row's partition; nil when the collection has
// no partition key) along with it.
func splitBatch(s *segment.Schema, b *segment.Batch, n int, rowParts []int64) ([]*segment.Batch, [][]int64) {
	out, outParts := make([]*segment.Batch, n), make([][]int64, n)
	if n == 1 {
		out[0], outParts[0] = b, rowParts
		return out, outParts
	}
	pki := s.PrimaryIndex()
	for i := 0; i < b.Rows(); i++ {
		sh := ShardOf(b.Columns[pki].Value(i), n)
		if out[sh] == nil {
			out[sh] = segment.NewBatch(s)
		}
		for f := range b.Columns {
			out[sh].Columns[f].Append(&b.Columns[f], i)
		}
		if rowParts != nil {
			outParts[sh] = append(outParts[sh], rowParts[i])
		}
	}
	return out, outParts
}
