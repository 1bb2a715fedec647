package fsm

import (
	"fmt"
	"strings"

	"github.com/raftvec/raftvec/segment"
)

// importCommitLocked adopts a segment a bulk-import worker built off the
// log: its vector columns are already in the chunk objects (c.Chunks), and
// the entry carries only the scalar columns (c.Rows, dense vector columns
// empty) and the partition. The output ID is named like a compaction
// output (base | CompactionOutputBit | an ID the coordinator allocated for
// this job, file and shard), so the entry is idempotent: a retried commit
// of a segment the shard holds changes nothing and reports Replayed.
//
// Import does not upsert: a key that is live in the shard, or repeated in
// the file, rejects the whole entry (ErrDuplicateKey), as an insert would.
// As for an insert, a key whose row has expired under the entry's TTL (by
// the shard's leader time) is free: the imported row replaces it, and the
// expired row is flagged deleted. The entry is stamped with the leader's
// time like an insert, so imported rows are written at the time of their
// commit even when no other entry came for a while.
func (sh *Shard) importCommitLocked(c *Command) Result {
	if g, ok := sh.mu.byID[c.Output]; ok {
		return Result{Count: int64(g.Rows()), Replayed: true}
	}
	if c.Output&CompactionOutputBit == 0 || c.Output&^(1<<24-1) != sh.base {
		return Result{Err: fmt.Errorf("%w: import output %d is not a free output ID of this shard", ErrBadCommand, c.Output)}
	}
	rows := importRows(c.Chunks)
	if rows == 0 || c.Rows == nil {
		return Result{Err: fmt.Errorf("%w: import commit of segment %d without rows", ErrBadCommand, c.Output)}
	}
	if err := sh.importAbsentLocked(c.Rows, rows, c.TTL); err != nil {
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
	pki := sh.schema.PrimaryIndex()
	for row := 0; row < rows; row++ {
		k := out.Columns[pki].Value(row)
		if old, ok := sh.mu.pk.Get(k); ok { // expired (importAbsentLocked)
			sh.mu.byID[old.Segment].Delete(int(old.Row))
		}
		sh.mu.pk.Put(k, segment.Ref{Segment: out.ID, Row: int32(row)})
	}
	sh.mu.segments = append(sh.mu.segments, out)
	sortSegments(sh.mu.segments)
	sh.mu.byID[out.ID] = out
	sh.mu.writes.note(out.ID, 0, sh.mu.applied, sh.mu.leaderTime)
	return Result{Count: int64(rows), MinPK: minIntPK(c.Rows, pki)}
}

// importAbsentLocked checks the scalar columns cover rows rows and that no
// primary key repeats or is live (held and not expired under ttl) in the
// shard.
func (sh *Shard) importAbsentLocked(b *segment.Batch, rows int, ttl int64) error {
	for f := range b.Columns {
		if !sh.schema.Fields[f].Type.IsDense() && b.Columns[f].Len() != rows {
			return fmt.Errorf("%w: import column %q has %d rows, chunks %d", ErrBadCommand, sh.schema.Fields[f].Name, b.Columns[f].Len(), rows)
		}
	}
	pk := &b.Columns[sh.schema.PrimaryIndex()]
	seen := make(map[any]struct{}, rows)
	var dups []string
	for i := 0; i < rows && len(dups) < 10; i++ {
		k := pk.Value(i)
		_, again := seen[k]
		seen[k] = struct{}{}
		if old, held := sh.mu.pk.Get(k); again || (held && !sh.expiredLocked(old, ttl)) {
			dups = append(dups, fmt.Sprint(k))
		}
	}
	if len(dups) > 0 {
		return fmt.Errorf("%w: %s", ErrDuplicateKey, strings.Join(dups, ", "))
	}
	return nil
}

// importAbortLocked takes back an import commit (segment c.Output) when
// another shard refused its part of the same file, so that a file is
// imported all or nothing. An output no longer held (never committed, or
// compacted meanwhile) is left as is.
func (sh *Shard) importAbortLocked(id int64) Result {
	g, ok := sh.mu.byID[id]
	if !ok || id&CompactionOutputBit == 0 {
		return Result{}
	}
	pki := sh.schema.PrimaryIndex()
	var n int64
	for row := 0; row < g.Rows(); row++ {
		k := g.Columns[pki].Value(row)
		if ref, live := sh.mu.pk.Get(k); live && ref.Segment == id {
			sh.mu.pk.Delete(k)
			n++
		}
	}
	sh.removeSegmentLocked(id)
	return Result{Count: n}
}

// importRows is the number of rows chunks cover (0 when they are not
// contiguous from row 0; attachChunksLocked reports why).
func importRows(chunks []segment.Chunk) int {
	if len(chunks) == 0 {
		return 0
	}
	return int(chunks[len(chunks)-1].ToRow)
}

// encodeImport appends an ImportCommit's output, chunks and scalar
// columns (the dense vector columns are in the chunks).
func encodeImport(e *segment.Encoder, c *Command) {
	encodeAdopted(e, c)
	encodeStamp(e, c) // entries before it end with the columns
}

// decodeImport reads what encodeImport wrote, checking the scalar columns
// against the schema.
func decodeImport(d *segment.Decoder, c *Command, s *segment.Schema) error {
	if err := decodeAdopted(d, c, s, "import"); err != nil {
		return err
	}
	decodeStamp(d, c)
	return d.Err
}
