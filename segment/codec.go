package segment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unsafe"
)

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("corrupt encoding")

// Encoder appends a compact little-endian binary encoding to a buffer. It is
// deterministic: equal inputs give equal bytes.
type Encoder struct{ Buf []byte }

// Uvarint appends an unsigned varint.
func (e *Encoder) Uvarint(v uint64) { e.Buf = binary.AppendUvarint(e.Buf, v) }

// Varint appends a signed varint.
func (e *Encoder) Varint(v int64) { e.Buf = binary.AppendVarint(e.Buf, v) }

// Byte appends one byte.
func (e *Encoder) Byte(b byte) { e.Buf = append(e.Buf, b) }

// Bytes appends a length-prefixed byte string.
func (e *Encoder) Bytes(b []byte) {
	e.Uvarint(uint64(len(b)))
	e.Buf = append(e.Buf, b...)
}

// String appends a length-prefixed string.
func (e *Encoder) String(s string) {
	e.Uvarint(uint64(len(s)))
	e.Buf = append(e.Buf, s...)
}

// Decoder reads what Encoder wrote. The first error sticks; later reads
// return zero values.
type Decoder struct {
	Buf []byte
	Err error
}

func (d *Decoder) fail(what string) {
	if d.Err == nil {
		d.Err = fmt.Errorf("%w: truncated %s", ErrCorrupt, what)
	}
	d.Buf = nil
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	v, n := binary.Uvarint(d.Buf)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.Buf = d.Buf[n:]
	return v
}

// Varint reads a signed varint.
func (d *Decoder) Varint() int64 {
	v, n := binary.Varint(d.Buf)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.Buf = d.Buf[n:]
	return v
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if len(d.Buf) < 1 {
		d.fail("byte")
		return 0
	}
	b := d.Buf[0]
	d.Buf = d.Buf[1:]
	return b
}

// Len reads a length and checks that at least min*length bytes remain, so a
// corrupt length cannot trigger a huge allocation.
func (d *Decoder) Len(min int) int {
	n := d.Uvarint()
	if d.Err != nil {
		return 0
	}
	if n > uint64(len(d.Buf)) || (min > 0 && n*uint64(min) > uint64(len(d.Buf))) {
		d.fail("length")
		return 0
	}
	return int(n)
}

// Next returns the next n bytes (no copy).
func (d *Decoder) Next(n int) []byte {
	if n < 0 || len(d.Buf) < n {
		d.fail("bytes")
		return nil
	}
	b := d.Buf[:n:n]
	d.Buf = d.Buf[n:]
	return b
}

// Bytes reads a length-prefixed byte string (copied).
func (d *Decoder) Bytes() []byte {
	n := d.Len(1)
	return append([]byte(nil), d.Next(n)...)
}

// String reads a length-prefixed string.
func (d *Decoder) String() string { return string(d.Next(d.Len(1))) }

// EncodeColumn appends the column's encoding.
func EncodeColumn(e *Encoder, c *Column) {
	n := c.Len()
	e.Byte(byte(c.Type))
	e.Uvarint(uint64(c.Dim))
	e.Uvarint(uint64(n))
	if c.Valid == nil {
		e.Byte(0)
	} else {
		e.Byte(1)
		e.Buf = append(e.Buf, packBools(c.Valid)...)
	}
	switch c.Type {
	case TypeBool:
		e.Buf = append(e.Buf, packBools(c.Bools)...)
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		for _, v := range c.Ints {
			e.Varint(v)
		}
	case TypeFloat, TypeDouble:
		out := e.grow(8 * len(c.Floats))
		for i, v := range c.Floats {
			binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(v))
		}
	case TypeVarChar:
		for _, s := range c.Strings {
			e.String(s)
		}
	case TypeJSON, TypeArray:
		for _, b := range c.Raw {
			e.Bytes(b)
		}
	case TypeSparseFloatVector:
		encodeSparse(e, c.Sparse)
	case TypeBinaryVector:
		e.Buf = append(e.Buf, c.Bits...)
	case TypeFloat16Vector, TypeBFloat16Vector:
		out := e.grow(2 * len(c.Halfs))
		for i, h := range c.Halfs {
			binary.LittleEndian.PutUint16(out[2*i:], h)
		}
	case TypeFloatVector:
		out := e.grow(4 * n * c.Dim)
		_ = c.VectorParts(func(first int, vs []float32) error {
			putFloat32s(out[4*first*c.Dim:], vs)
			return nil
		})
	}
}

// grow extends Buf by n bytes (one allocation at most) and returns them.
func (e *Encoder) grow(n int) []byte {
	e.Buf = slices.Grow(e.Buf, n)
	start := len(e.Buf)
	e.Buf = e.Buf[:start+n]
	return e.Buf[start:]
}

// DecodeColumn reads a column written by EncodeColumn.
func DecodeColumn(d *Decoder) Column {
	c := Column{Type: DataType(d.Byte()), Dim: int(d.Uvarint())}
	// Every row takes at least one bit (Bool columns pack eight rows a
	// byte), which bounds a corrupt row count before anything is allocated.
	rows := d.Uvarint()
	if d.Err == nil && rows > 8*uint64(len(d.Buf)) {
		d.fail("length")
	}
	n := 0
	if d.Err == nil {
		n = int(rows)
	}
	if c.Dim < 0 || c.Dim > MaxDim {
		d.fail("dim")
	}
	if d.Err != nil {
		return c
	}
	if d.Byte() == 1 {
		c.Valid = unpackBools(d.Next((n+7)/8), n)
	}
	switch c.Type {
	case TypeBool:
		c.Bools = unpackBools(d.Next((n+7)/8), n)
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		c.Ints = make([]int64, 0, min(n, len(d.Buf)))
		for i := 0; i < n && d.Err == nil; i++ {
			c.Ints = append(c.Ints, d.Varint())
		}
	case TypeFloat, TypeDouble:
		b := d.Next(8 * n)
		if d.Err == nil {
			c.Floats = make([]float64, n)
			for i := range c.Floats {
				c.Floats[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
		}
	case TypeVarChar:
		c.Strings = make([]string, 0, min(n, len(d.Buf)))
		for i := 0; i < n && d.Err == nil; i++ {
			c.Strings = append(c.Strings, d.String())
		}
	case TypeJSON, TypeArray:
		c.Raw = make([][]byte, 0, min(n, len(d.Buf)))
		for i := 0; i < n && d.Err == nil; i++ {
			c.Raw = append(c.Raw, d.Bytes())
		}
	case TypeSparseFloatVector:
		c.Sparse = decodeSparse(d, n)
	case TypeBinaryVector:
		if b := d.Next(n * (c.Dim / 8)); d.Err == nil {
			c.Bits = bytes.Clone(b)
		}
	case TypeFloat16Vector, TypeBFloat16Vector:
		if b := d.Next(2 * n * c.Dim); d.Err == nil {
			c.Halfs = make([]uint16, n*c.Dim)
			for i := range c.Halfs {
				c.Halfs[i] = binary.LittleEndian.Uint16(b[2*i:])
			}
		}
	case TypeFloatVector:
		c.Vectors = decodeFloat32s(d, n*c.Dim)
	default:
		d.fail("column type")
	}
	return c
}

func decodeFloat32s(d *Decoder, n int) []float32 {
	b := d.Next(4 * n)
	if d.Err != nil {
		return nil
	}
	out := make([]float32, n)
	if littleEndian && n > 0 {
		// The encoding is the machine's own: one memmove (the loop below
		// was 5 % of a replica's CPU while applying inserts).
		copy(out, unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n))
		return out
	}
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// putFloat32s writes vs little-endian into out (4*len(vs) bytes).
func putFloat32s(out []byte, vs []float32) {
	if littleEndian && len(vs) > 0 {
		copy(unsafe.Slice((*float32)(unsafe.Pointer(&out[0])), len(vs)), vs)
		return
	}
	for i, v := range vs {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
	}
}

func packBools(v []bool) []byte {
	out := make([]byte, (len(v)+7)/8)
	for i, b := range v {
		if b {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return out
}

func unpackBools(b []byte, n int) []bool {
	if len(b)*8 < n {
		return nil
	}
	out := make([]bool, n)
	for i := range out {
		out[i] = b[i/8]&(1<<(i%8)) != 0
	}
	return out
}

// EncodeBatch appends the batch's encoding.
func EncodeBatch(e *Encoder, b *Batch) {
	e.Uvarint(uint64(len(b.Columns)))
	for i := range b.Columns {
		EncodeColumn(e, &b.Columns[i])
	}
}

// DecodeBatch reads a batch and checks it against the schema: one column per
// field of the right type and dimension, all of equal length.
func DecodeBatch(d *Decoder, s *Schema) (*Batch, error) {
	n := d.Len(1)
	if d.Err == nil && n != len(s.Fields) {
		return nil, fmt.Errorf("%w: batch has %d columns, schema %d fields", ErrCorrupt, n, len(s.Fields))
	}
	b := &Batch{Columns: make([]Column, 0, n)}
	for i := 0; i < n && d.Err == nil; i++ {
		c := DecodeColumn(d)
		f := &s.Fields[i]
		if d.Err == nil && (c.Type != f.Type || c.Dim != f.Dim) {
			return nil, fmt.Errorf("%w: column %d is %s/%d, field %q is %s/%d", ErrCorrupt, i, c.Type, c.Dim, f.Name, f.Type, f.Dim)
		}
		b.Columns = append(b.Columns, c)
	}
	if d.Err != nil {
		return nil, d.Err
	}
	for i := range b.Columns {
		if b.Columns[i].Len() != b.Columns[0].Len() {
			return nil, fmt.Errorf("%w: columns of unequal length", ErrCorrupt)
		}
	}
	return b, nil
}

// MarshalBinary encodes the batch with EncodeBatch. encoding/gob (the
// node-to-node RPC that forwards writes to a shard leader) uses it instead
// of its own encoding, which writes every float of a vector on its own.
func (b *Batch) MarshalBinary() ([]byte, error) {
	var e Encoder
	EncodeBatch(&e, b)
	return e.Buf, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote. The receiver checks
// the batch against its schema (shards validate every write).
func (b *Batch) UnmarshalBinary(data []byte) error {
	d := &Decoder{Buf: data}
	n := d.Len(1)
	cols := make([]Column, 0, n)
	for i := 0; i < n && d.Err == nil; i++ {
		cols = append(cols, DecodeColumn(d))
	}
	switch {
	case d.Err != nil:
		return d.Err
	case len(d.Buf) != 0:
		return fmt.Errorf("%w: %d bytes after a batch", ErrCorrupt, len(d.Buf))
	}
	for i := range cols {
		if cols[i].Len() != cols[0].Len() {
			return fmt.Errorf("%w: columns of unequal length", ErrCorrupt)
		}
	}
	b.Columns = cols
	return nil
}
