package segment

import (
	"fmt"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
)

// State is a segment's place in its lifecycle.
type State uint8

// Segment states.
const (
	Growing State = iota + 1
	Sealed
	Flushed
	Indexed
	Dropped
)

var stateNames = [...]string{"", "Growing", "Sealed", "Flushed", "Indexed", "Dropped"}

func (s State) String() string {
	if int(s) < len(stateNames) && s > 0 {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Segment is a columnar run of rows of one partition of one shard, with
// deletion flags. Rows are only appended; a deleted row keeps its slot and is
// flagged.
type Segment struct {
	ID        int64
	Partition int64
	State     State
	Columns   []Column
	Deleted   *roaring.Bitmap
	// Chunks lists the flushed runs of rows, in row order, contiguous from
	// row 0.
	Chunks []Chunk
	// Delta is the latest delta log of the deletion flags, if any.
	Delta *Delta
	// Indexes are the segment's index files, one per collection index
	// built per segment (each on its own vector field), in name order.
	Indexes []IndexRef

	lz *lazyCols // non-nil once a column was evicted or never loaded (lazy.go)

	derivedOnce sync.Once
	derived     *derived // derived.go
}

// New returns an empty growing segment for the schema.
func New(id, partition int64, s *Schema) *Segment {
	b := NewBatch(s)
	return &Segment{ID: id, Partition: partition, State: Growing, Columns: b.Columns, Deleted: roaring.New()}
}

// Rows returns the number of rows, deleted ones included.
func (g *Segment) Rows() int {
	if g.lz != nil {
		return g.lz.rows
	}
	if len(g.Columns) == 0 {
		return 0
	}
	return g.Columns[0].Len()
}

// Live returns the number of rows not deleted.
func (g *Segment) Live() int { return g.Rows() - int(g.Deleted.GetCardinality()) }

// Append appends row i of b and returns its row number in the segment.
func (g *Segment) Append(b *Batch, i int) int {
	row := g.Rows()
	for f := range g.Columns {
		g.Columns[f].Append(&b.Columns[f], i)
	}
	return row
}

// AppendBatch appends every row of b and returns the row number of the
// first. It takes ownership of b's vector arrays (AdoptVectors): the
// caller must not modify b afterwards.
func (g *Segment) AppendBatch(b *Batch) int {
	row := g.Rows()
	for f := range g.Columns {
		c, src := &g.Columns[f], &b.Columns[f]
		if c.Type == TypeFloatVector && src.parts == nil && src.Valid == nil && c.Valid == nil {
			c.AdoptVectors(src.Vectors)
		} else {
			c.AppendAll(src)
		}
	}
	return row
}

// Delete flags a row as deleted; it reports whether the row was live.
func (g *Segment) Delete(row int) bool { return g.Deleted.CheckedAdd(uint32(row)) }

// IsDeleted reports whether a row is flagged deleted.
func (g *Segment) IsDeleted(row int) bool { return g.Deleted.Contains(uint32(row)) }

// Value implements RowReader.
func (g *Segment) Value(f, row int) any { return g.Columns[f].Value(row) }

// Encode appends the segment's deterministic encoding: its manifest of
// flushed chunks, then only the rows not yet flushed (the tail), then the
// deletion flags of all rows. Flushed rows live in object storage and are
// covered by the chunk checksums.
func (g *Segment) Encode(e *Encoder) {
	e.Varint(g.ID)
	e.Varint(g.Partition)
	e.Byte(byte(g.State))
	e.Uvarint(uint64(len(g.Chunks)))
	for i := range g.Chunks {
		g.Chunks[i].encode(e)
	}
	from, rows := int(g.FlushedRows()), g.Rows()
	e.Uvarint(uint64(len(g.Columns)))
	for i := range g.Columns {
		// An empty tail encodes the same whether or not the column is in
		// memory (lazy.go), so replicas agree whatever they hold.
		tail := Column{Type: g.Columns[i].Type, Dim: g.Columns[i].Dim}
		if from < rows {
			tail = g.Columns[i].Slice(from, rows)
		}
		EncodeColumn(e, &tail)
	}
	if g.Delta == nil {
		e.Byte(0)
	} else {
		e.Byte(1)
		g.Delta.encode(e)
	}
	encodeIndexRefs(e, g.Indexes)
	if g.deltaCovers() { // the flags are in the delta log object
		e.Byte(1)
		return
	}
	e.Byte(0)
	// DeltaFile optimizes a copy: Encode is a read (callers hold only a
	// read lock while others read the flags), so it must not mutate them.
	bm, _ := g.DeltaFile()
	e.Bytes(bm)
}

// Loader fetches an object (a chunk file) by key.
type Loader func(key string) ([]byte, error)

// DecodeSegment reads a segment written by Encode and checks it against the
// schema. The rows of flushed chunks are fetched with load and verified
// against the manifest's checksums; load may be nil when there are none.
func DecodeSegment(d *Decoder, s *Schema, load Loader) (*Segment, error) {
	g := &Segment{ID: d.Varint(), Partition: d.Varint(), State: State(d.Byte())}
	nc := d.Len(4)
	for i := 0; i < nc && d.Err == nil; i++ {
		g.Chunks = append(g.Chunks, decodeChunk(d))
	}
	n := d.Len(1)
	if d.Err == nil && n != len(s.Fields) {
		return nil, fmt.Errorf("%w: segment %d has %d columns, schema %d fields", ErrCorrupt, g.ID, n, len(s.Fields))
	}
	tail := make([]Column, 0, n)
	for i := 0; i < n && d.Err == nil; i++ {
		c := DecodeColumn(d)
		if f := &s.Fields[i]; d.Err == nil && (c.Type != f.Type || c.Dim != f.Dim) {
			return nil, fmt.Errorf("%w: segment %d column %d is %s/%d, field %q is %s/%d", ErrCorrupt, g.ID, i, c.Type, c.Dim, f.Name, f.Type, f.Dim)
		}
		tail = append(tail, c)
	}
	if d.Byte() == 1 {
		dl := decodeDelta(d)
		g.Delta = &dl
	}
	g.Indexes = decodeIndexRefs(d)
	inDelta := d.Byte() == 1
	var bm []byte
	if !inDelta {
		bm = d.Bytes()
	}
	if d.Err != nil {
		return nil, d.Err
	}
	if err := g.restoreDeleted(inDelta, bm, load); err != nil {
		return nil, err
	}
	if lazyTail(g, tail, load) {
		return g, g.openLazy(s, load)
	}
	if err := g.hydrate(s, tail, load); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Segment) restoreDeleted(inDelta bool, bm []byte, load Loader) error {
	if !inDelta {
		return g.decodeDeleted(bm)
	}
	if g.Delta == nil {
		return fmt.Errorf("%w: segment %d: flags said to be in a missing delta log", ErrCorrupt, g.ID)
	}
	return g.loadDelta(load)
}

func (g *Segment) decodeDeleted(bm []byte) error {
	g.Deleted = roaring.New()
	if _, err := g.Deleted.FromBuffer(bm); err != nil {
		return fmt.Errorf("%w: deletion bitmap: %v", ErrCorrupt, err)
	}
	// FromBuffer does not check container contents; an invalid bitmap
	// would panic later (e.g. in RunOptimize when re-encoding).
	if err := g.Deleted.Validate(); err != nil {
		return fmt.Errorf("%w: deletion bitmap: %v", ErrCorrupt, err)
	}
	g.Deleted = g.Deleted.Clone() // detach from the decode buffer
	return nil
}

// lazyTail reports whether a decoded segment can open lazily: sealed, with
// chunks and no unflushed rows.
func lazyTail(g *Segment, tail []Column, load Loader) bool {
	if load == nil || g.State < Flushed || g.State == Dropped || len(g.Chunks) == 0 {
		return false
	}
	for i := range tail {
		if tail[i].Len() != 0 {
			return false
		}
	}
	return true
}

// openLazy opens a restored lazy segment with its scalar columns in memory
// (the primary-key index and deletes need them) and its vectors left in
// object storage until a reader loads them.
func (g *Segment) openLazy(s *Schema, load Loader) error {
	rows := int(g.FlushedRows())
	g.Columns = NewBatch(s).Columns
	g.lz = &lazyCols{rows: rows, schema: s, load: load, missing: make([]bool, len(s.Fields))}
	var scalars []int
	for i := range s.Fields {
		g.lz.missing[i] = true
		if !s.Fields[i].Type.IsDense() {
			scalars = append(scalars, i)
		}
	}
	if err := g.checkChunks(len(s.Fields)); err != nil {
		return err
	}
	return g.Load(scalars...)
}

// hydrate rebuilds the columns: every chunk's rows from object storage,
// then the tail.
func (g *Segment) hydrate(s *Schema, tail []Column, load Loader) error {
	g.Columns = NewBatch(s).Columns
	for _, c := range g.Chunks {
		if load == nil {
			return fmt.Errorf("segment %d has flushed chunks but no object storage to load them from", g.ID)
		}
		if err := g.loadChunk(s, c, load); err != nil {
			return err
		}
	}
	for i := range tail {
		if tail[i].Len() != tail[0].Len() {
			return fmt.Errorf("%w: segment %d columns of unequal length", ErrCorrupt, g.ID)
		}
		g.Columns[i].AppendAll(&tail[i])
	}
	return g.checkChunks(len(s.Fields))
}

func (g *Segment) loadChunk(s *Schema, c Chunk, load Loader) error {
	if len(c.Keys) != len(s.Fields) || len(c.Checksums) != len(s.Fields) || int64(g.Rows()) != c.FromRow {
		return fmt.Errorf("%w: segment %d: bad chunk %d", ErrCorrupt, g.ID, c.Index)
	}
	for f, key := range c.Keys {
		b, err := load(key)
		if err != nil {
			return fmt.Errorf("segment %d: loading %s: %w", g.ID, key, err)
		}
		if Checksum(b) != c.Checksums[f] {
			return fmt.Errorf("%w: segment %d: object %s does not match its manifest checksum", ErrCorrupt, g.ID, key)
		}
		id, col, err := DecodeChunkFile(b)
		if err != nil {
			return fmt.Errorf("segment %d: %s: %w", g.ID, key, err)
		}
		fl := &s.Fields[f]
		if id != fl.ID || col.Type != fl.Type || col.Dim != fl.Dim || int64(col.Len()) != c.ToRow-c.FromRow {
			return fmt.Errorf("%w: segment %d: object %s holds other data than its manifest says", ErrCorrupt, g.ID, key)
		}
		g.Columns[f].AppendAll(&col)
	}
	return nil
}

// checkChunks verifies the manifest: contiguous from row 0, within the
// segment, one key and checksum per field.
func (g *Segment) checkChunks(fields int) error {
	var next int64
	for _, c := range g.Chunks {
		if c.FromRow != next || c.ToRow <= c.FromRow || c.ToRow > int64(g.Rows()) ||
			len(c.Keys) != fields || len(c.Checksums) != fields {
			return fmt.Errorf("%w: segment %d: bad chunk %d [%d, %d)", ErrCorrupt, g.ID, c.Index, c.FromRow, c.ToRow)
		}
		next = c.ToRow
	}
	return nil
}
