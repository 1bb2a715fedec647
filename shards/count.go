package shards

import (
	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// count returns how many rows a query selects: collect's rows, without
// materialising them. count(*) over a million rows used to box every
// primary key into a million-entry slice (0.2 to 1 s per count); with no
// filter a segment's count is its rows less the deleted and expired ones.
func (r *Replica) count(v fsm.View, spec ReadSpec, ids []any, guard scanGuard) (int64, error) {
	if ids != nil {
		refs, err := r.collect(v, spec, ids, guard)
		return int64(len(refs)), err
	}
	pki := r.fsm.Schema().PrimaryIndex()
	var n int64
	for _, g := range v.Segments() {
		if !spec.includes(g) {
			continue
		}
		if spec.Filter == nil {
			if err := guard.check(0); err != nil {
				return 0, err
			}
			n += int64(g.Rows() - int(spec.dead(g).GetCardinality()))
			continue
		}
		if cand, ok := spec.candidates(g); ok {
			r.countScalarRead()
			refs, err := collectCandidates(g, spec, cand, pki, guard, nil)
			if err != nil {
				return 0, err
			}
			n += int64(len(refs))
			continue
		}
		c, err := countScan(g, spec, guard)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// countScan counts the rows of g that match spec, row by row.
func countScan(g *segment.Segment, spec ReadSpec, guard scanGuard) (int64, error) {
	var n int64
	rows := g.Rows()
	for lo := 0; lo < rows; lo += index.ScanChunk {
		hi := min(lo+index.ScanChunk, rows)
		if err := guard.check(hi - lo); err != nil {
			return 0, err
		}
		for row := lo; row < hi; row++ {
			if spec.match(g, row) {
				n++
			}
		}
	}
	return n, nil
}

// dead returns the rows of g a read leaves out whatever its filter:
// deleted or expired at the read's time. The result must not be modified.
func (s *ReadSpec) dead(g *segment.Segment) *roaring.Bitmap {
	if x := s.expired[g.ID]; x != nil && !x.IsEmpty() {
		return roaring.Or(g.Deleted, x)
	}
	return g.Deleted
}
