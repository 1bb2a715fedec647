package index

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
)

// BinaryRows gives read access to a fixed set of binary vectors, each Dim/8 bytes.
//
// Row(i), for i in [0, Len()), must be safe for concurrent use (a
// multi-query search may call it on several goroutines) and return exactly
// dimBits/8 bytes that nobody modifies during the search. The bit order
// inside a byte does not matter to HAMMING and JACCARD, as long as rows and
// queries use the same one.
type BinaryRows interface {
	Len() int
	Row(i int) []byte
}

// Hamming returns the number of bits that differ between a and b. It
// panics if the lengths differ.
func Hamming(a, b []byte) int {
	checkBinaryLen(a, b)
	return hamming(a, b)
}

// Jaccard returns the Jaccard distance 1 − |a∧b|/|a∨b| of a and b, 0 when
// both are all zeros. It is computed as |a⊕b|/|a∨b|, one correctly rounded
// float32 division of two exact counts (below 2^24 bits). It panics if the
// lengths differ.
func Jaccard(a, b []byte) float32 {
	checkBinaryLen(a, b)
	return jaccard(a, b)
}

func checkBinaryLen(a, b []byte) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("index: binary vectors of %d and %d bytes", len(a), len(b)))
	}
}

// hamming is Hamming without the length check: b must be at least as long
// as a. Eight bytes at a time (one load each on little-endian machines),
// four words per iteration, then the byte tail; the array conversions
// leave the loops without bounds checks.
func hamming(a, b []byte) int {
	b = b[:len(a)]
	n := 0
	for len(a) >= 32 && len(b) >= 32 {
		x, y := (*[32]byte)(a), (*[32]byte)(b)
		n += bits.OnesCount64(le64(x[0:])^le64(y[0:])) +
			bits.OnesCount64(le64(x[8:])^le64(y[8:])) +
			bits.OnesCount64(le64(x[16:])^le64(y[16:])) +
			bits.OnesCount64(le64(x[24:])^le64(y[24:]))
		a, b = a[32:], b[32:]
	}
	for len(a) >= 8 && len(b) >= 8 {
		n += bits.OnesCount64(le64(a) ^ le64(b))
		a, b = a[8:], b[8:]
	}
	for i := range min(len(a), len(b)) {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}

// jaccard is Jaccard without the length check.
func jaccard(a, b []byte) float32 {
	b = b[:len(a)]
	diff, union := 0, 0
	for len(a) >= 16 && len(b) >= 16 {
		x, y := (*[16]byte)(a), (*[16]byte)(b)
		x0, y0 := le64(x[0:]), le64(y[0:])
		x1, y1 := le64(x[8:]), le64(y[8:])
		diff += bits.OnesCount64(x0^y0) + bits.OnesCount64(x1^y1)
		union += bits.OnesCount64(x0|y0) + bits.OnesCount64(x1|y1)
		a, b = a[16:], b[16:]
	}
	for len(a) >= 8 && len(b) >= 8 {
		x, y := le64(a), le64(b)
		diff += bits.OnesCount64(x ^ y)
		union += bits.OnesCount64(x | y)
		a, b = a[8:], b[8:]
	}
	for i := range min(len(a), len(b)) {
		diff += bits.OnesCount8(a[i] ^ b[i])
		union += bits.OnesCount8(a[i] | b[i])
	}
	if union == 0 {
		return 0
	}
	return float32(diff) / float32(union)
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// binarySearch is one validated binary search, shared read-only by the
// goroutines of a multi-query search. Exact and IVF search both feed their
// scores through offer, so filtering, range, top-k and grouping are the
// same code.
type binarySearch struct {
	p       SearchParams
	rng     scoreRange
	nb      int // bytes per vector
	jaccard bool
	stop    *stopper
	badOnce sync.Once
	bad     atomic.Bool
	badErr  error // a row of the wrong length; set once, before bad
}

func newBinarySearch(dimBits int, queries [][]byte, p SearchParams) (*binarySearch, error) {
	if p.Metric != MetricHamming && p.Metric != MetricJaccard {
		return nil, invalidf("metric type %v is not supported for binary vectors (want HAMMING or JACCARD)", p.Metric)
	}
	if err := checkDimBits(dimBits); err != nil {
		return nil, err
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
	nb := dimBits / 8
	for i, q := range queries {
		if len(q) != nb {
			return nil, invalidf("binary query %d has %d bytes, want %d (dimension %d bits)", i, len(q), nb, dimBits)
		}
	}
	// makeRange words its order error for L2 only; HAMMING and JACCARD have
	// the same order (range_filter <= d < radius).
	if r, f := p.Radius, p.RangeFilter; r != nil && f != nil && !isNaN(*r) && !isNaN(*f) && !(*f < *r) {
		return nil, invalidf("range_filter (%v) must be less than radius (%v) for %v", *f, *r, p.Metric)
	}
	rng, err := makeRange(p.Metric, p.Radius, p.RangeFilter)
	if err != nil {
		return nil, err
	}
	return &binarySearch{p: p, rng: rng, nb: nb, jaccard: p.Metric == MetricJaccard, stop: newStopper(p.Check)}, nil
}

func checkDimBits(dimBits int) error {
	if dimBits <= 0 || dimBits%8 != 0 {
		return invalidf("binary vector dimension must be a positive multiple of 8, got %d", dimBits)
	}
	return nil
}

// binaryScratch is per-goroutine state reused across queries and searches.
type binaryScratch struct {
	top   topK
	cand  []entry // grouping candidates
	probe topK    // IVF: the lists to probe
}

var binaryPool = sync.Pool{New: func() any { return new(binaryScratch) }}

func getBinaryScratch() *binaryScratch { return binaryPool.Get().(*binaryScratch) }

// putBinaryScratch returns w to the pool; grouping buffers above
// maxPooledCand entries are left to the GC like the exact scan's.
func putBinaryScratch(w *binaryScratch) {
	if cap(w.cand) > maxPooledCand {
		w.cand = nil
	}
	binaryPool.Put(w)
}

// run answers every query with one(w, q), in parallel when the rows to
// score (rows per query) times the words per row is large, and returns the
// first error: a row of the wrong length, or Check's.
func (s *binarySearch) run(queries [][]byte, rows int, one func(*binaryScratch, []byte) []Hit) ([][]Hit, error) {
	out := make([][]Hit, len(queries))
	// A 64-bit word costs about one multiply-add; a row adds an interface call.
	nw := workersFor(len(queries), rows, s.nb/8+4)
	runQueries(len(queries), nw, getBinaryScratch, putBinaryScratch, func(w *binaryScratch, i int) {
		if !s.stop.poll(0) && !s.bad.Load() {
			out[i] = one(w, queries[i])
		}
	})
	if s.bad.Load() {
		return nil, s.badErr
	}
	if err := s.stop.result(); err != nil {
		return nil, err
	}
	return out, nil
}

// begin prepares w to collect the candidates of one query over n rows.
func (s *binarySearch) begin(w *binaryScratch, n int) {
	if s.p.GroupSize > 0 {
		w.cand = w.cand[:0]
		return
	}
	w.top.reset(min(s.p.TopK, n))
}

// visit filters, scores and offers row i (ID i) for query q. It reports
// false, after recording the error, when the row has the wrong length.
func (s *binarySearch) visit(w *binaryScratch, q []byte, rows BinaryRows, i int) bool {
	id := int64(i)
	if s.p.Filter != nil && !s.p.Filter(id) {
		return true
	}
	row := rows.Row(i)
	if len(row) != s.nb {
		s.badOnce.Do(func() {
			s.badErr = invalidf("binary row %d has %d bytes, want %d", i, len(row), s.nb)
			s.bad.Store(true)
		})
		return false
	}
	var sc float32
	if s.jaccard {
		sc = jaccard(q, row)
	} else {
		sc = float32(hamming(q, row))
	}
	if !s.rng.contains(sc) {
		return true
	}
	if s.p.GroupSize > 0 {
		w.cand = append(w.cand, entry{sc, id})
	} else if !w.top.full() || sc <= w.top.threshold() {
		w.top.push(entry{sc, id})
	}
	return true
}

// result turns the collected candidates into the query's hits, best first;
// grouping visits the candidates best first as the exact dense scan does.
func (s *binarySearch) result(w *binaryScratch) []Hit {
	return collectedHits(s.p, &w.top, w.cand)
}

// SearchBinaryFlat scores every row exactly (brute force, Milvus BIN_FLAT).
//
// dimBits is the vector dimension in bits: positive, a multiple of 8, and
// every query and row has dimBits/8 bytes (ErrInvalid otherwise; a row is
// checked when it is scored). p.Metric must be MetricHamming (the distance
// is the number of differing bits, as a float32) or MetricJaccard. As in
// SearchFlat, Hit.ID is the row number, Filter is called for every row
// before it is scored, Check before each query (rows = 0) and every
// ScanChunk rows, range search keeps range_filter <= d < radius, grouping
// is exact, and results are best first with ties by ascending ID.
func SearchBinaryFlat(rows BinaryRows, dimBits int, queries [][]byte, p SearchParams) ([][]Hit, error) {
	if rows == nil {
		return nil, invalidf("binary search needs rows")
	}
	s, err := newBinarySearch(dimBits, queries, p)
	if err != nil {
		return nil, err
	}
	n := rows.Len()
	return s.run(queries, n, func(w *binaryScratch, q []byte) []Hit {
		s.begin(w, n)
		for lo := 0; lo < n; lo += ScanChunk {
			hi := min(lo+ScanChunk, n)
			if s.stop.poll(hi - lo) {
				return nil
			}
			for i := lo; i < hi; i++ {
				if !s.visit(w, q, rows, i) {
					return nil
				}
			}
		}
		return s.result(w)
	})
}
