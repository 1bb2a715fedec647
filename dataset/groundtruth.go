package dataset

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/raftvec/raftvec/index"
)

// Tile sizes of the exact search: a block of queries is scored against a
// tile of base rows so that both stay in cache while every pair is
// computed (a plain per-query scan of a large base is memory bound).
const (
	gtQueryBlock = 32
	gtTileBytes  = 256 << 10
)

// GroundTruth returns, for each of the len(queries)/dim queries, the row
// indices of its k nearest base rows under metric, best first, ties broken
// by the smaller row index (the order of index.SearchFlat). The search is
// exact and runs on `threads` goroutines (<= 0: GOMAXPROCS). It panics on
// inconsistent arguments (a dimension that does not divide the inputs, an
// invalid metric, k <= 0).
func GroundTruth(base, queries []float32, dim, k int, metric index.Metric, threads int) [][]int32 {
	return GroundTruthProgress(base, queries, dim, k, metric, threads, nil)
}

// GroundTruthProgress is GroundTruth that adds the number of finished
// queries to done (if not nil) as it goes, for progress output.
func GroundTruthProgress(base, queries []float32, dim, k int, metric index.Metric, threads int, done *atomic.Int64) [][]int32 {
	if dim <= 0 || len(base)%dim != 0 || len(queries)%dim != 0 {
		panic(fmt.Sprintf("dataset: GroundTruth: %d base and %d query floats with dimension %d", len(base), len(queries), dim))
	}
	if !metric.Valid() || k <= 0 {
		panic(fmt.Sprintf("dataset: GroundTruth: metric %v, k %d", metric, k))
	}
	nb, nq := len(base)/dim, len(queries)/dim
	if metric == index.MetricCosine {
		base, queries = normalizeRows(base, dim), normalizeRows(queries, dim)
	}
	score := func(q, row []float32) float32 { return index.L2Squared(q, row) }
	if metric != index.MetricL2 { // IP, or COSINE on unit vectors: larger is better
		score = func(q, row []float32) float32 { return -index.Dot(q, row) }
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	tile := max(gtTileBytes/(4*dim), 1)
	out := make([][]int32, nq)
	blocks := (nq + gtQueryBlock - 1) / gtQueryBlock
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(threads, max(blocks, 1)) {
		wg.Go(func() {
			tops := make([]gtTop, gtQueryBlock)
			for b := int(next.Add(1) - 1); b < blocks; b = int(next.Add(1) - 1) {
				q0, q1 := b*gtQueryBlock, min((b+1)*gtQueryBlock, nq)
				for i := range tops[:q1-q0] {
					tops[i].reset(k)
				}
				for t0 := 0; t0 < nb; t0 += tile {
					t1 := min(t0+tile, nb)
					for qi := q0; qi < q1; qi++ {
						q := queries[qi*dim : (qi+1)*dim]
						top := &tops[qi-q0]
						for r := t0; r < t1; r++ {
							top.push(score(q, base[r*dim:(r+1)*dim]), int32(r))
						}
					}
				}
				for qi := q0; qi < q1; qi++ {
					out[qi] = tops[qi-q0].ids()
				}
				if done != nil {
					done.Add(int64(q1 - q0))
				}
			}
		})
	}
	wg.Wait()
	return out
}

func normalizeRows(v []float32, dim int) []float32 {
	out := make([]float32, len(v))
	for i := 0; i < len(v); i += dim {
		index.Normalize(out[i:i+dim], v[i:i+dim])
	}
	return out
}

// gtTop keeps the k best (smallest score) rows seen, sorted best first.
// Rows arrive in increasing index order, so inserting after equal scores
// keeps ties ordered by row index.
type gtTop struct {
	k      int
	scores []float32
	rows   []int32
}

func (t *gtTop) reset(k int) {
	t.k = k
	t.scores = t.scores[:0]
	t.rows = t.rows[:0]
}

func (t *gtTop) push(s float32, row int32) {
	n := len(t.scores)
	if s != s { // NaN never ranks
		return
	}
	if n == t.k {
		if s >= t.scores[n-1] {
			return
		}
		n-- // drop the worst
	} else {
		t.scores = append(t.scores, 0)
		t.rows = append(t.rows, 0)
	}
	i := n
	for i > 0 && t.scores[i-1] > s {
		t.scores[i] = t.scores[i-1]
		t.rows[i] = t.rows[i-1]
		i--
	}
	t.scores[i] = s
	t.rows[i] = row
}

func (t *gtTop) ids() []int32 {
	return append([]int32(nil), t.rows...)
}

// Recall returns the fraction of the true k nearest neighbours found:
// the sum over queries of |results[q][:k] ∩ gt[q][:k]| divided by
// len(results)*k (IDs are row indices). Queries beyond len(gt) or a
// ground-truth row shorter than k are an error.
func Recall(results [][]index.Hit, gt [][]int32, k int) (float64, error) {
	ids := make([][]int64, len(results))
	for i, hs := range results {
		ids[i] = make([]int64, len(hs))
		for j, h := range hs {
			ids[i][j] = h.ID
		}
	}
	return RecallIDs(ids, gt, k)
}

// RecallIDs is Recall over plain ID lists.
func RecallIDs(results [][]int64, gt [][]int32, k int) (float64, error) {
	if k <= 0 {
		return 0, fmt.Errorf("dataset: recall at k = %d", k)
	}
	if len(results) > len(gt) {
		return 0, fmt.Errorf("dataset: %d result lists but ground truth for %d queries", len(results), len(gt))
	}
	if len(results) == 0 {
		return math.NaN(), nil
	}
	found := 0
	truth := make(map[int64]struct{}, k)
	for q, res := range results {
		if len(gt[q]) < k {
			return 0, fmt.Errorf("dataset: ground truth of query %d has %d neighbours, want at least %d", q, len(gt[q]), k)
		}
		clear(truth)
		for _, id := range gt[q][:k] {
			truth[int64(id)] = struct{}{}
		}
		for _, id := range res[:min(len(res), k)] {
			if _, ok := truth[id]; ok {
				found++
				delete(truth, id) // a duplicated result counts once
			}
		}
	}
	return float64(found) / float64(len(results)*k), nil
}
