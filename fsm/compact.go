package fsm

import (
	"fmt"

	"github.com/raftvec/raftvec/segment"
)

// compactLocked rewrites the given sealed segments of one partition into
// one new sealed segment holding only their live rows, in input order, and
// drops the inputs (merge when there are several, compaction of deleted
// rows when there is one). Because it is applied at its place in the log,
// deletes before it are dropped with the rows and deletes after it find the
// rows in the new segment: none is lost. The new segment is flushed again by
// the leader; the inputs' objects become garbage for GC. Rows expired under
// ttl (ms; 0: none) by the shard's leader time are left out like deleted
// ones; the rows kept keep their write times.
func (sh *Shard) compactLocked(ids []int64, ttl int64) Result {
	inputs, err := sh.compactInputsLocked(ids)
	if err != nil {
		return Result{Err: err}
	}
	sh.mu.nextSeg++
	out := segment.New(sh.base+sh.mu.nextSeg, inputs[0].Partition, sh.schema)
	out.State = segment.Sealed
	pki := sh.schema.PrimaryIndex()
	live := segment.NewBatch(sh.schema)
	var times []int64
	for _, g := range inputs {
		if !g.AllResident() {
			// KindCompact is proposed only without object storage, where
			// nothing is flushed and so every column is in memory.
			panic(fmt.Sprintf("fsm: KindCompact of segment %d whose vectors are in object storage", g.ID))
		}
		cur := timeCursor{runs: sh.mu.writes[g.ID]}
		for row := 0; row < g.Rows(); row++ {
			t := cur.at(row)
			if g.IsDeleted(row) {
				continue
			}
			if ttl > 0 && len(cur.runs) > 0 && t+ttl <= sh.mu.leaderTime {
				sh.mu.pk.Delete(g.Columns[pki].Value(row)) // expired: left out
				continue
			}
			for f := range live.Columns {
				live.Columns[f].Append(&g.Columns[f], row)
			}
			times = append(times, t)
		}
		sh.removeSegmentLocked(g.ID)
	}
	for i := 0; i < live.Rows(); i++ {
		row := out.Append(live, i)
		sh.mu.pk.Put(live.Columns[pki].Value(i), segment.Ref{Segment: out.ID, Row: int32(row)})
		sh.mu.writes.noteCopy(out.ID, row, sh.mu.applied, times[i])
	}
	if out.Rows() == 0 {
		return Result{}
	}
	sh.mu.segments = append(sh.mu.segments, out)
	sh.mu.byID[out.ID] = out
	return Result{Count: int64(out.Rows())}
}

func (sh *Shard) compactInputsLocked(ids []int64) ([]*segment.Segment, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: compaction of no segments", ErrBadCommand)
	}
	var inputs []*segment.Segment
	seen := map[int64]bool{}
	for _, id := range ids {
		g, ok := sh.mu.byID[id]
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: compaction input %d does not exist (already compacted?)", ErrBadCommand, id)
		case seen[id]:
			return nil, fmt.Errorf("%w: compaction input %d given twice", ErrBadCommand, id)
		case g.State == segment.Growing:
			return nil, fmt.Errorf("%w: compaction input %d is still growing", ErrBadCommand, id)
		case g.Partition != sh.mu.byID[ids[0]].Partition:
			return nil, fmt.Errorf("%w: compaction inputs span partitions", ErrBadCommand)
		}
		seen[id] = true
		inputs = append(inputs, g)
	}
	return inputs, nil
}
