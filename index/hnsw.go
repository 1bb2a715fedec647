package index

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// HNSW is an approximate index over a Hierarchical Navigable Small World
// graph (Malkov & Yashunin, 2016/2018).
//
// Layout: vectors are stored contiguously (normalized at insert under
// COSINE, so COSINE is searched as inner product); layer-0 links are one
// flat []int32 with a fixed slot of 1+M0 int32s per node (count, then up to
// M0 = 2*M neighbours); upper-layer links are a per-node []int32 with a
// slot of 1+M int32s per layer above 0. Internally every distance is a
// score where smaller is better (squared L2, or the negated inner product).
//
// Search semantics:
//   - Filter is applied during traversal: rejected nodes are still expanded
//     as stepping stones but never enter the result set, and layer 0 keeps
//     going until ef passing results are held or the candidates run out.
//     A very selective filter therefore degrades towards an exhaustive walk
//     of the reachable graph (still correct, slower).
//   - Range search (Radius/RangeFilter) post-filters the ef best results:
//     at most ef in-range hits can be found; raise ef for wide ranges.
//   - Grouping search over-fetches ef = max(ef, TopK*GroupSize) results and
//     runs the usual grouping walk over them, so groups whose hits lie
//     beyond the ef best candidates are missed.
//
// Construction uses the paper's neighbour-selection heuristic (Algorithm 4
// with keepPrunedConnections) both for a new node's links and for pruning
// overflowing lists; levels are drawn with mL = 1/ln(M) from a PCG seeded
// by HNSWConfig.Seed, so sequential Add is reproducible. Exact duplicate
// vectors are refilled last into pruned lists; with many copies of one
// vector most copies end up unreachable, which is harmless for results
// (any copy is an equally good answer) but means a Filter that rejects the
// reachable copies hides the rest.
//
// Each search goroutine keeps a pooled scratch with a 4-byte visited epoch
// per node (about 1.25*4*n bytes), reset by incrementing the epoch.
//
// HNSW is safe for concurrent use: Add/Build exclude searches while they
// insert.
type HNSW struct {
	mu       sync.RWMutex
	dim      int
	metric   Metric
	m, m0    int
	efc      int
	ml       float64
	seed     uint64
	rng      *rand.Rand
	vecs     []float32 // n*dim, normalized for COSINE
	ids      []int64   // nil while every ID is its row index
	levels   []uint8
	links0   []int32   // n*(1+m0)
	upper    [][]int32 // per node: levels[i]*(1+m)
	entry    int32     // -1 when empty
	maxLevel int
	bs       *hnswScratch // insert scratch (under mu)

	// Parallel Build state (only while mu is write-locked by Build): locks
	// guards each node's link lists; epMu guards entry and maxLevel.
	locks []sync.Mutex
	epMu  sync.Mutex
}

// HNSWConfig configures an HNSW index. Zero fields take the defaults.
type HNSWConfig struct {
	M              int    // max neighbours per node on upper layers (default 16); layer 0 keeps 2*M
	EfConstruction int    // candidate list size during insert (default 200)
	Seed           uint64 // level-generation seed
}

// HNSWDefaultEf is the search list size used by Search (raised to TopK).
const HNSWDefaultEf = 64

const hnswMaxLevel = 16

// ErrCorruptIndex is wrapped by UnmarshalHNSW errors for malformed input.
var ErrCorruptIndex = errors.New("index: corrupt HNSW index data")

var _ Index = (*HNSW)(nil)

// NewHNSW returns an empty HNSW index.
func NewHNSW(dim int, metric Metric, cfg HNSWConfig) (*HNSW, error) {
	if dim <= 0 {
		return nil, invalidf("hnsw dimension must be positive, got %d", dim)
	}
	if !metric.Valid() {
		return nil, invalidf("hnsw metric type %v", metric)
	}
	if cfg.M == 0 {
		cfg.M = 16
	}
	if cfg.EfConstruction == 0 {
		cfg.EfConstruction = 200
	}
	if cfg.M < 2 || cfg.M > 1<<15 {
		return nil, invalidf("hnsw M must be in [2, 32768], got %d", cfg.M)
	}
	if cfg.EfConstruction < 1 || cfg.EfConstruction > 1<<20 {
		return nil, invalidf("hnsw efConstruction must be in [1, 1048576], got %d", cfg.EfConstruction)
	}
	return newHNSW(dim, metric, cfg.M, cfg.EfConstruction, cfg.Seed), nil
}

func newHNSW(dim int, metric Metric, m, efc int, seed uint64) *HNSW {
	return &HNSW{
		dim: dim, metric: metric, m: m, m0: 2 * m, efc: efc,
		ml:    1 / math.Log(float64(m)),
		seed:  seed,
		rng:   newHNSWRand(seed, 0),
		entry: -1,
	}
}

// newHNSWRand is the level generator for an index holding n nodes.
func newHNSWRand(seed, n uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^n))
}

func (h *HNSW) Dim() int       { return h.dim }
func (h *HNSW) Metric() Metric { return h.metric }

// Len returns the number of indexed vectors.
func (h *HNSW) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.levels)
}

func (h *HNSW) id(node int32) int64 {
	if h.ids == nil {
		return int64(node)
	}
	return h.ids[node]
}

func (h *HNSW) vec(node int32) []float32 {
	o := int(node) * h.dim
	return h.vecs[o : o+h.dim : o+h.dim]
}

// dist is the score (smaller is better) between q and node's vector.
func (h *HNSW) dist(q []float32, node int32) float32 {
	if h.metric == MetricL2 {
		return l2Kernel(q, h.vec(node))
	}
	return -dotKernel(q, h.vec(node))
}

// neighbors returns node's links on layer (aliasing the link storage).
func (h *HNSW) neighbors(node int32, layer int) []int32 {
	if layer == 0 {
		o := int(node) * (1 + h.m0)
		return h.links0[o+1 : o+1+int(h.links0[o])]
	}
	u := h.upper[node]
	o := (layer - 1) * (1 + h.m)
	return u[o+1 : o+1+int(u[o])]
}

func (h *HNSW) setNeighbors(node int32, layer int, nb []int32) {
	var slot []int32
	if layer == 0 {
		o := int(node) * (1 + h.m0)
		slot = h.links0[o : o+1+h.m0]
	} else {
		o := (layer - 1) * (1 + h.m)
		slot = h.upper[node][o : o+1+h.m]
	}
	slot[0] = int32(copy(slot[1:], nb))
}

func (h *HNSW) maxConn(layer int) int {
	if layer == 0 {
		return h.m0
	}
	return h.m
}

// hnswScratch is per-goroutine search state.
type hnswScratch struct {
	q        []float32
	visited  []uint32 // epoch per node
	epoch    uint32
	cand     []entry   // min-heap (best first), id = node
	res      topK      // worst-first bounded heap, id = node
	eps      []entry   // entry points / layer results copy
	sel      []int32   // heuristic output
	drop     []entry   // heuristic discarded
	nb       []entry   // neighbour-shrink candidates
	lk       []int32   // links copy (parallel build)
	layerSel [][]int32 // inserted node's selected neighbours per layer
}

var hnswScratchPool = sync.Pool{New: func() any { return new(hnswScratch) }}

func (s *hnswScratch) prepare(n, dim int) {
	if cap(s.q) < dim {
		s.q = make([]float32, dim)
	}
	s.q = s.q[:dim]
	if len(s.visited) < n {
		s.visited = make([]uint32, n+n/4)
		s.epoch = 0
	}
}

// nextEpoch starts a fresh visited set.
func (s *hnswScratch) nextEpoch() {
	s.epoch++
	if s.epoch == 0 {
		clear(s.visited)
		s.epoch = 1
	}
}

func hnswPushBest(h []entry, e entry) []entry {
	h = append(h, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[p], h[i]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

// links returns node's neighbours on layer. During a parallel Build it
// copies them into s.lk under the node's lock; otherwise it aliases the
// link storage. The result is valid until the next call with s.
func (h *HNSW) links(s *hnswScratch, node int32, layer int) []int32 {
	if h.locks == nil {
		return h.neighbors(node, layer)
	}
	mu := &h.locks[node]
	mu.Lock()
	s.lk = append(s.lk[:0], h.neighbors(node, layer)...)
	mu.Unlock()
	return s.lk
}

// greedy walks layer from ep to a local minimum (ef = 1).
func (h *HNSW) greedy(s *hnswScratch, q []float32, ep entry, layer int) entry {
	for changed := true; changed; {
		changed = false
		for _, nb := range h.links(s, int32(ep.id), layer) {
			if d := h.dist(q, nb); d < ep.score {
				ep, changed = entry{d, int64(nb)}, true
			}
		}
	}
	return ep
}

// searchLayer is the paper's Algorithm 2 on one layer, with the filter
// applied to results only. It returns up to ef nodes best first; the
// slice aliases s.res storage until the next call.
func (h *HNSW) searchLayer(s *hnswScratch, q []float32, eps []entry, ef, layer int, filter func(int64) bool) []entry {
	s.nextEpoch()
	vis, epoch := s.visited, s.epoch
	s.cand = s.cand[:0]
	s.res.reset(ef)
	for _, e := range eps {
		if vis[e.id] == epoch {
			continue
		}
		vis[e.id] = epoch
		s.cand = hnswPushBest(s.cand, e)
		if filter == nil || filter(h.id(int32(e.id))) {
			s.res.push(e)
		}
	}
	l2 := h.metric == MetricL2
	l2k, dotk := l2Kernel, dotKernel
	dim := h.dim
	vecs := h.vecs
	for len(s.cand) > 0 {
		c := (*bestFirst)(&s.cand).pop()
		if s.res.full() && c.score > s.res.threshold() {
			break
		}
		for _, nb := range h.links(s, int32(c.id), layer) {
			if vis[nb] == epoch {
				continue
			}
			vis[nb] = epoch
			o := int(nb) * dim
			v := vecs[o : o+dim : o+dim]
			var d float32
			if l2 {
				d = l2k(q, v)
			} else {
				d = -dotk(q, v)
			}
			if s.res.full() && !(d < s.res.threshold()) {
				continue
			}
			e := entry{d, int64(nb)}
			s.cand = hnswPushBest(s.cand, e)
			if filter == nil || filter(h.id(nb)) {
				s.res.push(e)
			}
		}
	}
	return s.res.drain()
}

// selectHeuristic is Algorithm 4 (extendCandidates = false,
// keepPrunedConnections = true): cands must be sorted best first by score
// relative to the base element. A candidate is kept only if it is strictly
// closer to the base than to every kept one. Pruned candidates then refill
// the list, closest first, except that exact duplicates of a kept node
// (distance 0) come last: otherwise a run of identical vectors fills every
// list of its members and becomes an island no search can leave or enter.
// Returns at most m nodes in s.sel.
func (h *HNSW) selectHeuristic(s *hnswScratch, cands []entry, m int) []int32 {
	s.sel = s.sel[:0]
	if len(cands) <= m {
		for _, c := range cands {
			s.sel = append(s.sel, int32(c.id))
		}
		return s.sel
	}
	s.drop = s.drop[:0]
	dups := 0
	for _, c := range cands {
		if len(s.sel) >= m {
			break
		}
		good := true
		cv := h.vec(int32(c.id))
		for _, r := range s.sel {
			if d := h.dist(cv, r); d <= c.score {
				good = false
				if h.isDup(d, cv, r) {
					// Mark duplicates with a NaN score; only the order of
					// s.drop matters from here on.
					c.score = float32(math.NaN())
					dups++
				}
				break
			}
		}
		if good {
			s.sel = append(s.sel, int32(c.id))
		} else {
			s.drop = append(s.drop, c)
		}
	}
	for pass := 0; pass < 2 && len(s.sel) < m; pass++ {
		if pass == 1 && dups == 0 {
			break
		}
		for _, c := range s.drop {
			if len(s.sel) >= m {
				break
			}
			if isNaN(c.score) == (pass == 1) {
				s.sel = append(s.sel, int32(c.id))
			}
		}
	}
	return s.sel
}

// isDup reports whether v equals node r's vector, given their score d.
func (h *HNSW) isDup(d float32, v []float32, r int32) bool {
	if h.metric == MetricL2 {
		return d == 0
	}
	return slices.Equal(v, h.vec(r))
}

func (h *HNSW) randomLevel() int {
	l := int(-math.Log(1-h.rng.Float64()) * h.ml)
	return min(l, hnswMaxLevel)
}

// Add inserts len(vectors)/dim vectors. ids gives their IDs; nil means each
// vector's ID is its row index. Vectors are copied (normalized for COSINE).
func (h *HNSW) Add(ids []int64, vectors []float32) error {
	if len(vectors)%h.dim != 0 {
		return invalidf("%d floats is not a multiple of dimension %d", len(vectors), h.dim)
	}
	rows := len(vectors) / h.dim
	if ids != nil && len(ids) != rows {
		return invalidf("%d ids for %d vectors", len(ids), rows)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.levels)
	if n+rows > math.MaxInt32 {
		return invalidf("hnsw index cannot hold %d vectors", n+rows)
	}
	h.appendRows(ids, vectors)
	if h.bs == nil {
		h.bs = new(hnswScratch)
	}
	h.bs.prepare(n+rows, h.dim)
	for i := n; i < n+rows; i++ {
		h.insert(h.bs, int32(i))
	}
	return nil
}

// appendRows stores vectors, IDs, levels and empty link slots for new rows.
func (h *HNSW) appendRows(ids []int64, vectors []float32) {
	n := len(h.levels)
	rows := len(vectors) / h.dim
	if ids != nil && h.ids == nil {
		h.ids = identityIDs(make([]int64, 0, n+rows), 0, n)
	}
	if h.ids != nil {
		if ids != nil {
			h.ids = append(h.ids, ids...)
		} else {
			h.ids = identityIDs(h.ids, n, n+rows)
		}
	}
	h.vecs = slices.Grow(h.vecs, len(vectors))
	for r := range rows {
		v := vectors[r*h.dim : (r+1)*h.dim]
		h.vecs = append(h.vecs, v...)
		if h.metric == MetricCosine {
			row := h.vecs[len(h.vecs)-h.dim:]
			Normalize(row, row)
		}
		l := h.randomLevel()
		h.levels = append(h.levels, uint8(l))
		var u []int32
		if l > 0 {
			u = make([]int32, l*(1+h.m))
		}
		h.upper = append(h.upper, u)
	}
	h.links0 = append(h.links0, make([]int32, rows*(1+h.m0))...)
}

// insert links node into the graph (Algorithm 1). Caller holds h.mu for
// writing; during a parallel Build several inserts run at once, each
// node's links guarded by h.locks and the entry point by h.epMu.
func (h *HNSW) insert(s *hnswScratch, node int32) {
	level := int(h.levels[node])
	h.epMu.Lock()
	entryNode, maxLevel := h.entry, h.maxLevel
	if entryNode < 0 {
		h.entry, h.maxLevel = node, level
		h.epMu.Unlock()
		return
	}
	if level > maxLevel {
		// A new top node keeps the entry point locked until it is linked,
		// as hnswlib does; this is rare (about n/M^maxLevel nodes).
		defer h.epMu.Unlock()
	} else {
		h.epMu.Unlock()
	}
	q := h.vec(node)
	ep := entry{h.dist(q, entryNode), int64(entryNode)}
	for lc := maxLevel; lc > level; lc-- {
		ep = h.greedy(s, q, ep, lc)
	}
	s.eps = append(s.eps[:0], ep)
	for lc := min(level, maxLevel); lc >= 0; lc-- {
		w := h.searchLayer(s, q, s.eps, h.efc, lc, nil)
		s.eps = s.eps[:0]
		for _, e := range w {
			// During a parallel Build the node may already be linked
			// (found by another insert through an upper layer) and so
			// reach itself.
			if e.id != int64(node) {
				s.eps = append(s.eps, e)
			}
		}
		// Selections are published after the descent, bottom-up (below).
		top := min(level, maxLevel)
		if len(s.layerSel) <= top {
			s.layerSel = append(s.layerSel, make([][]int32, top+1-len(s.layerSel))...)
		}
		s.layerSel[lc] = append(s.layerSel[lc][:0], h.selectHeuristic(s, s.eps, h.m)...)
	}
	// Link layer 0 first: during a parallel Build another insert can reach
	// node on layer l only through in-links made here, so node is never an
	// entry point on a layer where it has no links yet.
	for lc := 0; lc <= min(level, maxLevel); lc++ {
		own := s.layerSel[lc]
		if h.locks != nil {
			h.locks[node].Lock()
		}
		if cur := h.neighbors(node, lc); len(cur) > 0 {
			// Concurrent inserts already added links node -> y (their
			// in-links). Keep them as a sequential build would have, by
			// merging them in like connect does, pruning to capacity.
			s.nb = s.nb[:0]
			for _, x := range own {
				s.nb = append(s.nb, entry{h.dist(q, x), int64(x)})
			}
			for _, x := range cur {
				if !slices.Contains(own, x) {
					s.nb = append(s.nb, entry{h.dist(q, x), int64(x)})
				}
			}
			slices.SortFunc(s.nb, cmpEntry)
			h.setNeighbors(node, lc, h.selectHeuristic(s, s.nb, h.maxConn(lc)))
		} else {
			h.setNeighbors(node, lc, own)
		}
		if h.locks != nil {
			h.locks[node].Unlock()
		}
		for _, nb := range own {
			h.connect(s, nb, node, lc)
		}
	}
	if level > maxLevel {
		h.entry, h.maxLevel = node, level
	}
}

// connect adds link from -> to on layer, shrinking from's list with the
// heuristic when it overflows.
func (h *HNSW) connect(s *hnswScratch, from, to int32, layer int) {
	if h.locks != nil {
		h.locks[from].Lock()
		defer h.locks[from].Unlock()
	}
	cur := h.neighbors(from, layer)
	if slices.Contains(cur, to) {
		return
	}
	mc := h.maxConn(layer)
	if len(cur) < mc {
		if layer == 0 {
			o := int(from) * (1 + h.m0)
			h.links0[o+1+len(cur)] = to
			h.links0[o]++
		} else {
			u := h.upper[from]
			o := (layer - 1) * (1 + h.m)
			u[o+1+len(cur)] = to
			u[o]++
		}
		return
	}
	fv := h.vec(from)
	s.nb = s.nb[:0]
	for _, x := range cur {
		s.nb = append(s.nb, entry{h.dist(fv, x), int64(x)})
	}
	s.nb = append(s.nb, entry{h.dist(fv, to), int64(to)})
	slices.SortFunc(s.nb, cmpEntry)
	h.setNeighbors(from, layer, h.selectHeuristic(s, s.nb, mc))
}

// Search runs an approximate search with ef = max(HNSWDefaultEf, TopK).
func (h *HNSW) Search(queries [][]float32, p SearchParams) ([][]Hit, error) {
	return h.SearchEf(queries, p, HNSWDefaultEf)
}

// SearchEf runs an approximate search with a layer-0 candidate list of
// max(ef, TopK) (max(ef, TopK*GroupSize) when grouping). p.Metric may be
// left zero to use the index's metric.
func (h *HNSW) SearchEf(queries [][]float32, p SearchParams, ef int) ([][]Hit, error) {
	if p.Metric == MetricInvalid {
		p.Metric = h.metric
	}
	if p.Metric != h.metric {
		return nil, invalidf("metric type %v does not match the index metric %v", p.Metric, h.metric)
	}
	rng, err := p.validate(h.dim, queries)
	if err != nil {
		return nil, err
	}
	if ef <= 0 {
		return nil, invalidf("ef must be positive, got %d", ef)
	}
	ef = max(ef, p.TopK)
	if p.GroupSize > 0 {
		ef = max(ef, p.TopK*p.GroupSize)
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([][]Hit, len(queries))
	n := len(h.levels)
	if n == 0 {
		for i := range out {
			out[i] = []Hit{}
		}
		return out, nil
	}
	nw := 1
	if len(queries) >= 4 {
		nw = min(len(queries), runtime.GOMAXPROCS(0))
	}
	get := func() *hnswScratch {
		s := hnswScratchPool.Get().(*hnswScratch)
		s.prepare(n, h.dim)
		return s
	}
	put := func(s *hnswScratch) { hnswScratchPool.Put(s) }
	runQueries(len(queries), nw, get, put, func(s *hnswScratch, i int) {
		out[i] = h.searchOne(s, queries[i], p, ef, rng)
	})
	return out, nil
}

func (h *HNSW) searchOne(s *hnswScratch, q []float32, p SearchParams, ef int, rng scoreRange) []Hit {
	if h.metric == MetricCosine {
		Normalize(s.q, q)
		q = s.q
	}
	ep := entry{h.dist(q, h.entry), int64(h.entry)}
	for lc := h.maxLevel; lc > 0; lc-- {
		ep = h.greedy(s, q, ep, lc)
	}
	s.eps = append(s.eps[:0], ep)
	res := h.searchLayer(s, q, s.eps, ef, 0, p.Filter)
	// Map nodes to IDs, drop out-of-range (and NaN) scores, order by
	// (score, ID) like Flat.
	kept := res[:0]
	for _, e := range res {
		if rng.contains(e.score) {
			kept = append(kept, entry{e.score, h.id(int32(e.id))})
		}
	}
	slices.SortFunc(kept, cmpEntry)
	if p.GroupSize > 0 {
		g := newGroupCollector(p.TopK, p.GroupSize)
		for _, e := range kept {
			if g.add(Hit{ID: e.id, Distance: h.hitDistance(e.score), Group: p.GroupKey(e.id)}) {
				break
			}
		}
		return g.result(0)
	}
	kept = kept[:min(len(kept), p.TopK)]
	out := make([]Hit, len(kept))
	for i, e := range kept {
		out[i] = Hit{ID: e.id, Distance: h.hitDistance(e.score)}
	}
	return out
}

// hitDistance converts an internal score to the raw metric value.
func (h *HNSW) hitDistance(score float32) float32 {
	switch h.metric {
	case MetricL2:
		return score
	case MetricCosine:
		return min(max(-score, -1), 1)
	}
	return -score
}

// Build inserts like Add but on up to threads goroutines (threads <= 0
// means GOMAXPROCS), with one lock per node guarding its link lists. The
// graph (unlike Add's) depends on scheduling, so it is not reproducible
// from the seed; levels still are. Searches wait until Build returns.
func (h *HNSW) Build(ids []int64, vectors []float32, threads int) error {
	if len(vectors)%h.dim != 0 {
		return invalidf("%d floats is not a multiple of dimension %d", len(vectors), h.dim)
	}
	rows := len(vectors) / h.dim
	if ids != nil && len(ids) != rows {
		return invalidf("%d ids for %d vectors", len(ids), rows)
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.levels)
	if n+rows > math.MaxInt32 {
		return invalidf("hnsw index cannot hold %d vectors", n+rows)
	}
	h.appendRows(ids, vectors)
	threads = min(threads, max(rows/64, 1))
	if threads == 1 {
		if h.bs == nil {
			h.bs = new(hnswScratch)
		}
		h.bs.prepare(n+rows, h.dim)
		for i := n; i < n+rows; i++ {
			h.insert(h.bs, int32(i))
		}
		return nil
	}
	h.locks = make([]sync.Mutex, n+rows)
	defer func() { h.locks = nil }()
	var next atomic.Int64
	next.Store(int64(n))
	var wg sync.WaitGroup
	for range threads {
		wg.Go(func() {
			s := new(hnswScratch)
			s.prepare(n+rows, h.dim)
			for i := next.Add(1) - 1; i < int64(n+rows); i = next.Add(1) - 1 {
				h.insert(s, int32(i))
			}
		})
	}
	wg.Wait()
	return nil
}

// cmpEntry orders entries best first (score, then ID).
func cmpEntry(a, b entry) int {
	if worse(b, a) {
		return -1
	}
	if worse(a, b) {
		return 1
	}
	return 0
}
