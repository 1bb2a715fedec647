package shards

import (
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// MemoryStats says where the open replicas' vector data is (the metrics
// of the memory model, README "Memory").
type MemoryStats struct {
	// IndexFiles is the number of index files loaded for search, and
	// IndexMappedBytes how many bytes of them are memory-mapped (outside
	// the Go heap) rather than decoded onto it.
	IndexFiles       int
	IndexMappedBytes int64
	// VectorBytesInMemory counts segment vector columns on the Go heap
	// (growing segments, and flushed ones read without a local file);
	// VectorBytesMapped flushed ones a search scanned or returned, mapped
	// from their chunk files; VectorBytesInStorage the flushed ones not
	// loaded at all.
	VectorBytesInMemory  int64
	VectorBytesMapped    int64
	VectorBytesInStorage int64
	// DerivedIndexBytes counts the indexes replicas built from sealed
	// segments' columns on first use: sparse inverted indexes and scalar
	// indexes (on the Go heap).
	DerivedIndexBytes int64
}

// Memory sums MemoryStats over the open replicas.
func (h *Host) Memory() MemoryStats {
	var m MemoryStats
	for _, r := range h.Replicas() {
		n, mapped := r.indexes.resident()
		m.IndexFiles += n
		m.IndexMappedBytes += mapped
		s := r.fsm.Schema()
		r.fsm.View(func(v fsm.View) {
			for _, g := range v.Segments() {
				if g.State != segment.Growing {
					g.EachDerived(func(v any) { m.DerivedIndexBytes += derivedBytes(v) })
				}
				for f := range s.Fields {
					if !s.Fields[f].Type.IsDense() {
						continue
					}
					b := int64(g.Rows()) * int64(s.Fields[f].Dim) * int64(s.Fields[f].Type.ElemBytes())
					if g.Mapped(f) {
						m.VectorBytesMapped += b
					} else if g.Resident(f) {
						m.VectorBytesInMemory += b
					} else {
						m.VectorBytesInStorage += b
					}
				}
			}
		})
	}
	return m
}

// derivedBytes is the size of a derived index (sparse.go, scalar.go).
func derivedBytes(v any) int64 {
	switch x := v.(type) {
	case *sparseSegment:
		return x.x.Bytes()
	case *index.Sorted:
		return x.Bytes()
	case *index.BinaryIVF:
		return x.Bytes()
	}
	return 0
}
