package fsm

import (
	"fmt"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/segment"
)

// writeRun says that a segment's rows from row on (up to the next run)
// were appended by the log entry at index: an insert or upsert, or, for a
// compaction output, the commit that wrote it. time is the rows' write
// time: the shard's leader time (unix ms) once that entry was applied,
// which TTL expiry counts from; a compaction output keeps each input row's
// time, so its runs change time where its inputs' did.
type writeRun struct {
	row   int32
	index uint64
	time  int64
}

// writeLog maps a segment ID to its runs, in row order. It is part of the
// state (encoded after the idempotency keys, the runs' times after that;
// snapshots written before either existed decode without them), so every
// replica answers "which entry wrote this row, and when" alike. It costs
// one run per entry that appended to a segment.
type writeLog map[int64][]writeRun

// note records that the entry at index appended rows from row on to seg
// at leader time t. An entry that appends to one segment twice (rows of
// several partition keys go to several segments) keeps its first run.
func (w writeLog) note(seg int64, row int, index uint64, t int64) {
	runs := w[seg]
	if n := len(runs); n > 0 && runs[n-1].index == index {
		return
	}
	w[seg] = append(runs, writeRun{row: int32(row), index: index, time: t})
}

// noteCopy records that the entry at index wrote row of seg (the next
// one) as a copy of a row written at time t: a compaction output's rows
// keep their inputs' times, one run per change of time.
func (w writeLog) noteCopy(seg int64, row int, index uint64, t int64) {
	runs := w[seg]
	if n := len(runs); n > 0 && runs[n-1].index == index && runs[n-1].time == t {
		return
	}
	w[seg] = append(runs, writeRun{row: int32(row), index: index, time: t})
}

// at returns the index of the entry that wrote a row of seg (false when
// it is unknown: rows restored from a snapshot older than the write log).
func (w writeLog) at(seg int64, row int) (uint64, bool) {
	r, ok := w.run(seg, row)
	return r.index, ok && r.index != 0
}

// run returns the run holding a row of seg.
func (w writeLog) run(seg int64, row int) (writeRun, bool) {
	runs := w[seg]
	i := sort.Search(len(runs), func(i int) bool { return int(runs[i].row) > row })
	if i == 0 {
		return writeRun{}, false
	}
	return runs[i-1], true
}

// expired returns the rows of seg (rows rows) written at or before cutoff
// (nil when there are none): one range per run, so it costs a pass over
// the segment's runs, not its rows. Rows without a run never expire.
func (w writeLog) expired(seg int64, rows int, cutoff int64) *roaring.Bitmap {
	runs := w[seg]
	var out *roaring.Bitmap
	for i, r := range runs {
		if r.time > cutoff {
			continue
		}
		end := rows
		if i+1 < len(runs) {
			end = int(runs[i+1].row)
		}
		if out == nil {
			out = roaring.New()
		}
		out.AddRange(uint64(r.row), uint64(end))
	}
	return out
}

// timeCursor walks a segment's rows in order and tells each one's write
// time in amortized constant time.
type timeCursor struct {
	runs []writeRun
	i    int
}

// at returns the write time of row, which must not be smaller than the
// previous call's (0 for a segment without runs).
func (c *timeCursor) at(row int) int64 {
	for c.i+1 < len(c.runs) && int(c.runs[c.i+1].row) <= row {
		c.i++
	}
	if len(c.runs) == 0 {
		return 0
	}
	return c.runs[c.i].time
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

// encodeTimes writes the number of runs, then their times in the order
// encode wrote the runs, as varint deltas: a section of its own after the
// runs, so that snapshots written before it decode.
func (w writeLog) encodeTimes(e *segment.Encoder, segs []*segment.Segment) {
	n := 0
	for _, g := range segs {
		n += len(w[g.ID])
	}
	e.Uvarint(uint64(n))
	var t int64
	for _, g := range segs {
		for _, r := range w[g.ID] {
			e.Varint(r.time - t)
			t = r.time
		}
	}
}

// decodeTimes reads what encodeTimes wrote into the runs of the segments
// in order (the order decodeWriteLog read them in). An empty d (a snapshot
// from before the times) leaves every run at fallback.
func (w writeLog) decodeTimes(d *segment.Decoder, order []int64, fallback int64) {
	have := len(d.Buf) > 0
	total := 0
	for _, id := range order {
		total += len(w[id])
	}
	if have && d.Len(1) != total && d.Err == nil {
		d.Err = fmt.Errorf("%w: write times for a different number of runs than %d", segment.ErrCorrupt, total)
	}
	var t int64
	for _, id := range order {
		runs := w[id]
		for i := range runs {
			runs[i].time = fallback
			if have {
				t += d.Varint()
				runs[i].time = t
			}
		}
	}
}

// decodeWriteLog reads what encode wrote, and the order of its segments;
// an empty d (a snapshot from before the write log) gives an empty log.
func decodeWriteLog(d *segment.Decoder) (writeLog, []int64) {
	w := writeLog{}
	var order []int64
	if len(d.Buf) == 0 {
		return w, nil
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
		order = append(order, id)
	}
	return w, order
}
