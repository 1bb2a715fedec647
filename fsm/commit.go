package fsm

import (
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/segment"
)

// CompactionOutputBit marks segment IDs made by compaction workers: a
// worker names its output base | CompactionOutputBit | token, so the output
// exists before the entry that commits it and cannot collide with the
// shard's own counter.
const CompactionOutputBit = 1 << 23

// compactCommitLocked swaps a worker's compaction output in for its inputs.
// The output holds every input row the worker did not exclude, in input
// order; rows deleted since the worker read its inputs are flagged deleted
// in the output, so no delete is lost. Rows the worker left out that are
// not deleted (it found them expired) leave the primary-key index with
// them; the rows kept keep their write times. The worker may have built the
// output's index file too (c.Index): the output is then searched through
// an index from the moment it replaces its inputs. A commit whose inputs are gone (a
// stale or repeated task) is rejected and changes nothing.
func (sh *Shard) compactCommitLocked(c *Command) Result {
	inputs, err := sh.compactInputsLocked(c.Segments)
	if err != nil {
		return Result{Err: err}
	}
	if len(c.Excluded) != len(inputs) {
		return Result{Err: fmt.Errorf("%w: %d exclusion sets for %d inputs", ErrBadCommand, len(c.Excluded), len(inputs))}
	}
	if _, taken := sh.mu.byID[c.Output]; taken || c.Output&CompactionOutputBit == 0 || c.Output&^(1<<24-1) != sh.base {
		return Result{Err: fmt.Errorf("%w: compaction output %d is not a free output ID of this shard", ErrBadCommand, c.Output)}
	}
	out := segment.New(c.Output, inputs[0].Partition, sh.schema)
	var gone []uint32 // output rows deleted since the worker read
	var times []int64 // the output rows' write times
	var dropped []any // keys of live rows left out (expired when the worker read)
	pki := sh.schema.PrimaryIndex()
	rows := 0
	for i, g := range inputs {
		excl := roaring.New()
		if _, err := excl.FromBuffer(c.Excluded[i]); err != nil || excl.Validate() != nil {
			return Result{Err: fmt.Errorf("%w: exclusion set of input %d: %v", ErrBadCommand, g.ID, err)}
		}
		cur := timeCursor{runs: sh.mu.writes[g.ID]}
		for row := 0; row < g.Rows(); row++ {
			t := cur.at(row)
			if excl.Contains(uint32(row)) {
				if !g.IsDeleted(row) {
					dropped = append(dropped, g.Columns[pki].Value(row))
				}
				continue
			}
			if g.IsDeleted(row) {
				gone = append(gone, uint32(rows))
			}
			sh.copyScalarsLocked(out, g, row)
			times = append(times, t)
			rows++
		}
	}
	if err := sh.attachChunksLocked(out, c.Chunks, rows); err != nil {
		return Result{Err: err}
	}
	if c.Index != nil { // built by the worker over exactly these rows
		if c.Index.Key == "" {
			return Result{Err: fmt.Errorf("%w: compaction output index without a file", ErrBadCommand)}
		}
		out.SetIndex(*c.Index)
	}
	for _, pk := range dropped {
		sh.mu.pk.Delete(pk) // the only live row of its key was left out
	}
	sh.swapLocked(inputs, out, gone, times)
	return Result{Count: int64(out.Live())}
}

// copyScalarsLocked appends the scalar values of one input row to a
// compaction output; its vectors are in the output's chunks (the worker
// wrote them), and stay there until a reader loads them.
func (sh *Shard) copyScalarsLocked(out, g *segment.Segment, row int) {
	for f := range out.Columns {
		if !sh.schema.Fields[f].Type.IsDense() {
			out.Columns[f].Append(&g.Columns[f], row)
		}
	}
}

// attachChunksLocked records the worker's chunks; they must cover the
// output's rows exactly.
func (sh *Shard) attachChunksLocked(out *segment.Segment, chunks []segment.Chunk, rows int) error {
	var next int64
	for _, ch := range chunks {
		if ch.FromRow != next || ch.ToRow <= ch.FromRow || len(ch.Keys) != len(out.Columns) || len(ch.Checksums) != len(out.Columns) {
			return fmt.Errorf("%w: compaction output chunk %d [%d, %d) does not fit", ErrBadCommand, ch.Index, ch.FromRow, ch.ToRow)
		}
		next = ch.ToRow
	}
	if next != int64(rows) {
		return fmt.Errorf("%w: compaction output chunks cover %d rows, the output has %d", ErrBadCommand, next, rows)
	}
	out.Chunks = chunks
	out.State = segment.Flushed
	if rows > 0 {
		out.VectorsInStorage(sh.schema, sh.load, rows)
	}
	return nil
}

// swapLocked replaces the inputs by the output in the state and the pk
// index; times are the output rows' write times.
func (sh *Shard) swapLocked(inputs []*segment.Segment, out *segment.Segment, gone []uint32, times []int64) {
	for _, g := range inputs {
		sh.removeSegmentLocked(g.ID)
	}
	for _, row := range gone {
		out.Deleted.Add(row)
	}
	pki := sh.schema.PrimaryIndex()
	for row := 0; row < out.Rows(); row++ {
		if !out.IsDeleted(row) {
			sh.mu.pk.Put(out.Columns[pki].Value(row), segment.Ref{Segment: out.ID, Row: int32(row)})
		}
	}
	if out.Rows() == 0 {
		return
	}
	sh.mu.segments = append(sh.mu.segments, out)
	sortSegments(sh.mu.segments)
	sh.mu.byID[out.ID] = out
	for row, t := range times { // rewritten by this commit, written when its input rows were
		sh.mu.writes.noteCopy(out.ID, row, sh.mu.applied, t)
	}
}
