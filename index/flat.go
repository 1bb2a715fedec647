package index

import (
	"sync"

	"github.com/raftvec/raftvec/half"
)

// Flat is an exact (brute-force) index: vectors stored contiguously, every
// search scans all rows. It is safe for concurrent use; Add excludes
// searches while it appends.
type Flat struct {
	mu      sync.RWMutex
	dim     int
	metric  Metric
	vectors []float32 // n*dim
	ids     []int64   // nil while every row's ID is its row index
	norms   []float32 // per-row norms, COSINE only
}

var _ Index = (*Flat)(nil)

// NewFlat returns an empty Flat index. An invalid dim (<= 0) or metric is
// reported as ErrInvalid by every Add and Search.
func NewFlat(dim int, metric Metric) *Flat {
	return &Flat{dim: dim, metric: metric}
}

func (f *Flat) Dim() int       { return f.dim }
func (f *Flat) Metric() Metric { return f.metric }

// Len returns the number of rows.
func (f *Flat) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.len()
}

func (f *Flat) len() int {
	if f.dim <= 0 {
		return 0
	}
	return len(f.vectors) / f.dim
}

func (f *Flat) checkConfig() error {
	if f.dim <= 0 {
		return invalidf("flat index dimension must be positive, got %d", f.dim)
	}
	if !f.metric.dense() {
		return invalidf("flat index metric type %v", f.metric)
	}
	return nil
}

// Add appends len(vectors)/dim rows. ids gives their IDs; nil means each
// row's ID is its row index. The vectors are copied.
func (f *Flat) Add(ids []int64, vectors []float32) error {
	if err := f.checkConfig(); err != nil {
		return err
	}
	if len(vectors)%f.dim != 0 {
		return invalidf("%d floats is not a multiple of dimension %d", len(vectors), f.dim)
	}
	rows := len(vectors) / f.dim
	if ids != nil && len(ids) != rows {
		return invalidf("%d ids for %d vectors", len(ids), rows)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.len()
	if ids != nil && f.ids == nil {
		f.ids = identityIDs(make([]int64, 0, n+rows), 0, n)
	}
	if f.ids != nil {
		if ids != nil {
			f.ids = append(f.ids, ids...)
		} else {
			f.ids = identityIDs(f.ids, n, n+rows)
		}
	}
	f.vectors = append(f.vectors, vectors...)
	if f.metric == MetricCosine {
		f.norms = ComputeNorms(f.norms, vectors, f.dim)
	}
	return nil
}

func identityIDs(dst []int64, from, to int) []int64 {
	for i := from; i < to; i++ {
		dst = append(dst, int64(i))
	}
	return dst
}

// Search runs an exact search. p.Metric may be left zero to use the
// index's metric; any other mismatch is ErrInvalid.
func (f *Flat) Search(queries [][]float32, p SearchParams) ([][]Hit, error) {
	if err := f.checkConfig(); err != nil {
		return nil, err
	}
	if p.Metric == MetricInvalid {
		p.Metric = f.metric
	}
	if p.Metric != f.metric {
		return nil, invalidf("metric type %v does not match the index metric %v", p.Metric, f.metric)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return SearchFlat(FlatView{Vectors: f.vectors, Dim: f.dim, IDs: f.ids, Norms: f.norms}, queries, p)
}

// FlatView is a read-only view of caller-owned vectors, e.g. a growing
// segment's append-only buffer, searched by SearchFlat without copying:
// one contiguous array (Vectors), or several runs of rows (Parts). The
// caller must not modify the viewed rows during the search.
type FlatView struct {
	Vectors []float32 // n*Dim floats, row i at [i*Dim, (i+1)*Dim)
	Dim     int
	IDs     []int64   // ID of row i; nil means the row index
	Norms   []float32 // optional per-row norms for COSINE (see ComputeNorms); nil computes them during the scan
	// Parts, instead of Vectors (and without IDs or Norms): runs of
	// rows, the ID of a run's row i being its First + i.
	Parts []FlatPart
}

// FlatPart is one run of rows of a FlatView: float32 Vectors, or
// half-precision Halfs in format Half (decoded row by row as they are
// scanned, so the rows stay at 2 bytes per element in memory).
type FlatPart struct {
	Vectors []float32
	Halfs   []uint16
	Half    half.Format
	First   int64
}

// floats returns the number of elements of the part.
func (p *FlatPart) floats() int {
	if p.Halfs != nil {
		return len(p.Halfs)
	}
	return len(p.Vectors)
}

// SearchFlat runs an exact search over v. p.Metric must be set.
func SearchFlat(v FlatView, queries [][]float32, p SearchParams) ([][]Hit, error) {
	if v.Dim <= 0 {
		return nil, invalidf("dimension must be positive, got %d", v.Dim)
	}
	parts := v.Parts
	if parts == nil {
		parts = []FlatPart{{Vectors: v.Vectors}}
	} else if v.Vectors != nil || v.IDs != nil || v.Norms != nil {
		return nil, invalidf("a view of parts takes no Vectors, IDs or Norms")
	}
	n := 0
	for _, p := range parts {
		if p.floats()%v.Dim != 0 {
			return nil, invalidf("%d floats is not a multiple of dimension %d", p.floats(), v.Dim)
		}
		if p.Halfs != nil && p.Half == 0 {
			return nil, invalidf("a part of half-precision rows needs its format")
		}
		n += p.floats() / v.Dim
	}
	if v.IDs != nil && len(v.IDs) != n {
		return nil, invalidf("%d ids for %d vectors", len(v.IDs), n)
	}
	if v.Norms != nil && len(v.Norms) != n {
		return nil, invalidf("%d norms for %d vectors", len(v.Norms), n)
	}
	rng, err := p.validate(v.Dim, queries)
	if err != nil {
		return nil, err
	}
	s := &flatScan{parts: parts, dim: v.Dim, n: n, ids: v.IDs, norms: v.Norms, p: p, rng: rng, stop: newStopper(p.Check)}
	if p.Metric != MetricCosine {
		s.norms = nil
	}
	out := s.search(queries)
	if err := s.stop.result(); err != nil {
		return nil, err
	}
	return out, nil
}
