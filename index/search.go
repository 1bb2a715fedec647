package index

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Hit is one search result.
type Hit struct {
	// ID is opaque to this package: a row position or a primary key.
	ID int64
	// Distance is the raw metric value (squared L2, inner product or cosine).
	Distance float32
	// Group is the hit's group key in grouping search (nil otherwise). It
	// must be comparable; nil, int64, string, bool and float64 are typical.
	// Keys of different dynamic types never match (int64(1) != int32(1)).
	Group any
}

// SearchParams configures one search call; it is shared by all queries.
type SearchParams struct {
	// Metric must match the index's metric. Flat.Search accepts the zero
	// value (MetricInvalid) as "use the index's metric".
	Metric Metric
	// TopK is the number of results (groups when grouping) wanted per
	// query. Callers that apply an offset ask for offset+limit and let Merge
	// skip the offset.
	TopK int
	// Radius, when set, makes this a range search: L2 keeps d < Radius,
	// IP/COSINE keep d > Radius. RangeFilter is the optional inner bound:
	// L2 keeps d >= RangeFilter, IP/COSINE keep d <= RangeFilter. At most
	// TopK results within the range are returned.
	Radius, RangeFilter *float32
	// GroupSize > 0 turns on grouping search: TopK counts groups and each
	// group keeps its GroupSize best hits. GroupKey is then required.
	GroupSize int
	// Filter, if set, is called with each row's ID before its distance is
	// computed; rows for which it returns false are skipped. It may run on
	// several goroutines concurrently.
	Filter func(id int64) bool
	// GroupKey returns the (comparable) group key of a row ID. It is called
	// lazily, only for hits the grouping walk visits, possibly concurrently.
	GroupKey func(id int64) any
	// Check, if set, is called before each query vector (rows = 0), before
	// every ScanChunk rows of an exact scan, before each IVF list probed
	// and every hnswCheckEvery HNSW expansions, with the number of rows
	// about to be visited. A non-nil error (typically ctx.Err()) stops the
	// search: Search returns no hits and an error wrapping it. It is never
	// called per row, and may run on several goroutines concurrently.
	Check func(rows int) error
}

// ScanChunk is how many rows an exact scan visits between two calls of
// SearchParams.Check.
const ScanChunk = 4096

// stopper runs SearchParams.Check for one Search call and remembers the
// first error, after which every poll reports true.
type stopper struct {
	check   func(int) error
	stopped atomic.Bool
	once    sync.Once
	err     error // set once, before stopped; read after the workers joined
}

func newStopper(check func(int) error) *stopper { return &stopper{check: check} }

// poll reports whether the search must stop, calling Check with rows.
func (s *stopper) poll(rows int) bool {
	if s == nil || s.check == nil {
		return false
	}
	if s.stopped.Load() {
		return true
	}
	if err := s.check(rows); err != nil {
		s.once.Do(func() { s.err = err })
		s.stopped.Store(true)
		return true
	}
	return false
}

// result is the error that stopped the search (nil if none); call it only
// after every worker has returned.
func (s *stopper) result() error {
	if s == nil || !s.stopped.Load() {
		return nil
	}
	return fmt.Errorf("index: search stopped: %w", s.err)
}

// Index is an in-memory vector index over one segment's vectors.
// Implementations must allow concurrent Search calls.
type Index interface {
	// Search returns, per query, up to p.TopK hits (groups when grouping)
	// sorted best first.
	Search(queries [][]float32, p SearchParams) ([][]Hit, error)
	// Len is the number of indexed vectors.
	Len() int
	// Dim is the vector dimension.
	Dim() int
	// Metric is the metric the index was built for.
	Metric() Metric
}

// validate checks p and the queries against dimension dim and returns the
// accepted score range.
func (p *SearchParams) validate(dim int, queries [][]float32) (scoreRange, error) {
	if !p.Metric.dense() {
		return scoreRange{}, invalidf("metric type %v", p.Metric)
	}
	if p.TopK <= 0 {
		return scoreRange{}, invalidf("topk must be positive, got %d", p.TopK)
	}
	if p.GroupSize < 0 {
		return scoreRange{}, invalidf("group size must not be negative, got %d", p.GroupSize)
	}
	if p.GroupSize > 0 && p.GroupKey == nil {
		return scoreRange{}, invalidf("grouping search (group size %d) needs a group key", p.GroupSize)
	}
	for i, q := range queries {
		if len(q) != dim {
			return scoreRange{}, invalidf("query %d has dimension %d, want %d", i, len(q), dim)
		}
	}
	return makeRange(p.Metric, p.Radius, p.RangeFilter)
}

// parallelMinWork is the number of multiply-adds (nq*n*dim) below which a
// multi-query search stays on the calling goroutine.
const parallelMinWork = 1 << 20

// workersFor returns how many goroutines to spread nq queries over.
func workersFor(nq, n, dim int) int {
	if nq <= 1 || nq*n*dim < parallelMinWork {
		return 1
	}
	return min(nq, runtime.GOMAXPROCS(0))
}

// runQueries calls one(w, i) for every query index i, on up to nw
// goroutines that each own a scratch value from get (handed back to put
// when the goroutine finishes without panicking). All goroutines are joined
// before it returns; a panic in one (e.g. from a Filter callback) is
// re-raised on the caller's goroutine.
func runQueries[S any](nq, nw int, get func() S, put func(S), one func(S, int)) {
	if nw <= 1 {
		s := get()
		for i := range nq {
			one(s, i)
		}
		put(s)
		return
	}
	var (
		next      atomic.Int64
		wg        sync.WaitGroup
		panicOnce sync.Once
		panicMsg  string
	)
	for range nw {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					next.Store(int64(nq)) // stop handing out work
					panicOnce.Do(func() {
						panicMsg = fmt.Sprintf("%v\n\nsearch worker stack:\n%s", r, debug.Stack())
					})
				}
			}()
			s := get()
			for i := int(next.Add(1) - 1); i < nq; i = int(next.Add(1) - 1) {
				one(s, i)
			}
			put(s)
		})
	}
	wg.Wait()
	if panicMsg != "" {
		panic("index: panic during search: " + panicMsg)
	}
}
