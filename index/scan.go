package index

import (
	"sync"

	"github.com/raftvec/raftvec/half"
)

// flatScan is one exact search over n rows in one or more runs. It is read-only and
// shared by the goroutines of a multi-query search.
type flatScan struct {
	parts []FlatPart // n rows in all
	dim   int
	n     int
	ids   []int64   // one part only; nil: ID = part's First + row index
	norms []float32 // one part only: COSINE row norms; nil: computed per row
	p     SearchParams
	rng   scoreRange
	stop  *stopper
}

// scanScratch is per-goroutine state reused across queries.
type scanScratch struct {
	q    []float32 // normalized query (COSINE)
	top  topK
	cand []entry // grouping candidates
}

// scratchPool recycles scratch across searches; grouping candidate
// buffers above maxPooledCand entries are left to the GC.
var scratchPool = sync.Pool{New: func() any { return new(scanScratch) }}

const maxPooledCand = 1 << 20

func (s *flatScan) getScratch() *scanScratch {
	w := scratchPool.Get().(*scanScratch)
	if cap(w.q) < s.dim {
		w.q = make([]float32, s.dim)
	}
	w.q = w.q[:s.dim]
	return w
}

func putScratch(w *scanScratch) {
	if cap(w.cand) > maxPooledCand {
		w.cand = nil
	}
	scratchPool.Put(w)
}

// search runs every query, in parallel when the work is large.
func (s *flatScan) search(queries [][]float32) [][]Hit {
	out := make([][]Hit, len(queries))
	nw := workersFor(len(queries), s.n, s.dim)
	runQueries(len(queries), nw, s.getScratch, putScratch, func(w *scanScratch, i int) {
		if !s.stop.poll(0) {
			out[i] = s.one(w, queries[i])
		}
	})
	return out
}

// one answers a single query.
func (s *flatScan) one(w *scanScratch, q []float32) []Hit {
	if s.p.Metric == MetricCosine {
		Normalize(w.q, q)
		q = w.q
	}
	if s.p.GroupSize > 0 {
		return s.grouped(w, q)
	}
	w.top.reset(min(s.p.TopK, s.n))
	s.scan(q, &w.top, nil)
	return s.hits(w.top.drain())
}

// scan visits every row that passes the filter and the range, offering it
// to top, or appending it to *cand when top is nil. It polls the stopper
// before every ScanChunk rows and gives up (partial results, discarded by
// search) once it says stop.
func (s *flatScan) scan(q []float32, top *topK, cand *[]entry) {
	for _, p := range s.parts {
		if !s.scanPart(p, q, top, cand) {
			return
		}
	}
}

// scanPart scans one run of rows; false means stopped.
func (s *flatScan) scanPart(p FlatPart, q []float32, top *topK, cand *[]entry) bool {
	filter, rng, dim, vecs := s.p.Filter, s.rng, s.dim, p.Vectors
	n := p.floats() / dim
	var buf []float32 // one decoded half-precision row
	if p.Halfs != nil {
		buf = make([]float32, dim)
	}
	for lo := 0; lo < n; lo += ScanChunk {
		hi := min(lo+ScanChunk, n)
		if s.stop.poll(hi - lo) {
			return false
		}
		for i := lo; i < hi; i++ {
			id := p.First + int64(i)
			if s.ids != nil {
				id = s.ids[i]
			}
			if filter != nil && !filter(id) {
				continue
			}
			var row []float32
			if buf != nil {
				half.Decode(p.Half, buf, p.Halfs[i*dim:(i+1)*dim])
				row = buf
			} else {
				row = vecs[i*dim : (i+1)*dim : (i+1)*dim]
			}
			sc := s.score(q, row, i)
			if !rng.contains(sc) {
				continue
			}
			if top == nil {
				*cand = append(*cand, entry{sc, id})
			} else if !top.full() || sc <= top.threshold() {
				top.push(entry{sc, id})
			}
		}
	}
	return true
}

// score is the row's distance in score space (smaller is better). q is
// already normalized for COSINE.
func (s *flatScan) score(q, row []float32, i int) float32 {
	switch s.p.Metric {
	case MetricL2:
		return l2Kernel(q, row)
	case MetricIP:
		return -dotKernel(q, row)
	}
	var nr float32
	if s.norms != nil {
		nr = s.norms[i]
	} else {
		nr = Norm(row)
	}
	return -cosine(dotKernel(q, row), 1, nr)
}

// grouped answers a grouping query: collect every candidate, then visit
// them best first (heapify + pop, so only the visited prefix is ordered)
// until TopK groups are full or candidates run out.
func (s *flatScan) grouped(w *scanScratch, q []float32) []Hit {
	if cap(w.cand) < s.n {
		w.cand = make([]entry, 0, s.n)
	}
	w.cand = w.cand[:0]
	s.scan(q, nil, &w.cand)
	h := bestFirst(w.cand)
	h.init()
	g := newGroupCollector(s.p.TopK, s.p.GroupSize)
	for len(h) > 0 {
		e := h.pop()
		hit := Hit{ID: e.id, Distance: s.p.Metric.distance(e.score), Group: s.p.GroupKey(e.id)}
		if g.add(hit) {
			break
		}
	}
	return g.result(0)
}

// hits converts entries (best first) to a fresh result slice.
func (s *flatScan) hits(es []entry) []Hit {
	out := make([]Hit, len(es))
	for i, e := range es {
		out[i] = Hit{ID: e.id, Distance: s.p.Metric.distance(e.score)}
	}
	return out
}
