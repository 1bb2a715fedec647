package index

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// IVFConfig configures an IVF_FLAT index. Zero fields take the defaults.
type IVFConfig struct {
	// Nlist is the number of k-means clusters (inverted lists), 1..65536;
	// 0 means 128. Train lowers it to the number of training vectors when
	// fewer are given.
	Nlist int
	// TrainIters is the number of Lloyd iterations; 0 means 10.
	TrainIters int
	// Seed makes training (sampling and k-means initialisation)
	// deterministic.
	Seed uint64
}

const (
	ivfDefaultNlist  = 128
	ivfDefaultIters  = 10
	ivfMaxNlist      = 65536
	ivfMaxIters      = 1 << 16
	ivfDefaultNprobe = 16
	// ivfSamplePerList bounds the training sample at ivfSamplePerList*nlist
	// vectors, as Faiss does.
	ivfSamplePerList = 256
	// ivfPlusPlusBudget is the largest nlist*sample size for which
	// k-means++ seeding is used; beyond it centroids start as random
	// distinct sample points (k-means++ costs nlist passes over the sample).
	ivfPlusPlusBudget = 1 << 26
)

// IVFFlat is an inverted-file index with uncompressed vectors (Milvus
// IVF_FLAT): Train clusters a sample with k-means, Add appends each vector
// to the list of its nearest centroid, and a search scans only the nprobe
// lists whose centroids are closest to the query.
//
// Vectors are stored in the list of their nearest centroid in L2 (the
// k-means Voronoi cell, for every metric); a query probes the lists whose
// centroids rank best under the index metric: smallest L2 distance for L2,
// largest inner product for IP and COSINE. COSINE vectors are normalized on
// Add and the centroids are kept unit-norm (spherical k-means), so COSINE
// search is an inner-product search over unit vectors. (Faiss assigns IP
// vectors by inner product instead; on clustered data the Voronoi
// assignment gave visibly better IP recall at equal nprobe.)
//
// It is safe for concurrent use; Train and Add exclude searches while they
// modify the index.
type IVFFlat struct {
	mu        sync.RWMutex
	dim       int
	metric    Metric
	cfg       IVFConfig // normalized: Nlist and TrainIters set
	centroids []float32 // nlist*dim once trained, nil before
	lists     []ivfList // one per centroid
	n         int
	frozen    bool // opened over a file's bytes (OpenIVFFlat): no Train or Add
}

// ivfList is one inverted list: IDs and their vectors, contiguous.
type ivfList struct {
	ids  []int64
	vecs []float32 // len(ids)*dim
}

var _ Index = (*IVFFlat)(nil)

// NewIVFFlat returns an empty, untrained IVF_FLAT index.
func NewIVFFlat(dim int, metric Metric, cfg IVFConfig) (*IVFFlat, error) {
	if dim <= 0 {
		return nil, invalidf("ivf index dimension must be positive, got %d", dim)
	}
	if !metric.dense() {
		return nil, invalidf("ivf index metric type %v", metric)
	}
	if cfg.Nlist == 0 {
		cfg.Nlist = ivfDefaultNlist
	}
	if cfg.Nlist < 1 || cfg.Nlist > ivfMaxNlist {
		return nil, invalidf("nlist must be in [1, %d], got %d", ivfMaxNlist, cfg.Nlist)
	}
	if cfg.TrainIters == 0 {
		cfg.TrainIters = ivfDefaultIters
	}
	if cfg.TrainIters < 1 || cfg.TrainIters > ivfMaxIters {
		return nil, invalidf("train iterations must be in [1, %d], got %d", ivfMaxIters, cfg.TrainIters)
	}
	return &IVFFlat{dim: dim, metric: metric, cfg: cfg}, nil
}

func (x *IVFFlat) Dim() int       { return x.dim }
func (x *IVFFlat) Metric() Metric { return x.metric }

// Len returns the number of added vectors.
func (x *IVFFlat) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// Nlist returns the number of inverted lists: the configured value before
// training, the trained number of centroids after.
func (x *IVFFlat) Nlist() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.centroids != nil {
		return len(x.lists)
	}
	return x.cfg.Nlist
}

// Trained reports whether Train has completed.
func (x *IVFFlat) Trained() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.centroids != nil
}

// Train runs k-means over a seeded sample of at most 256*Nlist of the given
// vectors (len(vectors)/dim rows) and installs the centroids. It may be
// called again only while the index is empty. With fewer training vectors
// than Nlist, the index gets one list per training vector.
func (x *IVFFlat) Train(vectors []float32) error {
	if x.frozen {
		return invalidf("ivf index opened read-only over a file")
	}
	if len(vectors)%x.dim != 0 {
		return invalidf("%d floats is not a multiple of dimension %d", len(vectors), x.dim)
	}
	n := len(vectors) / x.dim
	if n == 0 {
		return invalidf("ivf training needs at least one vector")
	}
	if x.Len() > 0 {
		return invalidf("ivf index already holds %d vectors; train before adding", x.Len())
	}
	k := min(x.cfg.Nlist, n)
	r := rand.New(rand.NewPCG(x.cfg.Seed, 0x1df5eed))
	sample := x.trainSample(r, vectors, n, k*ivfSamplePerList)
	centroids := ivfKmeans(r, sample, x.dim, k, x.cfg.TrainIters, x.metric == MetricCosine)

	x.mu.Lock()
	defer x.mu.Unlock()
	if x.n > 0 {
		return invalidf("ivf index already holds %d vectors; train before adding", x.n)
	}
	x.centroids = centroids
	x.lists = make([]ivfList, k)
	return nil
}

// trainSample copies up to limit rows chosen uniformly without replacement
// (all rows when there are fewer), normalized for COSINE.
func (x *IVFFlat) trainSample(r *rand.Rand, vectors []float32, n, limit int) []float32 {
	dim := x.dim
	var sample []float32
	if n <= limit {
		sample = append([]float32(nil), vectors...)
	} else {
		// Partial Fisher-Yates over row indices, with the permutation kept
		// sparsely (only displaced positions), so memory is O(limit).
		moved := make(map[int]int, limit)
		at := func(i int) int {
			if v, ok := moved[i]; ok {
				return v
			}
			return i
		}
		sample = make([]float32, 0, limit*dim)
		for i := range limit {
			j := i + r.IntN(n-i)
			row := at(j)
			moved[j] = at(i)
			sample = append(sample, vectors[row*dim:(row+1)*dim]...)
		}
	}
	if x.metric == MetricCosine {
		for i := 0; i < len(sample); i += dim {
			Normalize(sample[i:i+dim], sample[i:i+dim])
		}
	}
	return sample
}

// ivfParallel calls fn over [0, n) split into contiguous chunks, on up
// to GOMAXPROCS goroutines when work (multiply-adds) is large enough.
func ivfParallel(n, work int, fn func(lo, hi int)) {
	nw := 1
	if work >= parallelMinWork {
		nw = min(runtime.GOMAXPROCS(0), n)
	}
	if nw <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + nw - 1) / nw
	for lo := 0; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

// ivfNearestL2 returns the index of the centroid nearest to v and the squared
// distance to it.
func ivfNearestL2(centroids, v []float32, dim int) (int, float32) {
	best, bestD := 0, float32(math.Inf(1))
	for c := 0; c*dim < len(centroids); c++ {
		if d := l2Kernel(v, centroids[c*dim:(c+1)*dim:(c+1)*dim]); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// ivfKmeans clusters the rows of sample (at least k of them) into k centroids
// with k-means++ (or random) seeding and iters Lloyd iterations. Empty
// clusters are re-seeded with the sample point farthest from its centroid.
// spherical renormalizes centroids to unit length after every update.
func ivfKmeans(r *rand.Rand, sample []float32, dim, k, iters int, spherical bool) []float32 {
	n := len(sample) / dim
	row := func(i int) []float32 { return sample[i*dim : (i+1)*dim : (i+1)*dim] }
	centroids := make([]float32, k*dim)
	if k*n <= ivfPlusPlusBudget {
		ivfKmeansPlusPlus(r, sample, dim, k, centroids)
	} else {
		perm := r.Perm(n)
		for c := range k {
			copy(centroids[c*dim:(c+1)*dim], row(perm[c]))
		}
	}
	if spherical {
		ivfNormalizeRows(centroids, dim)
	}

	assign := make([]int32, n)
	dist := make([]float32, n)
	sums := make([]float64, k*dim)
	counts := make([]int, k)
	for it := 0; it <= iters; it++ {
		var changed atomic.Bool
		changed.Store(it == 0)
		ivfParallel(n, n*k*dim, func(lo, hi int) {
			local := false
			for i := lo; i < hi; i++ {
				c, d := ivfNearestL2(centroids, row(i), dim)
				if int32(c) != assign[i] {
					local = true
				}
				assign[i], dist[i] = int32(c), d
			}
			if local {
				changed.Store(true)
			}
		})
		if it == iters || !changed.Load() {
			break // the last pass only refreshes the assignment
		}
		clear(sums)
		clear(counts)
		for i := range n {
			c := int(assign[i])
			counts[c]++
			s := sums[c*dim : (c+1)*dim]
			for j, v := range row(i) {
				s[j] += float64(v)
			}
		}
		for c := range k {
			if counts[c] == 0 {
				continue
			}
			inv := 1 / float64(counts[c])
			for j := range dim {
				centroids[c*dim+j] = float32(sums[c*dim+j] * inv)
			}
		}
		for c := range k {
			if counts[c] > 0 {
				continue
			}
			// Re-seed with the worst-served point; zero its distance so the
			// next empty cluster takes a different one.
			far := 0
			for i := range n {
				if dist[i] > dist[far] {
					far = i
				}
			}
			copy(centroids[c*dim:(c+1)*dim], row(far))
			dist[far] = 0
		}
		if spherical {
			ivfNormalizeRows(centroids, dim)
		}
	}
	return centroids
}

// ivfKmeansPlusPlus seeds k centroids: the first uniformly, each next one with
// probability proportional to its squared distance to the nearest chosen
// centroid. Falls back to a uniform pick when all distances are 0.
func ivfKmeansPlusPlus(r *rand.Rand, sample []float32, dim, k int, centroids []float32) {
	n := len(sample) / dim
	row := func(i int) []float32 { return sample[i*dim : (i+1)*dim : (i+1)*dim] }
	minD := make([]float32, n)
	for i := range minD {
		minD[i] = float32(math.Inf(1))
	}
	pick := r.IntN(n)
	for c := range k {
		cen := centroids[c*dim : (c+1)*dim : (c+1)*dim]
		copy(cen, row(pick))
		if c == k-1 {
			break
		}
		ivfParallel(n, n*dim, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if d := l2Kernel(row(i), cen); d < minD[i] {
					minD[i] = d
				}
			}
		})
		var total float64
		for _, d := range minD {
			total += float64(d)
		}
		if !(total > 0) || math.IsInf(total, 0) {
			pick = r.IntN(n)
			continue
		}
		target := r.Float64() * total
		pick = n - 1
		for i, d := range minD {
			target -= float64(d)
			if target < 0 {
				pick = i
				break
			}
		}
	}
}

func ivfNormalizeRows(vs []float32, dim int) {
	for i := 0; i < len(vs); i += dim {
		Normalize(vs[i:i+dim], vs[i:i+dim])
	}
}

// coarseScore ranks centroid c for query v when choosing lists to probe
// (smaller is better) under the index metric; v is unit-norm for COSINE.
func (x *IVFFlat) coarseScore(v []float32, c int) float32 {
	cen := x.centroids[c*x.dim : (c+1)*x.dim : (c+1)*x.dim]
	if x.metric == MetricL2 {
		return l2Kernel(v, cen)
	}
	return -dotKernel(v, cen)
}

// Add assigns each of len(vectors)/dim rows to its nearest centroid and
// appends it to that list. ids gives their IDs; nil means consecutive row
// numbers starting at Len(). The vectors are copied (normalized for
// COSINE). The index must be trained.
func (x *IVFFlat) Add(ids []int64, vectors []float32) error {
	if x.frozen {
		return invalidf("ivf index opened read-only over a file")
	}
	if len(vectors)%x.dim != 0 {
		return invalidf("%d floats is not a multiple of dimension %d", len(vectors), x.dim)
	}
	rows := len(vectors) / x.dim
	if ids != nil && len(ids) != rows {
		return invalidf("%d ids for %d vectors", len(ids), rows)
	}
	if rows == 0 {
		return nil
	}
	dim := x.dim
	vecs := vectors
	if x.metric == MetricCosine {
		vecs = make([]float32, len(vectors))
		for i := 0; i < len(vectors); i += dim {
			Normalize(vecs[i:i+dim], vectors[i:i+dim])
		}
	}
	// Assign without holding the lock so searches proceed meanwhile. A
	// centroid slice is never modified once installed; it is only replaced
	// when Train runs on an empty index, which is detected below.
	x.mu.RLock()
	centroids := x.centroids
	x.mu.RUnlock()
	if centroids == nil {
		return invalidf("ivf index is not trained")
	}
	assign := ivfAssignAll(centroids, vecs, dim)

	x.mu.Lock()
	defer x.mu.Unlock()
	if &x.centroids[0] != &centroids[0] { // retrained meanwhile
		assign = ivfAssignAll(x.centroids, vecs, dim)
	}
	for i, c := range assign {
		id := int64(x.n + i)
		if ids != nil {
			id = ids[i]
		}
		l := &x.lists[c]
		l.ids = append(l.ids, id)
		l.vecs = append(l.vecs, vecs[i*dim:(i+1)*dim]...)
	}
	x.n += rows
	return nil
}

// ivfAssignAll returns the nearest centroid (L2) of every row of vecs.
func ivfAssignAll(centroids, vecs []float32, dim int) []int32 {
	rows := len(vecs) / dim
	assign := make([]int32, rows)
	ivfParallel(rows, len(vecs)*(len(centroids)/dim), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c, _ := ivfNearestL2(centroids, vecs[i*dim:(i+1)*dim:(i+1)*dim], dim)
			assign[i] = int32(c)
		}
	})
	return assign
}

// Search runs SearchNprobe with nprobe = min(16, nlist).
func (x *IVFFlat) Search(queries [][]float32, p SearchParams) ([][]Hit, error) {
	return x.SearchNprobe(queries, p, ivfDefaultNprobe)
}

// SearchNprobe answers each query from the nprobe lists whose centroids
// rank best for it (nprobe is capped at nlist). p.Metric may be left zero
// to use the index's metric. Filter, range and grouping parameters apply as
// for Flat, but only to rows in the probed lists; an untrained index
// returns empty results.
func (x *IVFFlat) SearchNprobe(queries [][]float32, p SearchParams, nprobe int) ([][]Hit, error) {
	if p.Metric == MetricInvalid {
		p.Metric = x.metric
	}
	if p.Metric != x.metric {
		return nil, invalidf("metric type %v does not match the index metric %v", p.Metric, x.metric)
	}
	if nprobe <= 0 {
		return nil, invalidf("nprobe must be positive, got %d", nprobe)
	}
	rng, err := p.validate(x.dim, queries)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := &ivfScan{x: x, p: p, rng: rng, nprobe: min(nprobe, len(x.lists)), stop: newStopper(p.Check)}
	out := make([][]Hit, len(queries))
	work := x.n
	if len(x.lists) > 0 {
		work = x.n/len(x.lists)*s.nprobe + len(x.lists)
	}
	nw := workersFor(len(queries), work, x.dim)
	runQueries(len(queries), nw, s.getScratch, putIVFScratch, func(w *ivfScratch, i int) {
		if !s.stop.poll(0) {
			out[i] = s.one(w, queries[i])
		}
	})
	if err := s.stop.result(); err != nil {
		return nil, err
	}
	return out, nil
}

// ivfScan is one search over a read-locked index.
type ivfScan struct {
	x      *IVFFlat
	p      SearchParams
	rng    scoreRange
	nprobe int
	stop   *stopper
}

type ivfScratch struct {
	scanScratch
	probe topK
}

var ivfScratchPool = sync.Pool{New: func() any { return new(ivfScratch) }}

func (s *ivfScan) getScratch() *ivfScratch {
	w := ivfScratchPool.Get().(*ivfScratch)
	if cap(w.q) < s.x.dim {
		w.q = make([]float32, s.x.dim)
	}
	w.q = w.q[:s.x.dim]
	return w
}

func putIVFScratch(w *ivfScratch) {
	if cap(w.cand) > maxPooledCand {
		w.cand = nil
	}
	ivfScratchPool.Put(w)
}

func (s *ivfScan) one(w *ivfScratch, q []float32) []Hit {
	x := s.x
	if x.metric == MetricCosine {
		Normalize(w.q, q)
		q = w.q
	}
	grouped := s.p.GroupSize > 0
	if grouped {
		w.cand = w.cand[:0]
	} else {
		w.top.reset(min(s.p.TopK, x.n))
	}
	if x.n == 0 || s.nprobe == 0 {
		if grouped {
			return []Hit{}
		}
		return s.hits(nil)
	}
	// Pick the nprobe best lists (ties by list number).
	w.probe.reset(s.nprobe)
	for c := range x.lists {
		sc := x.coarseScore(q, c)
		if !w.probe.full() || sc <= w.probe.threshold() {
			w.probe.push(entry{sc, int64(c)})
		}
	}
	for _, e := range w.probe.h {
		if s.stop.poll(len(x.lists[e.id].ids)) {
			return nil // discarded: the search fails
		}
		if grouped {
			s.scanList(q, &x.lists[e.id], nil, &w.cand)
		} else {
			s.scanList(q, &x.lists[e.id], &w.top, nil)
		}
	}
	if !grouped {
		return s.hits(w.top.drain())
	}
	h := bestFirst(w.cand)
	h.init()
	g := newGroupCollector(s.p.TopK, s.p.GroupSize)
	for len(h) > 0 {
		e := h.pop()
		if g.add(Hit{ID: e.id, Distance: s.p.Metric.distance(e.score), Group: s.p.GroupKey(e.id)}) {
			break
		}
	}
	return g.result(0)
}

// scanList offers every row of l that passes the filter and the range to
// top, or appends it to *cand when top is nil.
func (s *ivfScan) scanList(q []float32, l *ivfList, top *topK, cand *[]entry) {
	filter, rng, dim := s.p.Filter, s.rng, s.x.dim
	metric := s.p.Metric
	for i, id := range l.ids {
		if filter != nil && !filter(id) {
			continue
		}
		row := l.vecs[i*dim : (i+1)*dim : (i+1)*dim]
		var sc float32
		switch metric {
		case MetricL2:
			sc = l2Kernel(q, row)
		case MetricIP:
			sc = -dotKernel(q, row)
		default: // COSINE over unit (or zero) vectors
			sc = -min(max(dotKernel(q, row), -1), 1)
		}
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

func (s *ivfScan) hits(es []entry) []Hit {
	out := make([]Hit, len(es))
	for i, e := range es {
		out[i] = Hit{ID: e.id, Distance: s.p.Metric.distance(e.score)}
	}
	return out
}
