package index

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// SparseVector is a sparse float vector: strictly increasing Indices with one
// non-zero Value each (Milvus SparseFloatVector).
type SparseVector struct {
	Indices []uint32
	Values  []float32
}

// checkSparse reports why v is not a valid query vector: Indices and Values
// of equal length, Indices strictly increasing, Values finite.
func checkSparse(v SparseVector) error {
	if len(v.Indices) != len(v.Values) {
		return fmt.Errorf("%d indices but %d values", len(v.Indices), len(v.Values))
	}
	for i, t := range v.Indices {
		if i > 0 && t <= v.Indices[i-1] {
			return fmt.Errorf("indices must be strictly increasing, got %d after %d", t, v.Indices[i-1])
		}
		if f := float64(v.Values[i]); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("value of index %d is %v", t, v.Values[i])
		}
	}
	return nil
}

// SparseDot returns the inner product of a and b (merge of the two sorted index lists).
//
// Each product is rounded to float32 and the products are summed in
// ascending index order, which is exactly how SparseIndex accumulates a
// query's terms, so exact and inverted-index search agree to the bit.
func SparseDot(a, b SparseVector) float32 {
	var s float32
	ai, bi := a.Indices, b.Indices
	for i, j := 0, 0; i < len(ai) && j < len(bi); {
		switch {
		case ai[i] < bi[j]:
			i++
		case ai[i] > bi[j]:
			j++
		default:
			s += float32(a.Values[i] * b.Values[j]) // explicit rounding: never fused into an FMA
			i++
			j++
		}
	}
	return s
}

// sparseLength is a row's length for BM25: the sum of its values, in index
// order. Exact search and SparseIndex both use it, so they agree to the bit.
func sparseLength(v SparseVector) float32 {
	var s float32
	for _, x := range v.Values {
		s += x
	}
	return s
}

// BM25 scores documents whose values are term frequencies:
//
//	score(q, d) = Σ_t q_t · tf_t·(K1+1) / (tf_t + K1·(1 − B + B·dl/AvgDL))
//
// where dl is the sum of d's values (its length in tokens) and q_t is the query's
// weight for term t (the caller puts idf(t)·count in it).
type BM25 struct{ K1, B, AvgDL float32 }

func (b *BM25) validate() error {
	switch {
	case !(b.K1 >= 0) || math.IsInf(float64(b.K1), 0):
		return invalidf("BM25 k1 must be a non-negative number, got %v", b.K1)
	case !(b.B >= 0 && b.B <= 1):
		return invalidf("BM25 b must be in [0, 1], got %v", b.B)
	case !(b.AvgDL > 0) || math.IsInf(float64(b.AvgDL), 0):
		return invalidf("BM25 average document length must be positive, got %v", b.AvgDL)
	}
	return nil
}

// bm25Scorer holds BM25's per-search constants, so that a posting costs one
// division: the term score is q·tf·k1p1 / (tf + c0 + c1·dl).
type bm25Scorer struct {
	k1p1 float32 // K1 + 1
	c0   float32 // K1·(1 − B)
	c1   float32 // K1·B / AvgDL
}

func newBM25Scorer(b *BM25) *bm25Scorer {
	return &bm25Scorer{k1p1: b.K1 + 1, c0: b.K1 * (1 - b.B), c1: float32(b.K1*b.B) / b.AvgDL}
}

// term is one term's contribution for query weight qt, term frequency tf
// and document length dl. The conversions force float32 rounding at every
// step so no compiler may fuse operations differently in the two callers.
func (s *bm25Scorer) term(qt, tf, dl float32) float32 {
	norm := float32(s.c0 + float32(s.c1*dl))
	return float32(qt * float32(float32(tf*s.k1p1)/(tf+norm)))
}

// score is score(q, d); d's length is computed only if a term matches.
func (s *bm25Scorer) score(q, d SparseVector) float32 {
	var sum, dl float32
	matched := false
	qi, di := q.Indices, d.Indices
	for i, j := 0, 0; i < len(qi) && j < len(di); {
		switch {
		case qi[i] < di[j]:
			i++
		case qi[i] > di[j]:
			j++
		default:
			if !matched {
				dl, matched = sparseLength(d), true
			}
			sum += s.term(q.Values[i], d.Values[j], dl)
			i++
			j++
		}
	}
	return sum
}

// SparseOptions configures a sparse search.
type SparseOptions struct {
	// DropRatioSearch in [0, 1): the smallest fraction of each query's values
	// (by absolute value) is ignored (Milvus drop_ratio_search). 0 keeps all.
	//
	// With n query terms, the cut-off is the floor(DropRatioSearch·n)-th
	// smallest absolute value (counting from 0): terms below it are dropped,
	// terms equal to it kept. Dropped terms do not contribute to the scores
	// at all (there is no re-scoring with the full query), in exact and
	// inverted-index search alike.
	DropRatioSearch float64
	// BM25, when set, scores with BM25 instead of the inner product.
	BM25 *BM25
}

// SparseRows gives read access to a fixed set of rows; Row(i) for i in [0, Len()).
//
// Row must be safe for concurrent use (a multi-query search may call it on
// several goroutines) and return a valid vector (see SparseVector) that the
// caller does not modify during the search.
type SparseRows interface {
	Len() int
	Row(i int) SparseVector
}

// sparseSearch is one validated sparse search, shared read-only by the
// goroutines of a multi-query search. Exact and inverted-index search both
// feed their scores through offer, so filtering, range, top-k, grouping and
// the exclusion of zero scores are the same code.
type sparseSearch struct {
	p    SearchParams
	rng  scoreRange
	bm25 *bm25Scorer // nil: inner product
	drop float64
	stop *stopper
}

func newSparseSearch(queries []SparseVector, p SearchParams, o SparseOptions) (*sparseSearch, error) {
	s := &sparseSearch{p: p, drop: o.DropRatioSearch, stop: newStopper(p.Check)}
	switch p.Metric {
	case MetricIP:
		if o.BM25 != nil {
			return nil, invalidf("BM25 parameters given with metric type IP (want metric type BM25)")
		}
	case MetricBM25:
		if o.BM25 == nil {
			return nil, invalidf("metric type BM25 needs BM25 parameters")
		}
		if err := o.BM25.validate(); err != nil {
			return nil, err
		}
		s.bm25 = newBM25Scorer(o.BM25)
	default:
		return nil, invalidf("metric type %v is not supported for sparse vectors (want IP or BM25)", p.Metric)
	}
	if p.TopK <= 0 {
		return nil, invalidf("topk must be positive, got %d", p.TopK)
	}
	if p.GroupSize < 0 {
		return nil, invalidf("group size must not be negative, got %d", p.GroupSize)
	}
	if p.GroupSize > 0 && p.GroupKey == nil {
		return nil, invalidf("grouping search (group size %d) needs a group key", p.GroupSize)
	}
	if !(o.DropRatioSearch >= 0 && o.DropRatioSearch < 1) {
		return nil, invalidf("drop_ratio_search must be in [0, 1), got %v", o.DropRatioSearch)
	}
	for i, q := range queries {
		if err := checkSparse(q); err != nil {
			return nil, invalidf("sparse query %d: %v", i, err)
		}
	}
	rng, err := makeRange(p.Metric, p.Radius, p.RangeFilter)
	if err != nil {
		return nil, err
	}
	s.rng = rng
	return s, nil
}

// run answers every query with one(w, q), in parallel when work (an
// estimate of the multiply-adds of the whole call) is large, and returns
// the stopper's error if Check stopped it.
func (s *sparseSearch) run(queries []SparseVector, work int, get func() *sparseScratch, one func(*sparseScratch, SparseVector) []Hit) ([][]Hit, error) {
	out := make([][]Hit, len(queries))
	nw := workersFor(len(queries), work, 1)
	runQueries(len(queries), nw, get, putSparseScratch, func(w *sparseScratch, i int) {
		if !s.stop.poll(0) {
			out[i] = one(w, s.prune(w, queries[i]))
		}
	})
	if err := s.stop.result(); err != nil {
		return nil, err
	}
	return out, nil
}

// prune applies drop_ratio_search to q, returning q itself or a pruned
// copy in w's buffers.
func (s *sparseSearch) prune(w *sparseScratch, q SparseVector) SparseVector {
	if s.drop == 0 || len(q.Values) == 0 {
		return q
	}
	w.abs = w.abs[:0]
	for _, v := range q.Values {
		w.abs = append(w.abs, abs32(v))
	}
	slices.Sort(w.abs)
	cut := w.abs[int(s.drop*float64(len(w.abs)))]
	w.q.Indices, w.q.Values = w.q.Indices[:0], w.q.Values[:0]
	for i, v := range q.Values {
		if abs32(v) >= cut {
			w.q.Indices = append(w.q.Indices, q.Indices[i])
			w.q.Values = append(w.q.Values, v)
		}
	}
	return w.q
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// score is the exact distance of row in score space (smaller is better).
func (s *sparseSearch) score(q, row SparseVector) float32 {
	if s.bm25 != nil {
		return -s.bm25.score(q, row)
	}
	return -SparseDot(q, row)
}

// begin prepares w to collect the candidates of one query over n rows.
func (s *sparseSearch) begin(w *sparseScratch, n int) {
	if s.p.GroupSize > 0 {
		w.cand = w.cand[:0]
		return
	}
	w.top.reset(min(s.p.TopK, n))
}

// offer considers a scored row that passed Filter. A zero score (no term
// in common with the query, or contributions that cancel) is never a hit.
func (s *sparseSearch) offer(w *sparseScratch, sc float32, id int64) {
	if sc == 0 || !s.rng.contains(sc) {
		return
	}
	if s.p.GroupSize > 0 {
		w.cand = append(w.cand, entry{sc, id})
	} else if !w.top.full() || sc <= w.top.threshold() {
		w.top.push(entry{sc, id})
	}
}

// result turns the collected candidates into the query's hits, best first;
// grouping visits the candidates best first as the exact dense scan does.
func (s *sparseSearch) result(w *sparseScratch) []Hit {
	return collectedHits(s.p, &w.top, w.cand)
}

// sparseScratch is per-goroutine state reused across queries and searches.
type sparseScratch struct {
	q   SparseVector // pruned query (drop_ratio_search)
	abs []float32    // sorted absolute query values
	// Inverted-index search only: per-row accumulated score and state,
	// indexed by row; between queries every acc is 0 and every state
	// rowUnseen, so a query resets only the rows it touched.
	acc     []float32
	state   []uint8
	touched []uint32
	top     topK
	cand    []entry // grouping candidates
}

// Row states of an inverted-index search.
const (
	rowUnseen   uint8 = iota // not reached by the query yet
	rowLive                  // passed Filter, score accumulating in acc
	rowFiltered              // rejected by Filter, never scored
)

// sparsePool recycles scratch; buffers above maxPooledCand entries are left
// to the GC like the exact scan's.
var sparsePool = sync.Pool{New: func() any { return new(sparseScratch) }}

func getSparseScratch() *sparseScratch { return sparsePool.Get().(*sparseScratch) }

// putSparseScratch returns w to the pool. It must only be called with a
// scratch whose acc and state are clean, which holds unless a callback
// panicked, in which case runQueries does not call it.
func putSparseScratch(w *sparseScratch) {
	if cap(w.cand) > maxPooledCand {
		w.cand = nil
	}
	if cap(w.touched) > maxPooledCand {
		w.touched = nil
	}
	sparsePool.Put(w)
}

// sparseRowWork is the assumed cost of scoring one row exactly, in
// multiply-adds, for the parallelism threshold of SearchSparseFlat.
const sparseRowWork = 16

// SearchSparseFlat scores every row exactly (brute force).
//
// Hit.ID is the row number. Filter is called for every row before it is
// scored. Rows whose score is exactly 0, in particular every row sharing no
// term with the query, are never returned (as in Milvus), so a query may
// get fewer than TopK hits. Range and grouping parameters behave as for IP
// in SearchFlat; p.Metric must be MetricIP (o.BM25 nil) or MetricBM25
// (o.BM25 set), anything else is ErrInvalid.
func SearchSparseFlat(rows SparseRows, queries []SparseVector, p SearchParams, o SparseOptions) ([][]Hit, error) {
	if rows == nil {
		return nil, invalidf("sparse search needs rows")
	}
	s, err := newSparseSearch(queries, p, o)
	if err != nil {
		return nil, err
	}
	n := rows.Len()
	return s.run(queries, n*sparseRowWork, getSparseScratch, func(w *sparseScratch, q SparseVector) []Hit {
		filter := s.p.Filter
		s.begin(w, n)
		for lo := 0; lo < n; lo += ScanChunk {
			hi := min(lo+ScanChunk, n)
			if s.stop.poll(hi - lo) {
				return nil
			}
			for i := lo; i < hi; i++ {
				id := int64(i)
				if filter != nil && !filter(id) {
					continue
				}
				s.offer(w, s.score(q, rows.Row(i)), id)
			}
		}
		return s.result(w)
	})
}
