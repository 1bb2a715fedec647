package shards

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// Interim indexes (DESIGN.md §4): a replica that serves reads indexes the
// rows of growing segments as they arrive, so a search over fresh data is
// not a full scan. As Milvus's interim index, it is an IVF_FLAT whose
// centroids are trained on the segment's first interimTrainRows rows; later
// rows are assigned to the nearest centroid in the background. A search
// probes it for the rows it covers and scans the rest exactly; once the
// segment's built index (HNSW, IVF_FLAT) is recorded, that index serves
// the segment and the interim one is dropped. Interim indexes are local
// read-path state: they are never in the log, a snapshot or object storage.
//
// Indexing competes with the write path for CPU, so it runs at most
// 1/interimDuty of the time: after each training or step of rows it waits
// interimDuty-1 times as long as the work took. Under a heavy load the
// index lags behind (the rows it lacks are scanned) and catches up when
// writes slow down.
const (
	interimTrainRows = 8192
	interimNlist     = 256
	interimIters     = 6
	interimStepRows  = 4096 // rows added to one index per step
	interimEvery     = 200 * time.Millisecond
	interimDuty      = 4
)

type interimKey struct {
	seg   int64
	field int
}

// interimIndex covers rows [0, rows) of one vector field of one segment.
type interimIndex struct {
	ivf  *index.IVFFlat
	rows atomic.Int64
}

// interimSet is a replica's interim indexes.
type interimSet struct {
	mu sync.Mutex
	m  map[interimKey]*interimIndex
	// searches counts this replica's segment searches answered through
	// an interim index (tests; the node's count is in its readTracker).
	searches atomic.Int64
}

func (s *interimSet) get(k interimKey) *interimIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *interimSet) put(k interimKey, x *interimIndex) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[interimKey]*interimIndex{}
	}
	s.m[k] = x
}

// retain drops the indexes not in keep.
func (s *interimSet) retain(keep map[interimKey]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.m {
		if !keep[k] {
			delete(s.m, k)
		}
	}
}

// Rows reports the rows covered by interim indexes, for metrics.
func (s *interimSet) Rows() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, x := range s.m {
		n += x.rows.Load()
	}
	return n
}

// InterimRows is the rows covered by the interim indexes of every open
// replica.
func (h *Host) InterimRows() int64 {
	var n int64
	for _, r := range h.Replicas() {
		n += r.interim.Rows()
	}
	return n
}

// InterimSearches counts the segment searches this node answered through
// interim indexes since it started.
func (h *Host) InterimSearches() int64 { return h.reads.interim.Load() }

// interimWork is rows of one segment's vector column to index.
type interimWork struct {
	key    interimKey
	metric index.Metric
	col    segment.Column // rows [0, n), read outside the state's lock
	x      *interimIndex  // nil: to train
}

// interimLoop extends every replica's interim indexes until ctx ends. It
// is one goroutine per host, so indexing takes at most one core.
func (h *Host) interimLoop(ctx context.Context) {
	t := time.NewTicker(interimEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, r := range h.Replicas() {
			r.extendInterim(ctx, h.interimMetrics(r))
			if h.cfg.Indexes != nil {
				r.pruneDerived(h.cfg.Indexes(r.CollectionID))
			}
		}
	}
}

// interimMetrics returns the metric of each vector field (by schema
// position) that has an ANN index declared; FLAT and unindexed fields get
// no interim index.
func (h *Host) interimMetrics(r *Replica) map[int]index.Metric {
	if h.cfg.Indexes == nil {
		return nil
	}
	schema := r.fsm.Schema()
	out := map[int]index.Metric{}
	for _, ix := range h.cfg.Indexes(r.CollectionID) {
		f := schema.FieldIndex(ix.FieldName)
		m, err := index.ParseMetric(ix.MetricType)
		if f < 0 || err != nil || IndexFileType(ix) == "" || schema.Fields[f].Type != segment.TypeFloatVector {
			continue
		}
		out[f] = m
	}
	return out
}

// extendInterim trains and extends this replica's interim indexes.
func (r *Replica) extendInterim(ctx context.Context, metrics map[int]index.Metric) {
	keep := map[interimKey]bool{}
	var work []interimWork
	fields := r.fsm.Schema().Fields
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			if g.State == segment.Dropped {
				continue
			}
			for f, m := range metrics {
				if slices.ContainsFunc(g.Indexes, func(x segment.IndexRef) bool { return x.Field == fields[f].ID }) {
					continue // the field's built index serves the segment
				}
				k := interimKey{g.ID, f}
				x := r.interim.get(k)
				keep[k] = x != nil
				if g.State != segment.Growing && g.State != segment.Sealed {
					// Flushed: its vectors may be loaded lazily by a read
					// (under the segment's own lock), so they are not read
					// here; the index keeps serving the rows it covers.
					continue
				}
				c := &g.Columns[f]
				n := g.Rows()
				if c.Len() < n || (x == nil && n < interimTrainRows) || (x != nil && x.rows.Load() >= int64(n)) {
					continue // vectors not in memory, too few rows, or nothing new
				}
				keep[k] = true
				work = append(work, interimWork{key: k, metric: m, col: c.Slice(0, n), x: x})
			}
		}
	})
	r.interim.retain(keep)
	for _, w := range work {
		if ctx.Err() != nil {
			return
		}
		if err := r.indexRows(ctx, w); err != nil {
			r.interim.retain(map[interimKey]bool{}) // a failure drops them: searches scan
			return
		}
	}
}

// indexRows trains w's index if needed and adds the rows it lacks.
func (r *Replica) indexRows(ctx context.Context, w interimWork) error {
	dim := w.col.Dim
	x := w.x
	if x == nil {
		ivf, err := index.NewIVFFlat(dim, w.metric, index.IVFConfig{Nlist: interimNlist, TrainIters: interimIters, Seed: uint64(w.key.seg)})
		if err != nil {
			return err
		}
		start := time.Now()
		if err := ivf.Train(w.col.Contiguous(0, interimTrainRows)); err != nil {
			return err
		}
		if !pause(ctx, time.Since(start)) {
			return ctx.Err()
		}
		x = &interimIndex{ivf: ivf}
		r.interim.put(w.key, x)
	}
	n := int64(w.col.Len())
	for from := x.rows.Load(); from < n && ctx.Err() == nil; from = x.rows.Load() {
		to := min(n, from+interimStepRows)
		ids := make([]int64, to-from)
		for i := range ids {
			ids[i] = from + int64(i)
		}
		start := time.Now()
		if err := x.ivf.Add(ids, w.col.Contiguous(int(from), int(to))); err != nil {
			return err
		}
		x.rows.Store(to)
		if !pause(ctx, time.Since(start)) {
			return ctx.Err()
		}
	}
	return nil
}

// pause waits (interimDuty-1) times worked, or until ctx ends (false).
func pause(ctx context.Context, worked time.Duration) bool {
	t := time.NewTimer(worked * (interimDuty - 1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// interimFor returns the interim index a search of g may use: the search
// asked for the field's ANN index, g has no built index yet, and the
// interim index has the search's metric.
func (r *Replica) interimFor(g *segment.Segment, req *SearchRequest, m index.Metric) *interimIndex {
	if req.IndexName == "" || g.IndexNamed(req.IndexName) != nil {
		return nil
	}
	x := r.interim.get(interimKey{g.ID, req.AnnsField})
	if x == nil || x.rows.Load() == 0 || x.ivf.Metric() != m {
		return nil
	}
	r.interim.searches.Add(1)
	if r.reads != nil {
		r.reads.interim.Add(1)
	}
	return x
}

// searchInterim answers from x for the rows it covers and scans the rest
// of g's rows exactly (g's vectors are loaded).
func searchInterim(g *segment.Segment, x *interimIndex, req *SearchRequest, p index.SearchParams) ([][]index.Hit, error) {
	n := g.Rows()
	covered := min(int64(n), x.rows.Load())
	filter := p.Filter
	pi := p
	pi.Filter = func(id int64) bool { return id < covered && (filter == nil || filter(id)) }
	hits, err := x.ivf.SearchNprobe(req.Vectors, pi, nprobeParam(req.SearchParams))
	if err != nil || covered == int64(n) {
		return hits, err
	}
	col := &g.Columns[req.AnnsField]
	pt := p
	pt.Filter = func(id int64) bool { return filter == nil || filter(id+covered) }
	if p.GroupKey != nil {
		pt.GroupKey = func(id int64) any { return p.GroupKey(id + covered) }
	}
	rest := col.Slice(int(covered), n)
	tail, err := index.SearchFlat(flatView(&rest), req.Vectors, pt)
	if err != nil {
		return nil, err
	}
	for q := range hits {
		for i := range tail[q] {
			tail[q][i].ID += covered
		}
		hits[q] = index.Merge(p.Metric, [][]index.Hit{hits[q], tail[q]}, 0, p.TopK, p.GroupSize)
	}
	return hits, nil
}
