package segment

import (
	"fmt"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// lazyCols tracks the columns of a fully flushed segment that are not in
// memory. Every row of such a segment is in its chunk objects, so a column
// is a cache: dropping it (Evict) or reading it back (Load) changes nothing
// the segment encodes, and replicas may differ in what they hold.
type lazyCols struct {
	rows   int // the segment's row count, while some column is absent
	schema *Schema
	load   Loader

	mu      sync.Mutex // guards missing and the writes of Load
	missing []bool     // per field: the column is not in memory
}

// Lazy reports whether the segment can drop and reload columns: it is
// sealed and every row is in object storage.
func (g *Segment) Lazy() bool {
	return g.State >= Flushed && g.State != Dropped && len(g.Chunks) > 0 && g.FlushedRows() == int64(g.Rows())
}

// EvictVectors drops the vector columns of a lazy segment from memory;
// Load reads them back from the chunk objects with load. Scalar columns stay:
// deletes evaluate their filters on them while applying the log, where no
// I/O may happen. A segment that is not lazy keeps everything. The caller
// must exclude readers of the segment's columns (the shard's write lock).
func (g *Segment) EvictVectors(s *Schema, load Loader) {
	if !g.Lazy() || load == nil {
		return
	}
	g.vectorsAbsent(s, load, g.Rows())
}

// VectorsInStorage declares that a flushed segment built with only its
// scalar columns (a compaction output) has rows rows whose vectors are in
// its chunk objects, to be read with load (nil: none can be read).
func (g *Segment) VectorsInStorage(s *Schema, load Loader, rows int) {
	if g.State < Flushed || g.FlushedRows() != int64(rows) {
		panic(fmt.Sprintf("segment %d: vectors in storage but %s with %d of %d rows flushed", g.ID, g.State, g.FlushedRows(), rows))
	}
	g.vectorsAbsent(s, load, rows)
}

func (g *Segment) vectorsAbsent(s *Schema, load Loader, rows int) {
	if g.lz == nil {
		g.lz = &lazyCols{rows: rows, schema: s, load: load, missing: make([]bool, len(g.Columns))}
	}
	g.lz.mu.Lock()
	defer g.lz.mu.Unlock()
	for f := range s.Fields {
		if s.Fields[f].Type.IsDense() {
			g.Columns[f] = NewColumn(&s.Fields[f])
			g.lz.missing[f] = true
		}
	}
}

// Resident reports whether column f is in memory.
func (g *Segment) Resident(f int) bool {
	if g.lz == nil {
		return true
	}
	g.lz.mu.Lock()
	defer g.lz.mu.Unlock()
	return !g.lz.missing[f]
}

// Mapped reports whether column f is resident and mapped from its chunk
// files (outside the Go heap) rather than read onto the heap.
func (g *Segment) Mapped(f int) bool {
	if g.lz == nil {
		return false
	}
	g.lz.mu.Lock()
	defer g.lz.mu.Unlock()
	return !g.lz.missing[f] && g.Columns[f].Mapped()
}

// AllResident reports whether every column is in memory.
func (g *Segment) AllResident() bool {
	if g.lz == nil {
		return true
	}
	g.lz.mu.Lock()
	defer g.lz.mu.Unlock()
	return !slices.Contains(g.lz.missing, true)
}

// Load makes the named columns resident, reading absent ones from the chunk
// objects (checksums verified) onto the heap. Readers call it (or
// LoadMapped) before touching a column; it is safe for concurrent callers
// and needs no shard lock, so a slow object store can be waited for outside
// it. Reading a column that was not loaded panics in Column.Value.
func (g *Segment) Load(fields ...int) error { return g.LoadMapped(nil, fields...) }

// LoadMapped is Load that maps absent vector columns in place from their
// chunk files with m where every chunk has a local file (mapped.go), and
// reads the rest onto the heap. m may be nil.
func (g *Segment) LoadMapped(m Mapper, fields ...int) error {
	if g.lz == nil {
		return nil
	}
	g.lz.mu.Lock()
	defer g.lz.mu.Unlock()
	for _, f := range fields {
		if f < 0 || !g.lz.missing[f] {
			continue
		}
		if g.lz.load == nil {
			return fmt.Errorf("segment %d: field %q is in object storage, and there is none to read it from", g.ID, g.lz.schema.Fields[f].Name)
		}
		col, err := g.residentField(m, f)
		if err != nil {
			return err
		}
		g.Columns[f] = col
		g.lz.missing[f] = false
	}
	return nil
}

// residentField maps field f when m can, else reads it onto the heap.
func (g *Segment) residentField(m Mapper, f int) (Column, error) {
	if m != nil {
		col, ok, err := g.mapField(m, f, &g.lz.schema.Fields[f])
		if ok || err != nil {
			return col, err
		}
	}
	return g.loadField(f)
}

// loadField reads field f of every chunk into one column.
func (g *Segment) loadField(f int) (Column, error) {
	fl := &g.lz.schema.Fields[f]
	out := NewColumn(fl)
	if fl.Type == TypeFloatVector {
		out.Vectors = make([]float32, 0, g.lz.rows*fl.Dim)
	}
	for _, c := range g.Chunks {
		col, err := g.fetchChunkField(c, f, fl)
		if err != nil {
			return Column{}, err
		}
		out.AppendAll(&col)
	}
	if out.Len() != g.lz.rows {
		return Column{}, fmt.Errorf("%w: segment %d: chunks hold %d rows of field %q, the segment %d", ErrCorrupt, g.ID, out.Len(), fl.Name, g.lz.rows)
	}
	return out, nil
}

// fetchChunkField reads and verifies one field's object of a chunk.
func (g *Segment) fetchChunkField(c Chunk, f int, fl *Field) (Column, error) {
	if f >= len(c.Keys) || f >= len(c.Checksums) {
		return Column{}, fmt.Errorf("%w: segment %d: chunk %d has no object for field %d", ErrCorrupt, g.ID, c.Index, f)
	}
	key := c.Keys[f]
	b, err := g.lz.load(key)
	if err != nil {
		return Column{}, fmt.Errorf("segment %d: loading %s: %w", g.ID, key, err)
	}
	if Checksum(b) != c.Checksums[f] {
		return Column{}, fmt.Errorf("%w: segment %d: object %s does not match its manifest checksum", ErrCorrupt, g.ID, key)
	}
	id, col, err := DecodeChunkFile(b)
	if err != nil {
		return Column{}, fmt.Errorf("segment %d: %s: %w", g.ID, key, err)
	}
	if id != fl.ID || col.Type != fl.Type || col.Dim != fl.Dim || int64(col.Len()) != c.ToRow-c.FromRow {
		return Column{}, fmt.Errorf("%w: segment %d: object %s holds other data than its manifest says", ErrCorrupt, g.ID, key)
	}
	return col, nil
}

// LoadFlushedFields is LoadFlushed reading only the named fields (an index
// build needs its vector field, not the others); the rest stay absent.
func LoadFlushedFields(s *Schema, id, partition int64, chunks []Chunk, load Loader, fields ...int) (*Segment, error) {
	g := &Segment{ID: id, Partition: partition, State: Flushed, Chunks: chunks, Deleted: roaring.New(), Columns: NewBatch(s).Columns}
	g.lz = &lazyCols{rows: int(g.FlushedRows()), schema: s, load: load, missing: make([]bool, len(s.Fields))}
	for i := range g.lz.missing {
		g.lz.missing[i] = true
	}
	if err := g.checkChunks(len(s.Fields)); err != nil {
		return nil, err
	}
	if err := g.Load(fields...); err != nil {
		return nil, err
	}
	return g, nil
}
