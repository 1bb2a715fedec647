package segment

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
)

// SparseVector is one row of a SparseFloatVector column: strictly
// increasing Indices, each with a finite, non-zero Value.
type SparseVector struct {
	Indices []uint32
	Values  []float32
}

// MaxSparseNonZeros bounds the entries of one sparse vector.
const MaxSparseNonZeros = 1 << 16

// Check reports whether v is well formed.
func (v SparseVector) Check() error {
	if len(v.Indices) != len(v.Values) {
		return fmt.Errorf("sparse vector has %d indices and %d values", len(v.Indices), len(v.Values))
	}
	if len(v.Indices) > MaxSparseNonZeros {
		return fmt.Errorf("sparse vector has %d entries, more than %d", len(v.Indices), MaxSparseNonZeros)
	}
	for i, x := range v.Values {
		if i > 0 && v.Indices[i] <= v.Indices[i-1] {
			return fmt.Errorf("sparse vector indices must be distinct and increasing (%d after %d)", v.Indices[i], v.Indices[i-1])
		}
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("sparse vector value at index %d is not finite", v.Indices[i])
		}
	}
	return nil
}

// Sum returns the sum of v's values (a BM25 document's length).
func (v SparseVector) Sum() float64 {
	var s float64
	for _, x := range v.Values {
		s += float64(x)
	}
	return s
}

// Bytes returns the in-memory size of v's entries.
func (v SparseVector) Bytes() int64 { return int64(8*len(v.Indices)) + 48 }

// AppendBinary appends v in Milvus's wire form: per entry a little-endian
// uint32 index then a float32 value.
func (v SparseVector) AppendBinary(dst []byte) []byte {
	for i, ix := range v.Indices {
		dst = binary.LittleEndian.AppendUint32(dst, ix)
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v.Values[i]))
	}
	return dst
}

// ParseSparseBinary reads Milvus's wire form (see AppendBinary), sorts it
// by index (SDKs may send entries in any order) and checks the result.
func ParseSparseBinary(b []byte) (SparseVector, error) {
	if len(b)%8 != 0 {
		return SparseVector{}, fmt.Errorf("sparse vector of %d bytes: want 8 per entry", len(b))
	}
	n := len(b) / 8
	v := SparseVector{Indices: make([]uint32, n), Values: make([]float32, n)}
	for i := range n {
		v.Indices[i] = binary.LittleEndian.Uint32(b[8*i:])
		v.Values[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[8*i+4:]))
	}
	if !slices.IsSorted(v.Indices) {
		sort.Sort(byIndex(v))
	}
	return v, v.Check()
}

// byIndex sorts a sparse vector's entries by index.
type byIndex SparseVector

func (s byIndex) Len() int           { return len(s.Indices) }
func (s byIndex) Less(i, j int) bool { return s.Indices[i] < s.Indices[j] }
func (s byIndex) Swap(i, j int) {
	s.Indices[i], s.Indices[j] = s.Indices[j], s.Indices[i]
	s.Values[i], s.Values[j] = s.Values[j], s.Values[i]
}

func encodeSparse(e *Encoder, vs []SparseVector) {
	for _, v := range vs {
		e.Uvarint(uint64(len(v.Indices)))
		var prev uint32
		for _, ix := range v.Indices {
			e.Uvarint(uint64(ix - prev))
			prev = ix
		}
		out := e.grow(4 * len(v.Values))
		putFloat32s(out, v.Values)
	}
}

func decodeSparse(d *Decoder, n int) []SparseVector {
	out := make([]SparseVector, 0, min(n, len(d.Buf)))
	for i := 0; i < n && d.Err == nil; i++ {
		k := d.Uvarint()
		if d.Err == nil && k > uint64(len(d.Buf)) {
			d.fail("sparse length")
		}
		if d.Err != nil {
			break
		}
		if k == 0 {
			out = append(out, SparseVector{}) // canonical: nil slices
			continue
		}
		v := SparseVector{Indices: make([]uint32, k)}
		var prev uint64
		for j := range v.Indices {
			delta := d.Uvarint()
			prev += delta
			if prev > math.MaxUint32 || (j > 0 && delta == 0) {
				d.fail("sparse index")
			}
			v.Indices[j] = uint32(prev)
		}
		v.Values = decodeFloat32s(d, int(k))
		out = append(out, v)
	}
	return out
}
