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
// overflowing lists, with hnswlib's parameters (M0 = 2*M, ef =
// efConstruction, mL = 1/ln(M)); levels are drawn from a PCG seeded by
// HNSWConfig.Seed, so sequential Add is reproducible. Refilling pruned
// lists to capacity (hnswlib drops the pruned candidates) costs about a
// fifth more build CPU, but on MNIST it gives markedly higher recall per
// search cost (on clustered Gaussian data it is even) and it keeps IP,
// where the heuristic's triangle reasoning fails, from thin lists. Exact
// duplicate vectors are refilled last into pruned lists; with many copies
// of one vector most copies end up unreachable, which is harmless for
// results (any copy is an equally good answer) but means a Filter that
// rejects the reachable copies hides the rest.
//
// Search expands a node by collecting its not yet visited neighbours and
// scoring them in one batch-kernel call that prefetches the vectors ahead
// (see l2BatchKernel); each search goroutine keeps a pooled scratch with a
// visited bitset (one bit per node, small enough to stay in cache), reset
// by clearing only the words the previous search touched.
//
// HNSW is safe for concurrent use: Add/Build exclude searches while they
// insert. During a parallel Build, inserts read link lists without locks
// (see storeLinks) and serialize writers per node.
type HNSW struct {
	mu       sync.RWMutex
	dim      int
	metric   Metric
	m, m0    int
	efc      int
	refill   bool // keepPrunedConnections: always on, off only in experiments
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
	frozen   bool         // opened over a file's bytes (OpenHNSW): no Add or Build
	adopt    bool         // during BuildOwned: an empty index keeps the caller's slice

	// Parallel Build state (only while mu is write-locked by Build): locks
	// serializes the writers of each node's link lists (readers take no
	// lock, see storeLinks); epMu guards entry and maxLevel.
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
	if !metric.dense() {
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
		ml:     1 / math.Log(float64(m)),
		refill: true,
		seed:   seed,
		rng:    newHNSWRand(seed, 0),
		entry:  -1,
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

// linkSlot returns node's link slot on layer: the count, then the capacity
// (M0 or M) link positions.
func (h *HNSW) linkSlot(node int32, layer int) []int32 {
	if layer == 0 {
		o := int(node) * (1 + h.m0)
		return h.links0[o : o+1+h.m0 : o+1+h.m0]
	}
	o := (layer - 1) * (1 + h.m)
	return h.upper[node][o : o+1+h.m : o+1+h.m]
}

// neighbors returns node's links on layer (aliasing the link storage). Only
// for use while no insert can run concurrently.
func (h *HNSW) neighbors(node int32, layer int) []int32 {
	slot := h.linkSlot(node, layer)
	return slot[1 : 1+slot[0]]
}

// storeLinks replaces the links in slot with nb (len(nb) <= capacity).
//
// Link storage is read without locks (see gather): during a parallel Build
// every link word is written with an atomic store, the links before the
// count, so a reader sees either list or a mix of the two, never a slot
// that was not written since the index was created. Any mix is made of
// valid nodes of the right level, which is all a search needs. Writers of
// one node's lists exclude each other with h.locks.
func storeLinks(slot, nb []int32) {
	for i, x := range nb {
		atomic.StoreInt32(&slot[1+i], x)
	}
	atomic.StoreInt32(&slot[0], int32(len(nb)))
}

func (h *HNSW) maxConn(layer int) int {
	if layer == 0 {
		return h.m0
	}
	return h.m
}

// hnswItem is a node and its score in the search heaps.
type hnswItem struct {
	d float32
	n int32
}

// itemWorse orders items worst first: higher score, then higher node.
func itemWorse(a, b hnswItem) bool {
	return a.d > b.d || (a.d == b.d && a.n > b.n)
}

// The search heaps hold items packed into uint64 keys that order like
// itemWorse: the score's bits mapped to an unsigned order (flip every bit
// of a negative float, the sign bit of a positive one) above the node, so
// a heap step is a single integer comparison.

// itemKey packs it into a heap key.
func itemKey(d float32, n int32) uint64 {
	b := math.Float32bits(d)
	b ^= uint32(int32(b)>>31) | 1<<31
	return uint64(b)<<32 | uint64(uint32(n))
}

// keyScore returns the score packed in k.
func keyScore(k uint64) float32 {
	b := uint32(k >> 32)
	b ^= uint32(int32(^b)>>31) | 1<<31
	return math.Float32frombits(b)
}

// keyItem unpacks k.
func keyItem(k uint64) hnswItem { return hnswItem{keyScore(k), int32(uint32(k))} }

// pushMin adds k to the min-heap h (best key at h[0]).
func pushMin(h []uint64, k uint64) []uint64 {
	h = append(h, k)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p] <= k {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = k
	return h
}

// popMin removes the best key of the non-empty min-heap h.
func popMin(h []uint64) []uint64 {
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n || c < 0 {
			break
		}
		if r := c + 1; r < n && h[r] < h[c] {
			c = r
		}
		if last <= h[c] {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = last
	}
	return h
}

// pushMax offers k to the max-heap h (worst key at h[0]) holding at most
// size keys, keeping it only if it ranks among the size best so far.
func pushMax(h []uint64, k uint64, size int) []uint64 {
	if len(h) < size {
		h = append(h, k)
		i := len(h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if h[p] >= k {
				break
			}
			h[i] = h[p]
			i = p
		}
		h[i] = k
		return h
	}
	if k >= h[0] {
		return h
	}
	siftDownMax(h, k)
	return h
}

// siftDownMax replaces the root of the non-empty max-heap h with k.
func siftDownMax(h []uint64, k uint64) {
	n := len(h)
	i := 0
	for {
		c := 2*i + 1
		if c >= n || c < 0 {
			break
		}
		if r := c + 1; r < n && h[r] > h[c] {
			c = r
		}
		if h[c] <= k {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = k
}

// sortItems sorts short item lists best first (insertion sort: the lists
// are at most M+M0 long).
func sortItems(a []hnswItem) {
	for i := 1; i < len(a); i++ {
		x := a[i]
		j := i
		for ; j > 0 && itemWorse(a[j-1], x); j-- {
			a[j] = a[j-1]
		}
		a[j] = x
	}
}

// hnswScratch is per-goroutine search state.
type hnswScratch struct {
	q        []float32
	visited  []uint64   // bit per node
	touched  []int32    // nodes marked in visited since the last reset
	cand     []uint64   // min-heap of item keys (best first)
	res      []uint64   // max-heap of item keys (worst first), at most ef
	found    []hnswItem // searchLayer's result
	ids      []int32    // nodes whose distances are computed in one batch
	dists    []float32  // their scores
	eps      []hnswItem // entry points / layer results copy
	sel      []int32    // heuristic output
	drop     []hnswItem // heuristic discarded
	nb       []hnswItem // neighbour-shrink candidates
	layerSel [][]int32  // inserted node's selected neighbours per layer
	kept     []entry    // search results as (score, ID)
}

var hnswScratchPool = sync.Pool{New: func() any { return new(hnswScratch) }}

// prepare sizes s for an index of n nodes of dimension dim whose link
// lists hold at most deg nodes.
func (s *hnswScratch) prepare(n, dim, deg int) {
	if cap(s.q) < dim {
		s.q = make([]float32, dim)
	}
	s.q = s.q[:dim]
	if words := (n + 63) / 64; len(s.visited) < words {
		s.visited = make([]uint64, words+words/4)
		s.touched = s.touched[:0]
	}
	if cap(s.ids) < deg+1 {
		s.ids = make([]int32, 0, deg+1)
	}
	if len(s.dists) < deg+1 {
		s.dists = make([]float32, deg+1)
	}
}

// resetVisited starts a fresh visited set: it zeroes the words holding the
// touched nodes' bits, or the whole set when that is cheaper.
func (s *hnswScratch) resetVisited() {
	if len(s.touched) > len(s.visited)/4 {
		clear(s.visited)
	} else {
		vis := s.visited
		for _, x := range s.touched {
			vis[uint32(x)>>6] = 0
		}
	}
	s.touched = s.touched[:0]
}

// visit marks node visited and reports whether it was not visited yet.
func (s *hnswScratch) visit(node int32) bool {
	w, bit := uint32(node)>>6, uint64(1)<<(uint32(node)&63)
	if s.visited[w]&bit != 0 {
		return false
	}
	s.visited[w] |= bit
	s.touched = append(s.touched, node)
	return true
}

// batchKernel returns the batch kernel for h's metric and whether its
// results must be negated into scores.
func (h *HNSW) batchKernel() (func(q, vecs []float32, ids []int32, out []float32), bool) {
	if h.metric == MetricL2 {
		return l2BatchKernel, false
	}
	return dotBatchKernel, true
}

// gather puts node's not yet visited neighbours on layer into s.ids,
// marking them visited, and returns them. It reads the links without a
// lock (see storeLinks), so it is safe during a parallel Build.
func (h *HNSW) gather(s *hnswScratch, node int32, layer int) []int32 {
	slot := h.linkSlot(node, layer)
	cnt := min(int(atomic.LoadInt32(&slot[0])), len(slot)-1)
	vis := s.visited
	// Branch-free compaction: whether a neighbour was visited is a coin
	// flip for the branch predictor. Each one is written at ids[k] and
	// kept by advancing k only when it was new.
	ids := s.ids[:cnt]
	touched := slices.Grow(s.touched, cnt)
	tn := len(touched)
	touched = touched[:tn+cnt]
	k := 0
	for i := 1; i <= cnt; i++ {
		nb := atomic.LoadInt32(&slot[i])
		w, sh := uint32(nb)>>6, uint32(nb)&63
		v := vis[w]
		vis[w] = v | 1<<sh
		ids[k] = nb
		touched[tn+k] = nb
		k += int(^(v >> sh) & 1)
	}
	ids = ids[:k]
	s.ids, s.touched = ids, touched[:tn+k]
	return ids
}

// greedy walks layer from ep to a local minimum (ef = 1).
func (h *HNSW) greedy(s *hnswScratch, q []float32, ep hnswItem, layer int) hnswItem {
	batch, neg := h.batchKernel()
	for changed := true; changed; {
		changed = false
		slot := h.linkSlot(ep.n, layer)
		cnt := min(int(atomic.LoadInt32(&slot[0])), len(slot)-1)
		ids := s.ids[:0]
		for i := 1; i <= cnt; i++ {
			ids = append(ids, atomic.LoadInt32(&slot[i]))
		}
		s.ids = ids
		ds := s.dists[:len(ids)]
		batch(q, h.vecs, ids, ds)
		for i, nb := range ids {
			d := ds[i]
			if neg {
				d = -d
			}
			if d < ep.d {
				ep, changed = hnswItem{d, nb}, true
			}
		}
	}
	return ep
}

// searchLayer is the paper's Algorithm 2 on one layer, with the filter
// applied to results only. It returns up to ef nodes best first; the
// slice aliases s.found storage until the next call.
//
// Each expanded node's unvisited neighbours are gathered first and their
// distances computed in one batch-kernel call that prefetches vectors a
// few rows ahead of the one it sums.
//
// stop (nil while building) is polled every hnswCheckEvery expansions: a
// filter that rejects most rows makes the walk visit much of the graph.
func (h *HNSW) searchLayer(s *hnswScratch, q []float32, eps []hnswItem, ef, layer int, filter func(int64) bool, stop *stopper) []hnswItem {
	s.resetVisited()
	cand, res := s.cand[:0], s.res[:0]
	for _, e := range eps {
		if !s.visit(e.n) {
			continue
		}
		k := itemKey(e.d, e.n)
		cand = pushMin(cand, k)
		if filter == nil || filter(h.id(e.n)) {
			res = pushMax(res, k, ef)
		}
	}
	// thr is the score of the worst result once ef are held.
	thr := float32(math.Inf(1))
	if len(res) >= ef {
		thr = keyScore(res[0])
	}
	batch, neg := h.batchKernel()
	vecs, ds := h.vecs, s.dists
	links0, slot0 := h.links0, 1+h.m0
	slot0Bytes := 4 * slot0
	expanded, visited := 0, 0
	for len(cand) > 0 {
		c := keyItem(cand[0])
		if c.d > thr {
			break
		}
		if expanded++; stop != nil && expanded%hnswCheckEvery == 0 {
			if stop.poll(visited) {
				break // discarded: the search fails
			}
			visited = 0
		}
		cand = popMin(cand)
		ids := h.gather(s, c.n, layer)
		visited += len(ids)
		if len(ids) == 0 {
			continue
		}
		ds := ds[:len(ids)]
		batch(q, vecs, ids, ds)
		for i, nb := range ids {
			d := ds[i]
			if neg {
				d = -d
			}
			if len(res) >= ef && !(d < thr) {
				continue
			}
			k := itemKey(d, nb)
			cand = pushMin(cand, k)
			// Most candidates get expanded: start loading their links.
			if layer == 0 {
				prefetchLines(&links0[int(nb)*slot0], slot0Bytes)
			}
			if filter == nil || filter(h.id(nb)) {
				res = pushMax(res, k, ef)
				if len(res) >= ef {
					thr = keyScore(res[0])
				}
			}
		}
	}
	s.cand, s.res = cand, res
	slices.Sort(res)
	found := s.found[:0]
	for _, k := range res {
		found = append(found, keyItem(k))
	}
	s.found = found
	return found
}

// selectHeuristic is Algorithm 4 (extendCandidates = false,
// keepPrunedConnections = h.refill): cands must be sorted best first by
// score relative to the base element. A candidate is kept only if it is
// strictly closer to the base than to every kept one. Pruned candidates
// then refill the list, closest first, except that exact duplicates of a
// kept node (distance 0) come last: otherwise a run of identical vectors
// fills every list of its members and becomes an island no search can
// leave or enter. Returns at most m nodes in s.sel.
func (h *HNSW) selectHeuristic(s *hnswScratch, cands []hnswItem, m int) []int32 {
	s.sel = s.sel[:0]
	if len(cands) <= m {
		for _, c := range cands {
			s.sel = append(s.sel, c.n)
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
		cv := h.vec(c.n)
		for _, r := range s.sel {
			if d := h.dist(cv, r); d <= c.d {
				good = false
				if h.isDup(d, cv, r) {
					// Mark duplicates with a NaN score; only the order of
					// s.drop matters from here on.
					c.d = float32(math.NaN())
					dups++
				}
				break
			}
		}
		if good {
			s.sel = append(s.sel, c.n)
		} else {
			s.drop = append(s.drop, c)
		}
	}
	for pass := 0; h.refill && pass < 2 && len(s.sel) < m; pass++ {
		if pass == 1 && dups == 0 {
			break
		}
		for _, c := range s.drop {
			if len(s.sel) >= m {
				break
			}
			if isNaN(c.d) == (pass == 1) {
				s.sel = append(s.sel, c.n)
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
	rows, err := h.checkRows(ids, vectors)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n, err := h.appendLocked(ids, vectors, rows)
	if err != nil {
		return err
	}
	h.insertSequentialLocked(n, n+rows)
	return nil
}

// checkRows validates an Add or Build call and returns its row count.
func (h *HNSW) checkRows(ids []int64, vectors []float32) (int, error) {
	if h.frozen {
		return 0, invalidf("hnsw index opened in place over a file is read-only")
	}
	if len(vectors)%h.dim != 0 {
		return 0, invalidf("%d floats is not a multiple of dimension %d", len(vectors), h.dim)
	}
	rows := len(vectors) / h.dim
	if ids != nil && len(ids) != rows {
		return 0, invalidf("%d ids for %d vectors", len(ids), rows)
	}
	return rows, nil
}

// appendLocked stores the new rows (see appendRows) and returns the first
// new node.
func (h *HNSW) appendLocked(ids []int64, vectors []float32, rows int) (int, error) {
	n := len(h.levels)
	if n+rows > math.MaxInt32 {
		return 0, invalidf("hnsw index cannot hold %d vectors", n+rows)
	}
	h.appendRows(ids, vectors)
	return n, nil
}

// insertSequentialLocked links nodes [from, to) one by one with the index's
// own scratch space (reproducible from the seed).
func (h *HNSW) insertSequentialLocked(from, to int) {
	if h.bs == nil {
		h.bs = new(hnswScratch)
	}
	h.bs.prepare(to, h.dim, h.m0)
	for i := from; i < to; i++ {
		h.insert(h.bs, int32(i))
	}
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
	if n == 0 && h.adopt {
		h.vecs = vectors[:len(vectors):len(vectors)] // BuildOwned: no copy
	} else {
		h.vecs = append(slices.Grow(h.vecs, len(vectors)), vectors...)
	}
	if h.metric == MetricCosine {
		for r := n; r < n+rows; r++ {
			row := h.vecs[r*h.dim : (r+1)*h.dim]
			Normalize(row, row)
		}
	}
	for range rows {
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
// node's link writers serialized by h.locks (readers take no lock, see
// storeLinks) and the entry point guarded by h.epMu.
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
	ep := hnswItem{h.dist(q, entryNode), entryNode}
	for lc := maxLevel; lc > level; lc-- {
		ep = h.greedy(s, q, ep, lc)
	}
	s.eps = append(s.eps[:0], ep)
	top := min(level, maxLevel)
	if len(s.layerSel) <= top {
		s.layerSel = append(s.layerSel, make([][]int32, top+1-len(s.layerSel))...)
	}
	for lc := top; lc >= 0; lc-- {
		w := h.searchLayer(s, q, s.eps, h.efc, lc, nil, nil)
		s.eps = s.eps[:0]
		for _, e := range w {
			// During a parallel Build the node may already be linked
			// (found by another insert through an upper layer) and so
			// reach itself.
			if e.n != node {
				s.eps = append(s.eps, e)
			}
		}
		// Selections are published after the descent, bottom-up (below).
		s.layerSel[lc] = append(s.layerSel[lc][:0], h.selectHeuristic(s, s.eps, h.m)...)
	}
	// Link layer 0 first: during a parallel Build another insert can reach
	// node on layer l only through in-links made here, so node is never an
	// entry point on a layer where it has no links yet.
	for lc := 0; lc <= top; lc++ {
		own := s.layerSel[lc]
		if h.locks != nil {
			h.locks[node].Lock()
		}
		slot := h.linkSlot(node, lc)
		if cur := slot[1 : 1+slot[0]]; len(cur) > 0 {
			// Concurrent inserts already added links node -> y (their
			// in-links). Keep them as a sequential build would have, by
			// merging them in like connect does, pruning to capacity.
			ids := append(s.ids[:0], own...)
			for _, x := range cur {
				if !slices.Contains(own, x) {
					ids = append(ids, x)
				}
			}
			s.ids = ids
			h.shrink(s, q, slot, ids, h.maxConn(lc))
		} else {
			storeLinks(slot, own)
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

// shrink stores in slot the heuristic's choice of at most mc of ids
// (distinct nodes, scored against base vector v). s.ids may alias ids.
func (h *HNSW) shrink(s *hnswScratch, v []float32, slot, ids []int32, mc int) {
	if cap(s.dists) < len(ids) {
		s.dists = make([]float32, len(ids))
	}
	ds := s.dists[:len(ids)]
	batch, neg := h.batchKernel()
	batch(v, h.vecs, ids, ds)
	s.nb = s.nb[:0]
	for i, x := range ids {
		d := ds[i]
		if neg {
			d = -d
		}
		s.nb = append(s.nb, hnswItem{d, x})
	}
	sortItems(s.nb)
	storeLinks(slot, h.selectHeuristic(s, s.nb, mc))
}

// connect adds link from -> to on layer, shrinking from's list with the
// heuristic when it overflows.
func (h *HNSW) connect(s *hnswScratch, from, to int32, layer int) {
	if h.locks != nil {
		h.locks[from].Lock()
		defer h.locks[from].Unlock()
	}
	slot := h.linkSlot(from, layer)
	cnt := int(slot[0])
	cur := slot[1 : 1+cnt]
	if slices.Contains(cur, to) {
		return
	}
	mc := h.maxConn(layer)
	if cnt < mc {
		atomic.StoreInt32(&slot[1+cnt], to)
		atomic.StoreInt32(&slot[0], int32(cnt+1))
		return
	}
	ids := append(append(s.ids[:0], cur...), to)
	s.ids = ids
	h.shrink(s, h.vec(from), slot, ids, mc)
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
		s.prepare(n, h.dim, h.m0)
		return s
	}
	put := func(s *hnswScratch) { hnswScratchPool.Put(s) }
	stop := newStopper(p.Check)
	runQueries(len(queries), nw, get, put, func(s *hnswScratch, i int) {
		if !stop.poll(0) {
			out[i] = h.searchOne(s, queries[i], p, ef, rng, stop)
		}
	})
	if err := stop.result(); err != nil {
		return nil, err
	}
	return out, nil
}

// hnswCheckEvery is how many node expansions a search makes between two
// polls of SearchParams.Check (each expansion visits up to 2*M neighbours).
const hnswCheckEvery = 128

func (h *HNSW) searchOne(s *hnswScratch, q []float32, p SearchParams, ef int, rng scoreRange, stop *stopper) []Hit {
	if h.metric == MetricCosine {
		Normalize(s.q, q)
		q = s.q
	}
	ep := hnswItem{h.dist(q, h.entry), h.entry}
	for lc := h.maxLevel; lc > 0; lc-- {
		ep = h.greedy(s, q, ep, lc)
	}
	s.eps = append(s.eps[:0], ep)
	res := h.searchLayer(s, q, s.eps, ef, 0, p.Filter, stop)
	// Map nodes to IDs, drop out-of-range (and NaN) scores, order by
	// (score, ID) like Flat.
	kept := s.kept[:0]
	for _, e := range res {
		if rng.contains(e.d) {
			kept = append(kept, entry{e.d, h.id(e.n)})
		}
	}
	s.kept = kept
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
	rows, err := h.checkRows(ids, vectors)
	if err != nil {
		return err
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n, err := h.appendLocked(ids, vectors, rows)
	if err != nil {
		return err
	}
	threads = min(threads, max(rows/64, 1))
	if threads == 1 {
		h.insertSequentialLocked(n, n+rows)
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
			s.prepare(n+rows, h.dim, h.m0)
			for i := next.Add(1) - 1; i < int64(n+rows); i = next.Add(1) - 1 {
				h.insert(s, int32(i))
			}
		})
	}
	wg.Wait()
	return nil
}

// BuildOwned is Build (row numbers as IDs) for a caller that hands its
// vectors over: an empty index uses the slice as its storage instead of
// copying it, normalizing it in place for COSINE. The caller must not use
// or change vectors afterwards.
func (h *HNSW) BuildOwned(vectors []float32, threads int) error {
	h.mu.Lock()
	h.adopt = true
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.adopt = false
		h.mu.Unlock()
	}()
	return h.Build(nil, vectors, threads)
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
