package fsm

import (
	"fmt"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/segment"
)

// restoreCommitLocked adopts a segment restored from a backup into a new
// collection: its chunks are already in object storage under the new
// collection's keys (c.Chunks, written before the entry), the entry carries
// its scalar columns (c.Rows), its deletion flags at backup time
// (c.Excluded[0], a roaring bitmap over its rows) and its index files
// (c.Indexes, copied too). Deleted rows keep their slots, so the index
// files, built over every row, stay valid; they stay out of the
// primary-key index.
//
// The output ID is a plain segment ID of the shard (base + n), taken in
// order before the shard's own growing segments would take it: the entry
// moves the shard's segment counter past n, so no growing segment ever
// takes it (and writes its chunks over the restored ones). A restore
// writes into a collection nobody else writes to yet, so n is above the
// counter on the first commit; a commit of a segment the shard holds is
// replayed (Replayed), and one whose ID is already used otherwise (a
// growing segment, or the restored one compacted meanwhile) is refused:
// the server's idempotency key (Command.Key) replays those retries first.
func (sh *Shard) restoreCommitLocked(c *Command) Result {
	if g, ok := sh.mu.byID[c.Output]; ok {
		return Result{Count: int64(g.Live()), Replayed: true}
	}
	n := c.Output - sh.base
	if c.Output&^(1<<24-1) != sh.base || c.Output&CompactionOutputBit != 0 || n < 1 {
		return Result{Err: fmt.Errorf("%w: restore output %d is not a segment ID of this shard", ErrBadCommand, c.Output)}
	}
	if n <= sh.mu.nextSeg {
		return Result{Err: fmt.Errorf("%w: restore output %d: the shard has used that segment ID already", ErrBadCommand, c.Output)}
	}
	rows := importRows(c.Chunks)
	if rows == 0 || c.Rows == nil {
		return Result{Err: fmt.Errorf("%w: restore commit of segment %d without rows", ErrBadCommand, c.Output)}
	}
	del := roaring.New()
	if len(c.Excluded) > 0 && len(c.Excluded[0]) > 0 {
		if _, err := del.FromBuffer(c.Excluded[0]); err != nil || del.Validate() != nil {
			return Result{Err: fmt.Errorf("%w: restore commit of segment %d: bad deletion bitmap", ErrBadCommand, c.Output)}
		}
		del = del.Clone() // detach from the entry's buffer
	}
	if !del.IsEmpty() && del.Maximum() >= uint32(rows) {
		return Result{Err: fmt.Errorf("%w: restore commit of segment %d flags row %d of %d", ErrBadCommand, c.Output, del.Maximum(), rows)}
	}
	for _, x := range c.Indexes {
		if x.Key == "" || x.Name == "" {
			return Result{Err: fmt.Errorf("%w: restore commit of segment %d: index file without name or key", ErrBadCommand, c.Output)}
		}
	}
	if err := sh.restoreAbsentLocked(c.Rows, rows, del); err != nil {
		return Result{Err: err}
	}
	out := segment.New(c.Output, c.Partition, sh.schema)
	for f := range out.Columns {
		if !sh.schema.Fields[f].Type.IsDense() {
			out.Columns[f] = c.Rows.Columns[f]
		}
	}
	if err := sh.attachChunksLocked(out, c.Chunks, rows); err != nil {
		return Result{Err: err}
	}
	out.Deleted = del
	for _, x := range c.Indexes {
		out.SetIndex(x)
	}
	pki := sh.schema.PrimaryIndex()
	for row := 0; row < rows; row++ {
		if !del.Contains(uint32(row)) {
			sh.mu.pk.Put(out.Columns[pki].Value(row), segment.Ref{Segment: out.ID, Row: int32(row)})
		}
	}
	sh.mu.nextSeg = n
	sh.mu.segments = append(sh.mu.segments, out)
	sortSegments(sh.mu.segments)
	sh.mu.byID[out.ID] = out
	sh.mu.writes.note(out.ID, 0, sh.mu.applied, sh.mu.leaderTime)
	return Result{Count: int64(out.Live())}
}

// restoreAbsentLocked checks the scalar columns cover rows rows and that
// no primary key of a row not in del repeats or is live in the shard.
func (sh *Shard) restoreAbsentLocked(b *segment.Batch, rows int, del *roaring.Bitmap) error {
	for f := range b.Columns {
		if !sh.schema.Fields[f].Type.IsDense() && b.Columns[f].Len() != rows {
			return fmt.Errorf("%w: restore column %q has %d rows, chunks %d", ErrBadCommand, sh.schema.Fields[f].Name, b.Columns[f].Len(), rows)
		}
	}
	pk := &b.Columns[sh.schema.PrimaryIndex()]
	seen := make(map[any]struct{}, rows)
	var dups []string
	for i := 0; i < rows && len(dups) < 10; i++ {
		if del.Contains(uint32(i)) {
			continue
		}
		k := pk.Value(i)
		_, again := seen[k]
		seen[k] = struct{}{}
		if _, live := sh.mu.pk.Get(k); again || live {
			dups = append(dups, fmt.Sprint(k))
		}
	}
	if len(dups) > 0 {
		return fmt.Errorf("%w: %s", ErrDuplicateKey, strings.Join(dups, ", "))
	}
	return nil
}

// encodeRestore appends a RestoreCommit: its output, chunks and scalar
// columns (as an import commit's, but its own format: the two evolve
// apart), then the deletion bitmap and the index files.
func encodeRestore(e *segment.Encoder, c *Command) {
	encodeAdopted(e, c)
	var del []byte
	if len(c.Excluded) > 0 {
		del = c.Excluded[0]
	}
	e.Bytes(del)
	e.Uvarint(uint64(len(c.Indexes)))
	for i := range c.Indexes {
		x := &c.Indexes[i]
		e.String(x.Name)
		e.Varint(x.Field)
		e.String(x.Type)
		e.String(x.Key)
		e.Uvarint(uint64(x.Checksum))
		e.Varint(x.Version)
	}
}

// decodeRestore reads what encodeRestore wrote, checking the scalar
// columns against the schema.
func decodeRestore(d *segment.Decoder, c *Command, s *segment.Schema) error {
	if err := decodeAdopted(d, c, s, "restore"); err != nil {
		return err
	}
	c.Excluded = [][]byte{d.Bytes()}
	n := d.Len(6)
	for i := 0; i < n && d.Err == nil; i++ {
		x := segment.IndexRef{Name: d.String(), Field: d.Varint(), Type: d.String(), Key: d.String()}
		x.Checksum = uint32(d.Uvarint())
		x.Version = d.Varint()
		c.Indexes = append(c.Indexes, x)
	}
	return d.Err
}
