package segment

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/RoaringBitmap/roaring/v2"
)

// Chunk is one flushed run of a segment's rows, [FromRow, ToRow): one object
// per field in object storage, listed in schema order with their CRC-32C.
type Chunk struct {
	Index     int64
	FromRow   int64
	ToRow     int64
	Keys      []string
	Checksums []uint32
	Bytes     int64 // total size of the chunk's objects
}

func (c *Chunk) encode(e *Encoder) {
	e.Varint(c.Index)
	e.Varint(c.FromRow)
	e.Varint(c.ToRow)
	e.Varint(c.Bytes)
	e.Uvarint(uint64(len(c.Keys)))
	for i, k := range c.Keys {
		e.String(k)
		e.Buf = binary.LittleEndian.AppendUint32(e.Buf, c.Checksums[i])
	}
}

func decodeChunk(d *Decoder) Chunk {
	c := Chunk{Index: d.Varint(), FromRow: d.Varint(), ToRow: d.Varint(), Bytes: d.Varint()}
	n := d.Len(5)
	for i := 0; i < n && d.Err == nil; i++ {
		c.Keys = append(c.Keys, d.String())
		if b := d.Next(4); d.Err == nil {
			c.Checksums = append(c.Checksums, binary.LittleEndian.Uint32(b))
		}
	}
	return c
}

// EncodeChunk encodes the Chunk manifest (for log entries).
func EncodeChunk(e *Encoder, c *Chunk) { c.encode(e) }

// DecodeChunk decodes what EncodeChunk wrote.
func DecodeChunk(d *Decoder) Chunk { return decodeChunk(d) }

// FlushedRows is the number of leading rows already in object storage.
func (g *Segment) FlushedRows() int64 {
	if len(g.Chunks) == 0 {
		return 0
	}
	return g.Chunks[len(g.Chunks)-1].ToRow
}

const chunkMagic = "RVCHUNK1"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// EncodeChunkFile returns the object for rows [from, to) of one field: the
// magic "RVCHUNK1", the field ID (uvarint), the column encoding of the rows
// (EncodeColumn), and a little-endian CRC-32C of everything before it. The
// same rows always give the same bytes, so a retried upload is idempotent.
func EncodeChunkFile(fieldID int64, c *Column, from, to int) []byte {
	sl := c.Slice(from, to)
	// Sized for the fixed-width values up front: growing a chunk of many
	// MB by doubling was a fifth of an import's CPU.
	e := &Encoder{Buf: make([]byte, 0, 64+len(chunkMagic)+4*len(sl.Vectors)+2*len(sl.Halfs)+len(sl.Bits)+8*(len(sl.Ints)+len(sl.Floats))+len(sl.Bools))}
	e.Buf = append(e.Buf, chunkMagic...)
	e.Uvarint(uint64(fieldID))
	EncodeColumn(e, &sl)
	return binary.LittleEndian.AppendUint32(e.Buf, crc32.Checksum(e.Buf, castagnoli))
}

// DecodeChunkFile checks a chunk object's checksum and decodes its column.
func DecodeChunkFile(b []byte) (fieldID int64, c Column, err error) {
	if len(b) < len(chunkMagic)+4 || string(b[:len(chunkMagic)]) != chunkMagic {
		return 0, c, fmt.Errorf("%w: not a chunk file", ErrCorrupt)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return 0, c, fmt.Errorf("%w: chunk file checksum mismatch", ErrCorrupt)
	}
	d := &Decoder{Buf: body[len(chunkMagic):]}
	fieldID = int64(d.Uvarint())
	c = DecodeColumn(d)
	if d.Err != nil {
		return 0, c, d.Err
	}
	return fieldID, c, nil
}

// Checksum returns the CRC-32C of an object, as recorded in a Chunk.
func Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// Slice returns rows [from, to) of the column, sharing its storage.
func (c *Column) Slice(from, to int) Column {
	c.readOnly("Slice")
	if c.parts != nil {
		return c.parts.slice(c, from, to)
	}
	out := Column{Type: c.Type, Dim: c.Dim}
	if c.Valid != nil {
		out.Valid = c.Valid[from:to]
	}
	switch c.Type {
	case TypeBool:
		out.Bools = c.Bools[from:to]
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		out.Ints = c.Ints[from:to]
	case TypeFloat, TypeDouble:
		out.Floats = c.Floats[from:to]
	case TypeVarChar:
		out.Strings = c.Strings[from:to]
	case TypeJSON, TypeArray:
		out.Raw = c.Raw[from:to]
	case TypeSparseFloatVector:
		out.Sparse = c.Sparse[from:to]
	case TypeFloat16Vector, TypeBFloat16Vector:
		out.Halfs = c.Halfs[from*c.Dim : to*c.Dim]
	case TypeBinaryVector:
		out.Bits = c.Bits[from*(c.Dim/8) : to*(c.Dim/8)]
	case TypeFloatVector:
		out.Vectors = c.Vectors[from*c.Dim : to*c.Dim]
	}
	return out
}

// Bytes estimates the in-memory size of rows [from, to): fixed-size values
// at their width, strings and JSON at their length.
func (c *Column) Bytes(from, to int) int64 {
	n := int64(to - from)
	switch c.Type {
	case TypeBool:
		return n
	case TypeFloatVector:
		return n * int64(c.Dim) * 4
	case TypeFloat16Vector, TypeBFloat16Vector:
		return n * int64(c.Dim) * 2
	case TypeBinaryVector:
		return n * int64(c.Dim/8)
	case TypeVarChar:
		var s int64
		for _, v := range c.Strings[from:to] {
			s += int64(len(v)) + 2
		}
		return s
	case TypeJSON, TypeArray:
		var s int64
		for _, v := range c.Raw[from:to] {
			s += int64(len(v)) + 2
		}
		return s
	case TypeSparseFloatVector:
		var s int64
		for _, v := range c.Sparse[from:to] {
			s += v.Bytes()
		}
		return s
	}
	return n * 8
}

// Bytes estimates the in-memory size of rows [from, to) of the segment.
// For a segment with columns out of memory (lazy.go) it is the size of the
// chunk objects holding those rows.
func (g *Segment) Bytes(from, to int) int64 {
	var s int64
	if from >= to {
		return 0
	}
	if g.lz != nil {
		for _, c := range g.Chunks {
			if c.ToRow > int64(from) && c.FromRow < int64(to) {
				s += c.Bytes
			}
		}
		return s
	}
	for i := range g.Columns {
		s += g.Columns[i].Bytes(from, to)
	}
	return s
}

// AppendAll appends every row of src (same type and dim) to c.
func (c *Column) AppendAll(src *Column) {
	c.readOnly("AppendAll")
	n, m := c.Len(), src.Len()
	if src.Valid != nil || c.Valid != nil {
		if c.Valid == nil {
			c.Valid = make([]bool, n, n+m)
			for i := range c.Valid {
				c.Valid[i] = true
			}
		}
		for i := 0; i < m; i++ {
			c.Valid = append(c.Valid, !src.IsNull(i))
		}
	}
	c.Bools = append(c.Bools, src.Bools...)
	c.Ints = append(c.Ints, src.Ints...)
	c.Floats = append(c.Floats, src.Floats...)
	c.Strings = append(c.Strings, src.Strings...)
	c.Raw = append(c.Raw, src.Raw...)
	c.Sparse = append(c.Sparse, src.Sparse...)
	c.Halfs = append(c.Halfs, src.Halfs...)
	c.Bits = append(c.Bits, src.Bits...)
	_ = src.VectorParts(func(_ int, v []float32) error {
		if c.parts != nil {
			c.parts.appendRows(v)
		} else {
			c.Vectors = append(c.Vectors, v...)
		}
		return nil
	})
}

// LoadFlushed rebuilds a segment whose rows are all in the given chunks,
// fetching them with load and verifying their checksums (compaction
// workers read their inputs this way).
func LoadFlushed(s *Schema, id, partition int64, chunks []Chunk, load Loader) (*Segment, error) {
	g := &Segment{ID: id, Partition: partition, State: Flushed, Chunks: chunks, Deleted: roaring.New()}
	if err := g.hydrate(s, NewBatch(s).Columns, load); err != nil {
		return nil, err
	}
	return g, nil
}
