package index

import (
	"math"
	"slices"
	"unsafe"
)

// SparseIndex is an inverted index (Milvus SPARSE_INVERTED_INDEX) over rows
// 0..n-1: per term, a posting list of (row, value) in ascending row order,
// plus each row's length (sum of values) for BM25. Immutable once built,
// safe for concurrent searches.
//
// A search walks the posting lists of the query's terms, accumulating
// scores in a pooled dense array of n float32 per goroutine (term at a
// time), then selects the top k among the rows it touched. Its results are
// exactly those of SearchSparseFlat over the same rows.
type SparseIndex struct {
	n      int
	terms  []uint32  // distinct terms, ascending
	starts []int     // terms[i]'s postings are [starts[i], starts[i+1])
	rows   []uint32  // posting rows, ascending within each list
	vals   []float32 // posting values
	lens   []float32 // row lengths (sparseLength)
}

// BuildSparseIndex indexes rows. The rows must be valid sparse vectors (as
// for SearchSparseFlat); they are read twice and not retained. It panics
// with more than 2^32-1 rows.
func BuildSparseIndex(rows SparseRows) *SparseIndex {
	n := rows.Len()
	if uint64(n) > math.MaxUint32 {
		panic("index: sparse index over more than 2^32-1 rows")
	}
	x := &SparseIndex{n: n, lens: make([]float32, n)}
	// Count each term's postings, then turn the counts into write
	// positions (a counting sort by term, stable in row order).
	pos := make(map[uint32]int)
	nnz := 0
	for i := range n {
		r := rows.Row(i)
		x.lens[i] = sparseLength(r)
		for _, t := range r.Indices {
			pos[t]++
		}
		nnz += len(r.Indices)
	}
	x.terms = make([]uint32, 0, len(pos))
	for t := range pos {
		x.terms = append(x.terms, t)
	}
	slices.Sort(x.terms)
	x.starts = make([]int, len(x.terms)+1)
	for i, t := range x.terms {
		x.starts[i+1] = x.starts[i] + pos[t]
		pos[t] = x.starts[i]
	}
	x.rows, x.vals = make([]uint32, nnz), make([]float32, nnz)
	for i := range n {
		r := rows.Row(i)
		for j, t := range r.Indices {
			k := pos[t]
			pos[t] = k + 1
			x.rows[k], x.vals[k] = uint32(i), r.Values[j]
		}
	}
	return x
}

// Len returns the number of indexed rows.
func (x *SparseIndex) Len() int { return x.n }

// postings returns the bounds of term t's posting list; ok is false when
// no row contains t.
func (x *SparseIndex) postings(t uint32) (lo, hi int, ok bool) {
	i, ok := slices.BinarySearch(x.terms, t)
	if !ok {
		return 0, 0, false
	}
	return x.starts[i], x.starts[i+1], true
}

// Search answers each query like SearchSparseFlat over the indexed rows,
// with the same results. Filter is called once per query for each row
// reached through a query term, before the row is scored; Check before
// each query (rows = 0) and before each posting list walked, with its
// length.
func (x *SparseIndex) Search(queries []SparseVector, p SearchParams, o SparseOptions) ([][]Hit, error) {
	s, err := newSparseSearch(queries, p, o)
	if err != nil {
		return nil, err
	}
	get := func() *sparseScratch {
		w := getSparseScratch()
		if len(w.acc) < x.n {
			w.acc, w.state = make([]float32, x.n), make([]uint8, x.n)
		}
		return w
	}
	// Every posting is an upper bound of the work of one query.
	return s.run(queries, len(x.rows), get, func(w *sparseScratch, q SparseVector) []Hit {
		return x.one(s, w, q)
	})
}

// one answers a single (pruned) query, term at a time.
func (x *SparseIndex) one(s *sparseSearch, w *sparseScratch, q SparseVector) []Hit {
	acc, state, touched := w.acc[:x.n], w.state[:x.n], w.touched[:0]
	filter, bm := s.p.Filter, s.bm25
	stopped := false
	for j, t := range q.Indices {
		lo, hi, ok := x.postings(t)
		if !ok {
			continue
		}
		if s.stop.poll(hi - lo) {
			stopped = true
			break
		}
		qt, vals := q.Values[j], x.vals[lo:hi]
		for k, r := range x.rows[lo:hi] {
			switch state[r] {
			case rowFiltered:
				continue
			case rowUnseen:
				touched = append(touched, r)
				if filter != nil && !filter(int64(r)) {
					state[r] = rowFiltered
					continue
				}
				state[r] = rowLive
			}
			// Same rounding and term order as SparseDot and bm25Scorer.score.
			if bm != nil {
				acc[r] += bm.term(qt, vals[k], x.lens[r])
			} else {
				acc[r] += float32(qt * vals[k])
			}
		}
	}
	var out []Hit
	if !stopped {
		s.begin(w, x.n)
		for _, r := range touched {
			if state[r] == rowLive {
				s.offer(w, -acc[r], int64(r))
			}
		}
		out = s.result(w)
	}
	for _, r := range touched {
		acc[r], state[r] = 0, rowUnseen
	}
	w.touched = touched
	return out
}

// DocFreq returns how many rows contain term t for which live(row) is true (live nil = all rows).
func (x *SparseIndex) DocFreq(t uint32, live func(row int64) bool) int {
	lo, hi, ok := x.postings(t)
	if !ok {
		return 0
	}
	if live == nil {
		return hi - lo
	}
	c := 0
	for _, r := range x.rows[lo:hi] {
		if live(int64(r)) {
			c++
		}
	}
	return c
}

// TotalLength returns the sum of the lengths of the rows for which live is true, and their count.
// live nil means all rows. With DocFreq it gives BM25's statistics over the
// live rows: AvgDL = sum/rows and idf(t) from DocFreq(t, live) and rows.
func (x *SparseIndex) TotalLength(live func(row int64) bool) (sum float64, rows int) {
	for i, l := range x.lens {
		if live == nil || live(int64(i)) {
			sum += float64(l)
			rows++
		}
	}
	return sum, rows
}

// RowLength returns row i's length (the sum of its values).
func (x *SparseIndex) RowLength(i int) float32 { return x.lens[i] }

// Bytes returns the approximate memory the index holds.
// It excludes the per-goroutine search scratch (5 bytes per row while a
// search runs, kept in a sync.Pool between searches).
func (x *SparseIndex) Bytes() int64 {
	return int64(unsafe.Sizeof(*x)) +
		4*int64(cap(x.terms)) +
		int64(unsafe.Sizeof(int(0)))*int64(cap(x.starts)) +
		4*int64(cap(x.rows)+cap(x.vals)+cap(x.lens))
}
