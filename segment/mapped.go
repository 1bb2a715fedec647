package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"unsafe"
)

// Mapper maps an object read-only from a file on this machine (the local
// object store, or the node's chunk cache). ok is false when the object
// cannot be mapped (no local file, or mapping failed); the caller then
// reads it with a Loader. unmap releases the mapping; it is called once,
// when no reader can reach the bytes any more.
type Mapper func(key string) (b []byte, unmap func() error, ok bool)

// A mapped column (mapped.go) is a vectorParts with mapped set: one part
// per chunk, aliasing the chunk file's float bytes, so the column costs the
// Go heap a few words per chunk instead of its rows. The mappings are
// released by a cleanup once the parts are unreachable: readers touch a
// column only while its shard's read lock keeps the segment in the state
// (and so its parts reachable), and copy the vectors they return
// (shards.entity), so no slice of mapped memory outlives its mapping.

// littleEndian: chunk files store floats little-endian; they are read in
// place only on a machine of the same byte order.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// errNotMappable says a chunk file cannot be read in place (the column is
// then read onto the heap); it never reaches callers.
var errNotMappable = errors.New("segment: chunk not mappable")

// mapField maps field f of every chunk. ok is false when some chunk has no
// local file or its layout cannot be read in place (nullable rows): the
// caller reads the column onto the heap instead.
func (g *Segment) mapField(m Mapper, f int, fl *Field) (col Column, ok bool, err error) {
	if !littleEndian || fl.Type != TypeFloatVector || fl.Dim <= 0 {
		return Column{}, false, nil
	}
	mv := &vectorParts{dim: fl.Dim, rows: g.lz.rows, mapped: true}
	var unmaps []func() error
	for _, c := range g.Chunks {
		v, unmap, err := g.mapChunkField(m, c, f, fl)
		if unmap != nil {
			unmaps = append(unmaps, unmap)
		}
		if err != nil {
			unmapAll(unmaps)
			if errors.Is(err, errNotMappable) {
				err = nil
			}
			return Column{}, false, err
		}
		mv.starts = append(mv.starts, int(c.FromRow))
		mv.parts = append(mv.parts, v)
	}
	if end := int(g.FlushedRows()); end != mv.rows {
		unmapAll(unmaps)
		return Column{}, false, fmt.Errorf("%w: segment %d: chunks hold %d rows of field %q, the segment %d", ErrCorrupt, g.ID, end, fl.Name, mv.rows)
	}
	runtime.AddCleanup(mv, unmapAll, unmaps)
	return Column{Type: fl.Type, Dim: fl.Dim, parts: mv}, true, nil
}

func unmapAll(unmaps []func() error) {
	for _, u := range unmaps {
		_ = u()
	}
}

// mapChunkField maps one chunk's object of field f and returns its rows in
// place, after verifying the manifest checksum and the file's own.
func (g *Segment) mapChunkField(m Mapper, c Chunk, f int, fl *Field) ([]float32, func() error, error) {
	if f >= len(c.Keys) || f >= len(c.Checksums) {
		return nil, nil, fmt.Errorf("%w: segment %d: chunk %d has no object for field %d", ErrCorrupt, g.ID, c.Index, f)
	}
	key := c.Keys[f]
	b, unmap, ok := m(key)
	if !ok {
		return nil, unmap, errNotMappable
	}
	if Checksum(b) != c.Checksums[f] {
		return nil, unmap, fmt.Errorf("%w: segment %d: object %s does not match its manifest checksum", ErrCorrupt, g.ID, key)
	}
	v, err := chunkVectorsInPlace(b, fl, int(c.ToRow-c.FromRow))
	if err != nil {
		return nil, unmap, fmt.Errorf("segment %d: %s: %w", g.ID, key, err)
	}
	return v, unmap, nil
}

// chunkVectorsInPlace returns the float rows of a vector chunk file (see
// EncodeChunkFile) without copying them. It checks what DecodeChunkFile
// checks; a chunk with a validity bitmap is not read in place.
func chunkVectorsInPlace(b []byte, fl *Field, rows int) ([]float32, error) {
	if len(b) < len(chunkMagic)+4 || string(b[:len(chunkMagic)]) != chunkMagic {
		return nil, fmt.Errorf("%w: not a chunk file", ErrCorrupt)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: chunk file checksum mismatch", ErrCorrupt)
	}
	d := &Decoder{Buf: body[len(chunkMagic):]}
	id := int64(d.Uvarint())
	typ, dim, n := DataType(d.Byte()), int(d.Uvarint()), d.Uvarint()
	valid := d.Byte()
	if d.Err != nil || id != fl.ID || typ != fl.Type || dim != fl.Dim || n != uint64(rows) {
		return nil, fmt.Errorf("%w: chunk file holds other data than its manifest says", ErrCorrupt)
	}
	if valid != 0 {
		return nil, errNotMappable
	}
	floats := d.Next(4 * rows * dim)
	if d.Err != nil || len(d.Buf) != 0 {
		return nil, fmt.Errorf("%w: chunk file of %d rows has %d bytes", ErrCorrupt, rows, len(b))
	}
	if len(floats) == 0 {
		return []float32{}, nil
	}
	// Chunk files are read-only mappings, never modified in place; floats
	// may be unaligned, which loads of plain values allow on the machines
	// Go runs on (the distance kernels use unaligned loads).
	return unsafe.Slice((*float32)(unsafe.Pointer(&floats[0])), rows*dim), nil
}

// Mapped reports whether the column's rows are mapped from chunk files
// rather than on the Go heap.
func (c *Column) Mapped() bool { return c.parts != nil && c.parts.mapped }

// readOnly panics when c is mapped: its rows are a file's, not to be
// appended to (only fully flushed segments are mapped, and they take no
// rows).
func (c *Column) readOnly(op string) {
	if c.Mapped() {
		panic(fmt.Sprintf("segment: %s on a vector column mapped from chunk files", op))
	}
}
