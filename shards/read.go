package shards

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// ReadSpec scopes a read on a replica: which partitions (nil = all) and
// which rows (a compiled filter; nil = all live rows).
type ReadSpec struct {
	Partitions map[int64]bool
	Filter     *expr.Filter
	// Terms are the filter's conjuncts on fields with a scalar index
	// (expr.IndexTerms): a sealed segment answers them from its index
	// (candidates) and only its candidate rows are evaluated.
	Terms []expr.IndexTerm
	// TTL is the collection's row time to live in ms (0: rows never
	// expire). A read leaves out the rows expired at its time: the later
	// of At and the leader time applied on the replica (fsm.View.Expired).
	TTL int64
	// At is the leader's clock (unix ms) when it granted the read index a
	// Strong read waited for; 0 for reads served without one.
	At int64

	expired map[int64]*roaring.Bitmap // per segment, set by expireIn
}

func (s *ReadSpec) includes(g *segment.Segment) bool {
	return s.Partitions == nil || s.Partitions[g.Partition]
}

func (s *ReadSpec) match(g *segment.Segment, row int) bool {
	return !g.IsDeleted(row) && !s.isExpired(g, row) && (s.Filter == nil || s.Filter.Match(g, row))
}

// isExpired reports whether a row has expired at the read's time.
func (s *ReadSpec) isExpired(g *segment.Segment, row int) bool {
	if s.expired == nil {
		return false
	}
	x := s.expired[g.ID]
	return x != nil && x.Contains(uint32(row))
}

// expireIn fixes the read's time (the later of At and v's leader time)
// and the rows of every segment that have expired by it (BM25 statistics
// cover partitions out of the read's scope). Call it at the start of the
// fsm.View the read runs in: expiry depends on that state alone, so every
// replica at the same applied index (given the same At) leaves out the
// same rows.
func (s *ReadSpec) expireIn(v fsm.View) {
	s.expired = nil
	if s.TTL <= 0 {
		return
	}
	now := max(v.LeaderTime(), s.At)
	for _, g := range v.Segments() {
		if x := v.Expired(g, s.TTL, now); x != nil {
			if s.expired == nil {
				s.expired = map[int64]*roaring.Bitmap{}
			}
			s.expired[g.ID] = x
		}
	}
}

// expiredLive returns the number of g's rows expired under ttl at now that
// are not deleted, and all its expired rows as a roaring bitmap (nil when
// none).
func expiredLive(v fsm.View, g *segment.Segment, ttl, now int64) (int64, []byte) {
	x := v.Expired(g, ttl, now)
	if x == nil {
		return 0, nil
	}
	b, err := x.ToBytes()
	if err != nil {
		return 0, nil // an in-memory bitmap always serializes
	}
	return int64(roaring.AndNot(x, g.Deleted).GetCardinality()), b
}

// ComparePK orders primary keys (int64 or string).
func ComparePK(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case string:
		return cmp.Compare(x, b.(string))
	}
	panic(fmt.Sprintf("shards: primary key of type %T", a))
}

type rowRef struct {
	g   *segment.Segment
	row int
	pk  any
}

// Query returns the live rows matching spec (or the given primary keys),
// sorted by primary key, at most limit of them (0 = all), with the values of
// the output fields. It stops, with an error wrapping ctx.Err(), once ctx
// is done (checked every index.ScanChunk rows).
func (r *Replica) Query(ctx context.Context, spec ReadSpec, ids []any, out []int, limit int, countOnly bool) (QueryResult, error) {
	var res QueryResult
	var err error
	guard := r.guard(ctx)
	if ids == nil {
		r.prefetchDerived(spec, nil)
	}
	r.fsm.View(func(v fsm.View) {
		spec.expireIn(v)
		if countOnly {
			res.Count, err = r.count(v, spec, ids, guard)
			return
		}
		var refs []rowRef
		if refs, err = r.collect(v, spec, ids, guard); err != nil {
			return
		}
		slices.SortFunc(refs, func(a, b rowRef) int { return ComparePK(a.pk, b.pk) })
		if limit > 0 && len(refs) > limit {
			refs = refs[:limit]
		}
		res.Entities = make([]Entity, len(refs))
		for i, ref := range refs {
			if i%index.ScanChunk == 0 {
				if err = guard.check(0); err != nil {
					return
				}
			}
			if res.Entities[i], err = r.entity(ref.g, ref.row, ref.pk, out); err != nil {
				return
			}
		}
	})
	if err != nil {
		return QueryResult{}, fmt.Errorf("shards: query on %s stopped: %w", r.Name, err)
	}
	return res, nil
}

// collect returns the rows a query selects, checking guard before every
// index.ScanChunk rows (or keys) it evaluates.
func (r *Replica) collect(v fsm.View, spec ReadSpec, ids []any, guard scanGuard) ([]rowRef, error) {
	pki := r.fsm.Schema().PrimaryIndex()
	var refs []rowRef
	if ids != nil {
		for i, pk := range ids {
			if i%index.ScanChunk == 0 {
				if err := guard.check(min(index.ScanChunk, len(ids)-i)); err != nil {
					return nil, err
				}
			}
			if g, row, ok := v.Lookup(pk); ok && spec.includes(g) && spec.match(g, row) {
				refs = append(refs, rowRef{g, row, pk})
			}
		}
		return refs, nil
	}
	for _, g := range v.Segments() {
		if !spec.includes(g) {
			continue
		}
		if cand, ok := spec.candidates(g); ok {
			r.countScalarRead()
			var err error
			if refs, err = collectCandidates(g, spec, cand, pki, guard, refs); err != nil {
				return nil, err
			}
			continue
		}
		n := g.Rows()
		for lo := 0; lo < n; lo += index.ScanChunk {
			hi := min(lo+index.ScanChunk, n)
			if err := guard.check(hi - lo); err != nil {
				return nil, err
			}
			for row := lo; row < hi; row++ {
				if spec.match(g, row) {
					refs = append(refs, rowRef{g, row, g.Columns[pki].Value(row)})
				}
			}
		}
	}
	return refs, nil
}

// collectCandidates appends the candidate rows of g that match spec,
// checking guard every index.ScanChunk candidates.
func collectCandidates(g *segment.Segment, spec ReadSpec, cand *roaring.Bitmap, pki int, guard scanGuard, refs []rowRef) ([]rowRef, error) {
	it := cand.Iterator()
	for k := 0; it.HasNext(); k++ {
		if k%index.ScanChunk == 0 {
			if err := guard.check(min(index.ScanChunk, int(cand.GetCardinality())-k)); err != nil {
				return nil, err
			}
		}
		if row := int(it.Next()); row < g.Rows() && spec.match(g, row) {
			refs = append(refs, rowRef{g, row, g.Columns[pki].Value(row)})
		}
	}
	return refs, nil
}

// entity reads a row's output fields, loading vector columns that are in
// object storage (segment.LoadMapped; a no-op once they are resident). It
// copies vectors: a mapped column's rows must not outlive the read lock.
func (r *Replica) entity(g *segment.Segment, row int, pk any, out []int) (Entity, error) {
	if err := g.LoadMapped(r.mapper, out...); err != nil {
		return Entity{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	e := Entity{PK: pk, Values: make([]any, len(out))}
	for i, f := range out {
		v := g.Value(f, row)
		if vec, ok := v.([]float32); ok {
			v = slices.Clone(vec)
		}
		e.Values[i] = v
	}
	return e, nil
}

// Live returns the number of live rows (in one partition when part != 0).
func (r *Replica) Live(part int64) int64 {
	var n int64
	r.fsm.View(func(v fsm.View) { n = v.Live(part) })
	return n
}

// Search runs a vector search over every segment in scope, applying the
// filter and deletion flags during the scan, and returns per query the best
// TopK hits (groups when grouping) with output values. A flushed segment
// with an index file of req.IndexName is searched through it (HNSW with
// the search param ef, IVF_FLAT with nprobe); other segments exactly.
// It stops, with an error wrapping ctx.Err(), once ctx is done: checked per
// segment, per query vector, every index.ScanChunk rows of an exact scan
// and during the reduce.
func (r *Replica) Search(ctx context.Context, spec ReadSpec, req *SearchRequest) (SearchResult, error) {
	metric, err := index.ParseMetric(req.Metric)
	if err != nil {
		return SearchResult{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r.prefetch(spec, req)
	r.prefetchDerived(spec, req)
	var res SearchResult
	r.fsm.View(func(v fsm.View) {
		spec.expireIn(v)
		if req.StatsOnly {
			res.Stats, err = r.termStats(v, spec, req, r.guard(ctx))
			return
		}
		res, err = r.searchView(v, spec, req, metric, r.guard(ctx))
	})
	return res, err
}

// prefetch loads, outside the shard's lock, what a search will read: the
// index files of the segments it searches through an index and the vectors
// of those it scans. A slow object store then delays the search, not the
// log's Apply. Failures are left for the search to meet (it scans a
// segment whose index does not load, and reports vectors it cannot read).
func (r *Replica) prefetch(spec ReadSpec, req *SearchRequest) {
	var refs []*segment.IndexRef
	var scans []*segment.Segment
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			if !spec.includes(g) {
				continue
			}
			if x := r.usableIndex(g, req); x != nil {
				refs = append(refs, x)
			} else if !g.Resident(req.AnnsField) {
				scans = append(scans, g)
			}
		}
	})
	for _, x := range refs {
		if _, release, err := r.indexes.get(x, r.files); err == nil {
			release()
		}
	}
	for _, g := range scans {
		_ = g.LoadMapped(r.mapper, req.AnnsField)
	}
}

func (r *Replica) searchView(v fsm.View, spec ReadSpec, req *SearchRequest, m index.Metric, guard scanGuard) (SearchResult, error) {
	stopped := func(err error) error { return fmt.Errorf("shards: search on %s stopped: %w", r.Name, err) }
	segs := slices.DeleteFunc(slices.Clone(v.Segments()), func(g *segment.Segment) bool { return !spec.includes(g) })
	perQuery := make([][][]index.Hit, req.Queries())
	for si, g := range segs {
		if err := guard.check(0); err != nil {
			return SearchResult{}, stopped(err)
		}
		hits, err := r.searchSegment(g, spec, req, m, guard)
		if err := guard.ctx.Err(); err != nil {
			return SearchResult{}, stopped(err)
		}
		if err != nil && !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if err != nil {
			return SearchResult{}, err
		}
		for q := range hits {
			for i := range hits[q] {
				hits[q][i].ID |= int64(si) << 32
			}
			perQuery[q] = append(perQuery[q], hits[q])
		}
	}
	res := SearchResult{Hits: make([][]Hit, req.Queries())}
	pki := r.fsm.Schema().PrimaryIndex()
	groupSize := req.GroupSize
	if req.GroupField < 0 {
		groupSize = 0
	}
	for q, lists := range perQuery {
		if err := guard.check(0); err != nil {
			return SearchResult{}, stopped(err)
		}
		merged := index.Merge(m, lists, 0, req.TopK, groupSize)
		out := make([]Hit, len(merged))
		for i, h := range merged {
			g, row := segs[h.ID>>32], int(h.ID&(1<<32-1))
			e, err := r.entity(g, row, g.Columns[pki].Value(row), req.OutputFields)
			if err != nil {
				return SearchResult{}, err
			}
			out[i] = Hit{Entity: e, Distance: h.Distance, Group: h.Group}
		}
		res.Hits[q] = out
	}
	return res, nil
}

func (r *Replica) searchSegment(g *segment.Segment, spec ReadSpec, req *SearchRequest, m index.Metric, guard scanGuard) ([][]index.Hit, error) {
	p := index.SearchParams{
		Metric: m, TopK: req.TopK, Radius: req.Radius, RangeFilter: req.RangeFilter, GroupSize: req.GroupSize,
		Filter: func(id int64) bool { return spec.match(g, int(id)) },
		Check:  guard.check,
	}
	if req.GroupSize > 0 && req.GroupField >= 0 {
		p.GroupKey = func(id int64) any { return g.Value(req.GroupField, int(id)) }
	} else {
		p.GroupSize = 0
	}
	cand, hasCand := spec.candidates(g)
	if hasCand {
		r.countScalarRead()
		// Only candidates can match: the filter runs on them alone.
		p.Filter = func(id int64) bool { return cand.Contains(uint32(id)) && spec.match(g, int(id)) }
	}
	if req.Sparse != nil {
		return searchSparse(g, req, p)
	}
	if req.Binary != nil {
		return searchBinary(g, req, p)
	}
	if hasCand && int(cand.GetCardinality()) <= g.Rows()/selectiveFilterRatio {
		return r.searchRows(g, cand, req, p) // the index pre-filter: few rows, exact
	}
	if x := r.usableIndex(g, req); x != nil {
		sel := false // with candidates, not selective (above)
		if !hasCand {
			var err error
			if sel, err = selective(g, spec, guard); err != nil {
				return nil, err
			}
		}
		if !sel {
			// An index that does not load (object storage down, a corrupt
			// file) costs speed, not the answer: the segment is scanned.
			if ix, release, err := r.indexes.get(x, r.files); err == nil {
				defer release()
				return ix.search(req.Vectors, p, req.SearchParams)
			}
		}
	}
	if err := g.LoadMapped(r.mapper, req.AnnsField); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if x := r.interimFor(g, req, m); x != nil {
		if sel, err := selective(g, spec, guard); err != nil || !sel {
			if err != nil {
				return nil, err
			}
			return searchInterim(g, x, req, p)
		}
	}
	// One pass over the column's runs of rows: a growing segment's adopted
	// batches, a mapped column's chunks, or one array.
	return index.SearchFlat(flatView(&g.Columns[req.AnnsField]), req.Vectors, p)
}

// searchRows searches exactly the candidate rows of g (a selective scalar
// index lookup): one run per row, so only their distances are computed.
func (r *Replica) searchRows(g *segment.Segment, cand *roaring.Bitmap, req *SearchRequest, p index.SearchParams) ([][]index.Hit, error) {
	if err := g.LoadMapped(r.mapper, req.AnnsField); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	col := &g.Columns[req.AnnsField]
	parts := make([]index.FlatPart, 0, cand.GetCardinality())
	it := cand.Iterator()
	for it.HasNext() {
		if row := int(it.Next()); row < g.Rows() {
			parts = append(parts, index.FlatPart{Vectors: col.Vector(row), First: int64(row)})
		}
	}
	return index.SearchFlat(index.FlatView{Dim: col.Dim, Parts: parts}, req.Vectors, p)
}

// flatView views a vector column's rows for index.SearchFlat; the view is
// valid while col is reachable and unchanged.
func flatView(col *segment.Column) index.FlatView {
	if f := col.Type.Half(); f != 0 {
		return index.FlatView{Dim: col.Dim, Parts: []index.FlatPart{{Halfs: col.Halfs, Half: f}}}
	}
	var parts []index.FlatPart
	_ = col.VectorParts(func(first int, v []float32) error {
		parts = append(parts, index.FlatPart{Vectors: v, First: int64(first)})
		return nil
	})
	return index.FlatView{Dim: col.Dim, Parts: parts}
}

// usableIndex returns the segment's index file when the search asked for
// that index on that field.
func (r *Replica) usableIndex(g *segment.Segment, req *SearchRequest) *segment.IndexRef {
	if req.IndexName == "" {
		return nil
	}
	x := g.IndexNamed(req.IndexName)
	if x != nil && x.Field == r.fsm.Schema().Fields[req.AnnsField].ID {
		return x
	}
	return nil
}

// selectiveFilterRatio: when at most one row in this many of a segment
// passes the search filter, the segment's index is bypassed for an exact
// scan (the filter runs before any distance). A graph or list walk
// restricted to a few rows misses their neighbours, and scanning few rows
// is cheap; Milvus's knowhere switches the same way.
const selectiveFilterRatio = 10

// selective reports whether spec's filter passes at most 1/selectiveFilterRatio
// of g's rows (deletions alone never make a search exact). It evaluates the
// filter on up to every row, so it checks guard every index.ScanChunk rows.
func selective(g *segment.Segment, spec ReadSpec, guard scanGuard) (bool, error) {
	if spec.Filter == nil {
		return false, nil
	}
	n := g.Rows()
	limit, k := n/selectiveFilterRatio, 0
	for lo := 0; lo < n; lo += index.ScanChunk {
		hi := min(lo+index.ScanChunk, n)
		if err := guard.check(hi - lo); err != nil {
			return false, err
		}
		for row := lo; row < hi; row++ {
			if spec.match(g, row) {
				if k++; k > limit {
					return false, nil
				}
			}
		}
	}
	return true, nil
}
