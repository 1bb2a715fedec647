package fsm

import (
	"fmt"

	"github.com/raftvec/raftvec/segment"
)

// sealLocked seals one growing segment (or all when id == 0). An empty
// growing segment is dropped instead; a sealed segment whose rows are all
// flushed becomes Flushed at once.
func (sh *Shard) sealLocked(id int64) Result {
	var n int64
	for part, g := range sh.mu.growing {
		if id != 0 && g.ID != id {
			continue
		}
		delete(sh.mu.growing, part)
		n++
		if g.Rows() == 0 {
			sh.removeSegmentLocked(g.ID)
			continue
		}
		g.State = segment.Sealed
		sh.maybeFlushedLocked(g)
	}
	return Result{Count: n}
}

// chunkFlushedLocked appends a flushed chunk to a segment's manifest. A
// duplicate (a chunk that does not start at the segment's flushed row
// count) is a no-op, so a leader retrying after a crash is harmless.
func (sh *Shard) chunkFlushedLocked(id int64, c *segment.Chunk) Result {
	g, ok := sh.mu.byID[id]
	if !ok || c == nil || c.FromRow != g.FlushedRows() {
		return Result{}
	}
	if c.ToRow <= c.FromRow || c.ToRow > int64(g.Rows()) || len(c.Keys) != len(g.Columns) || len(c.Checksums) != len(g.Columns) {
		return Result{Err: fmt.Errorf("%w: chunk [%d, %d) of segment %d does not fit it", ErrBadCommand, c.FromRow, c.ToRow, id)}
	}
	g.Chunks = append(g.Chunks, *c)
	sh.maybeFlushedLocked(g)
	return Result{Count: c.ToRow - c.FromRow}
}

// maybeFlushedLocked marks a sealed segment whose rows are all in object
// storage Flushed, and drops its vectors from memory: readers load them
// back on demand (segment/lazy.go), so a replica that serves no search on
// it never holds them.
func (sh *Shard) maybeFlushedLocked(g *segment.Segment) {
	if g.State == segment.Sealed && g.FlushedRows() == int64(g.Rows()) {
		g.State = segment.Flushed
		g.EvictVectors(sh.schema, sh.load)
	}
}

func (sh *Shard) removeSegmentLocked(id int64) {
	delete(sh.mu.byID, id)
	delete(sh.mu.writes, id)
	for i, g := range sh.mu.segments {
		if g.ID == id {
			sh.mu.segments = append(sh.mu.segments[:i], sh.mu.segments[i+1:]...)
			return
		}
	}
}

// deltaFlushedLocked records a segment's latest delta log. An older or
// duplicate one (a retry) is a no-op, as is one for a segment compacted
// away meanwhile.
func (sh *Shard) deltaFlushedLocked(id int64, d *segment.Delta) Result {
	g, ok := sh.mu.byID[id]
	if !ok || d == nil || (g.Delta != nil && d.Index <= g.Delta.Index) {
		return Result{}
	}
	if d.Count > int64(g.Deleted.GetCardinality()) || d.Key == "" {
		return Result{Err: fmt.Errorf("%w: delta log %d of segment %d flags more rows than are deleted", ErrBadCommand, d.Index, id)}
	}
	cp := *d
	g.Delta = &cp
	return Result{Count: d.Count}
}

// indexedLocked records a flushed segment's file of one index (a segment
// carries one file per per-segment index, each on its own field). A
// duplicate, or one for a segment compacted away meanwhile, is a no-op. A
// file of the same index built under an older fencing token than the
// recorded one (a late report from a builder the task was taken from) is
// refused.
func (sh *Shard) indexedLocked(id int64, x *segment.IndexRef) Result {
	g, ok := sh.mu.byID[id]
	if !ok || x == nil {
		return Result{}
	}
	cur := g.IndexNamed(x.Name)
	if cur != nil && cur.Key == x.Key {
		return Result{}
	}
	if cur != nil && x.Version < cur.Version {
		return Result{Err: fmt.Errorf("%w: index %q of segment %d: build version %d is older than the recorded %d",
			ErrBadCommand, x.Name, id, x.Version, cur.Version)}
	}
	if g.State != segment.Flushed || x.Key == "" {
		return Result{Err: fmt.Errorf("%w: index for segment %d in state %s", ErrBadCommand, id, g.State)}
	}
	g.SetIndex(*x)
	g.EvictVectors(sh.schema, sh.load) // searches go through the index now
	return Result{Count: int64(g.Rows())}
}
