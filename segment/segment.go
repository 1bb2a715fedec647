package segment

import (
	"fmt"

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
}

// New returns an empty growing segment for the schema.
func New(id, partition int64, s *Schema) *Segment {
	b := NewBatch(s)
	return &Segment{ID: id, Partition: partition, State: Growing, Columns: b.Columns, Deleted: roaring.New()}
}

// Rows returns the number of rows, deleted ones included.
func (g *Segment) Rows() int {
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

// Delete flags a row as deleted; it reports whether the row was live.
func (g *Segment) Delete(row int) bool { return g.Deleted.CheckedAdd(uint32(row)) }

// IsDeleted reports whether a row is flagged deleted.
func (g *Segment) IsDeleted(row int) bool { return g.Deleted.Contains(uint32(row)) }

// Value implements RowReader.
func (g *Segment) Value(f, row int) any { return g.Columns[f].Value(row) }

// Encode appends the segment's deterministic encoding.
func (g *Segment) Encode(e *Encoder) {
	e.Varint(g.ID)
	e.Varint(g.Partition)
	e.Byte(byte(g.State))
	e.Uvarint(uint64(len(g.Columns)))
	for i := range g.Columns {
		EncodeColumn(e, &g.Columns[i])
	}
	// Optimize a copy: Encode is a read (callers hold only a read lock while
	// others read the deletion flags), so it must not mutate g.Deleted.
	del := g.Deleted.Clone()
	del.RunOptimize()
	bm, err := del.ToBytes()
	if err != nil {
		panic(fmt.Sprintf("segment: encoding deletion bitmap: %v", err))
	}
	e.Bytes(bm)
}

// DecodeSegment reads a segment written by Encode and checks it against the
// schema.
func DecodeSegment(d *Decoder, s *Schema) (*Segment, error) {
	g := &Segment{ID: d.Varint(), Partition: d.Varint(), State: State(d.Byte())}
	n := d.Len(1)
	if d.Err == nil && n != len(s.Fields) {
		return nil, fmt.Errorf("%w: segment %d has %d columns, schema %d fields", ErrCorrupt, g.ID, n, len(s.Fields))
	}
	for i := 0; i < n && d.Err == nil; i++ {
		c := DecodeColumn(d)
		if f := &s.Fields[i]; d.Err == nil && (c.Type != f.Type || c.Dim != f.Dim) {
			return nil, fmt.Errorf("%w: segment %d column %d is %s/%d, field %q is %s/%d", ErrCorrupt, g.ID, i, c.Type, c.Dim, f.Name, f.Type, f.Dim)
		}
		g.Columns = append(g.Columns, c)
	}
	bm := d.Bytes()
	if d.Err != nil {
		return nil, d.Err
	}
	g.Deleted = roaring.New()
	if _, err := g.Deleted.FromBuffer(bm); err != nil {
		return nil, fmt.Errorf("%w: deletion bitmap: %v", ErrCorrupt, err)
	}
	// FromBuffer does not check container contents; an invalid bitmap
	// would panic later (e.g. in RunOptimize when re-encoding).
	if err := g.Deleted.Validate(); err != nil {
		return nil, fmt.Errorf("%w: deletion bitmap: %v", ErrCorrupt, err)
	}
	g.Deleted = g.Deleted.Clone() // detach from the decode buffer
	rows := g.Rows()
	for i := range g.Columns {
		if g.Columns[i].Len() != rows {
			return nil, fmt.Errorf("%w: segment %d columns of unequal length", ErrCorrupt, g.ID)
		}
	}
	return g, nil
}
