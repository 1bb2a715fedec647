package fsm

import (
	"sort"

	"github.com/raftvec/raftvec/segment"
)

// writeRun says that a segment's rows from row on (up to the next run)
// were appended by the log entry at index: an insert or upsert, or, for a
// compaction output, the commit that wrote it.
type writeRun struct {
	row   int32
	index uint64
}

// writeLog maps a segment ID to its runs, in row order. It is part of the
// state (encoded after the idempotency keys; snapshots written before it
// existed decode with none), so every replica answers "which entry wrote
// this row" alike. It costs one run per entry that appended to a segment.
type writeLog map[int64][]writeRun

// note records that the entry at index appended rows from row on to seg.
// An entry that appends to one segment twice (rows of several partition
// keys go to several segments) keeps its first run.
func (w writeLog) note(seg int64, row int, index uint64) {
	runs := w[seg]
	if n := len(runs); n > 0 && runs[n-1].index == index {
		return
	}
	w[seg] = append(runs, writeRun{row: int32(row), index: index})
}

// at returns the index of the entry that wrote a row of seg.
func (w writeLog) at(seg int64, row int) (uint64, bool) {
	runs := w[seg]
	i := sort.Search(len(runs), func(i int) bool { return int(runs[i].row) > row })
	if i == 0 {
		return 0, false
	}
	return runs[i-1].index, true
}

// encode writes the runs of the given segments (sorted by ID), deltas as
// varints.
func (w writeLog) encode(e *segment.Encoder, segs []*segment.Segment) {
	n := 0
	for _, g := range segs {
		if len(w[g.ID]) > 0 {
			n++
		}
	}
	e.Uvarint(uint64(n))
	for _, g := range segs {
		runs := w[g.ID]
		if len(runs) == 0 {
			continue
		}
		e.Varint(g.ID)
		e.Uvarint(uint64(len(runs)))
		var row int32
		var index uint64
		for _, r := range runs {
			e.Uvarint(uint64(r.row - row))
			e.Uvarint(r.index - index)
			row, index = r.row, r.index
		}
	}
}

// decodeWriteLog reads what encode wrote; an empty d (a snapshot from
// before the write log) gives an empty log.
func decodeWriteLog(d *segment.Decoder) writeLog {
	w := writeLog{}
	if len(d.Buf) == 0 {
		return w
	}
	n := d.Len(2)
	for i := 0; i < n && d.Err == nil; i++ {
		id := d.Varint()
		m := d.Len(2)
		runs := make([]writeRun, 0, m)
		var row int32
		var index uint64
		for j := 0; j < m && d.Err == nil; j++ {
			row += int32(d.Uvarint())
			index += d.Uvarint()
			runs = append(runs, writeRun{row: row, index: index})
		}
		w[id] = runs
	}
	return w
}
