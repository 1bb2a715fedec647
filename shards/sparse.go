package shards

import (
	"encoding/gob"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

func init() {
	// A sparse field's values travel to remote callers inside Entity.Values
	// ([]any).
	gob.Register(segment.SparseVector{})
}

// sparseRows views a SparseFloatVector column for package index.
type sparseRows []segment.SparseVector

func (s sparseRows) Len() int { return len(s) }
func (s sparseRows) Row(i int) index.SparseVector {
	return index.SparseVector{Indices: s[i].Indices, Values: s[i].Values}
}

// sparseKey names a segment's derived inverted index of one field.
type sparseKey struct{ field int }

// sparseSegment is a final segment's inverted index of one sparse field
// with the total length of its rows (for BM25).
type sparseSegment struct {
	x     *index.SparseIndex
	total float64
}

// sparseIndex returns g's inverted index of field f, built on first use:
// a sealed segment's rows never change, so the index lives as long as the
// segment (its deletion flags reach searches as a filter).
func sparseIndex(g *segment.Segment, f int) *sparseSegment {
	v, _ := g.Derived(sparseKey{f}, func() (any, error) {
		x := index.BuildSparseIndex(sparseRows(g.Columns[f].Sparse))
		total, _ := x.TotalLength(nil)
		return &sparseSegment{x: x, total: total}, nil
	})
	return v.(*sparseSegment)
}

// liveLength is the total length of g's live rows (expired rows, given
// apart from the deleted ones, excluded too).
func (s *sparseSegment) liveLength(g *segment.Segment, expired *roaring.Bitmap) float64 {
	gone := g.Deleted
	if expired != nil {
		gone = roaring.Or(g.Deleted, expired)
	}
	t := s.total
	it := gone.Iterator()
	for it.HasNext() {
		if r := int(it.Next()); r < s.x.Len() {
			t -= float64(s.x.RowLength(r))
		}
	}
	return t
}

func sparseOptions(req *SearchRequest) index.SparseOptions {
	o := index.SparseOptions{DropRatioSearch: req.DropRatio}
	if req.BM25 != nil {
		o.BM25 = &index.BM25{K1: req.BM25.K1, B: req.BM25.B, AvgDL: req.BM25.AvgDL}
	}
	return o
}

func sparseQueries(qs []segment.SparseVector) []index.SparseVector {
	out := make([]index.SparseVector, len(qs))
	for i, q := range qs {
		out[i] = index.SparseVector{Indices: q.Indices, Values: q.Values}
	}
	return out
}

// searchSparse searches one segment's sparse field: a final segment
// through its inverted index, a growing one exactly.
func searchSparse(g *segment.Segment, req *SearchRequest, p index.SearchParams) ([][]index.Hit, error) {
	qs, o := sparseQueries(req.Sparse), sparseOptions(req)
	if g.State == segment.Growing {
		return index.SearchSparseFlat(sparseRows(g.Columns[req.AnnsField].Sparse), qs, p, o)
	}
	return sparseIndex(g, req.AnnsField).x.Search(qs, p, o)
}

// termStats sums, over every live row of the shard (all partitions: the
// statistics describe the collection, not a search's scope), the BM25
// statistics of req.Sparse's terms. Deleted and expired rows never count
// (spec has the expired ones), so the figures are the same before and
// after a compaction drops them.
func (r *Replica) termStats(v fsm.View, spec ReadSpec, req *SearchRequest, guard scanGuard) (*TermStats, error) {
	st := &TermStats{DF: make([][]int64, len(req.Sparse))}
	for q := range req.Sparse {
		st.DF[q] = make([]int64, len(req.Sparse[q].Indices))
	}
	f := req.AnnsField
	for _, g := range v.Segments() {
		if err := guard.check(0); err != nil {
			return nil, err
		}
		expired := spec.expired[g.ID]
		st.Docs += int64(g.Live())
		if expired != nil {
			st.Docs -= int64(roaring.AndNot(expired, g.Deleted).GetCardinality())
		}
		live := func(row int64) bool { return !g.IsDeleted(int(row)) && !spec.isExpired(g, int(row)) }
		if g.State == segment.Growing {
			growingStats(g, f, req.Sparse, live, st)
			continue
		}
		s := sparseIndex(g, f)
		st.Length += s.liveLength(g, expired)
		for q, qv := range req.Sparse {
			for t, term := range qv.Indices {
				st.DF[q][t] += int64(s.x.DocFreq(term, live))
			}
		}
	}
	return st, nil
}

// growingStats adds a growing segment's live rows to st by a scan.
func growingStats(g *segment.Segment, f int, qs []segment.SparseVector, live func(int64) bool, st *TermStats) {
	for row, doc := range g.Columns[f].Sparse {
		if !live(int64(row)) {
			continue
		}
		st.Length += doc.Sum()
		for q, qv := range qs {
			for t, term := range qv.Indices {
				if _, ok := slices.BinarySearch(doc.Indices, term); ok {
					st.DF[q][t]++
				}
			}
		}
	}
}
