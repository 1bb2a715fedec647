package shards

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/storage"
)

// ObjectStore is what replicas need of object storage
// (storage.ObjectStore satisfies it): the leader's flusher puts chunks, a
// replica restoring a snapshot gets them back.
type ObjectStore interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	List(ctx context.Context, prefix string) ([]storage.ObjectInfo, error)
	Delete(ctx context.Context, key string) error
}

// loadTimeout bounds how long a restoring replica keeps retrying a chunk
// while object storage is unreachable. A chunk the store reports missing
// is not retried: every object is in the store before the log entry that
// names it, so waiting would not bring it back.
const loadTimeout = 2 * time.Minute

// loader returns the chunk loader of restoring replicas: it retries with
// backoff, since a replica cannot serve without its sealed rows.
// Loader reads objects for this node: through the chunk cache with remote
// object storage, in place with the local store (nil without storage).
// Index builders and compaction workers read segments with it.
func (h *Host) Loader() segment.Loader {
	store := h.cfg.Lifecycle.Store
	if store == nil {
		return nil
	}
	cache := chunkCache{dir: h.cfg.Lifecycle.CacheDir}
	if _, ok := h.localStore(); ok {
		cache.dir = "" // the objects are local files already: no second copy
	}
	return func(key string) ([]byte, error) {
		if b, ok := cache.get(key); ok {
			return b, nil
		}
		ctx, cancel := context.WithTimeout(h.ctx, loadTimeout)
		defer cancel()
		wait := 100 * time.Millisecond
		for {
			b, err := store.Get(ctx, key)
			if err == nil {
				if cerr := cache.put(key, b); cerr != nil && cache.dir != "" {
					h.cfg.Logger.Debug("caching chunk", "key", key, "error", cerr)
				}
				return b, nil
			}
			if errors.Is(err, storage.ErrNotFound) { // uploaded before the entry naming it: gone for good
				return nil, fmt.Errorf("shards: loading %s: %w", key, err)
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("shards: loading %s: %w", key, err)
			case <-time.After(wait):
				wait = min(2*wait, 5*time.Second)
			}
		}
	}
}

// Lifecycle sizes (DESIGN.md §1); tests use tiny values.
type Lifecycle struct {
	Store      ObjectStore // nil: nothing is flushed (unit tests)
	Root       string      // key prefix (backends may add their own)
	ChunkSize  int64       // flush a chunk once this many unflushed bytes accumulate (16 MiB)
	SealSize   int64       // seal a growing segment at this size (122 MiB)
	SealIdle   time.Duration
	MaxBacklog int64 // refuse writes while more unflushed bytes wait (1 GiB)
	// MaxSegmentSize bounds merged segments (1 GiB).
	MaxSegmentSize int64
	// CompactionRatio of deleted rows makes a segment be rewritten (0.2).
	CompactionRatio float64
	// GCTolerance is how old an unreferenced object must be before GC
	// deletes it (1 h); GCInterval is how often the leader looks (1 min).
	GCTolerance time.Duration
	GCInterval  time.Duration
	// CacheDir keeps chunks fetched from object storage ("" = no cache).
	CacheDir string
}

// chunkJob is one chunk to upload. plan takes it under the state's read
// lock as column slices (rows already appended never change, so reading
// them after the lock is released is safe); encode then builds the files
// outside the lock, so encoding 16 MiB does not hold up Apply.
type chunkJob struct {
	seg, part int64
	chunk     segment.Chunk
	fids      []int64
	cols      []segment.Column
	files     [][]byte
}

// encode builds the chunk files and their checksums.
func (j *chunkJob) encode() {
	for f := range j.cols {
		b := segment.EncodeChunkFile(j.fids[f], &j.cols[f], 0, j.cols[f].Len())
		j.files = append(j.files, b)
		j.chunk.Checksums = append(j.chunk.Checksums, segment.Checksum(b))
		j.chunk.Bytes += int64(len(b))
	}
	j.cols = nil
}

// lifecycleStep runs on the shard leader every tick: it seals full or idle
// growing segments and uploads at most one chunk, then records it with a
// ChunkFlushed entry (the side effect happens before the entry). Errors
// (object storage down) are retried on the next tick; writes keep being
// accepted until the backlog limit.
func (h *Host) lifecycleStep(ctx context.Context, r *Replica, now time.Time) error {
	if h.cfg.Lifecycle.Store == nil {
		return nil
	}
	for i := 0; i < maxChunksPerStep; i++ {
		more, err := h.flushOne(ctx, r, now)
		if err != nil {
			return err
		}
		if !more {
			if err := h.compactStep(ctx, r); err != nil {
				return err
			}
			return h.indexStep(ctx, r)
		}
	}
	return nil
}

// maxChunksPerStep bounds one step's uploads so the loop stays responsive.
const maxChunksPerStep = 16

// flushOne seals at most one segment and uploads at most one chunk; more
// reports whether there may be more to do.
func (h *Host) flushOne(ctx context.Context, r *Replica, now time.Time) (more bool, err error) {
	lc := h.cfg.Lifecycle
	seal, job, backlog := h.plan(r, now)
	r.backlog.Store(backlog)
	if seal != 0 {
		if _, _, err := r.propose(ctx, &fsm.Command{Kind: fsm.KindSeal, Segment: seal}); err != nil {
			return false, err
		}
	}
	if job == nil {
		if done, err := h.flushDelta(ctx, r); done || err != nil {
			return done, err
		}
		return seal != 0, nil
	}
	job.encode()
	for i, b := range job.files {
		if err := lc.Store.Put(ctx, job.chunk.Keys[i], b); err != nil {
			return false, fmt.Errorf("shards: %s: uploading %s: %w", r.Name, job.chunk.Keys[i], err)
		}
	}
	_, _, err = r.propose(ctx, &fsm.Command{Kind: fsm.KindChunkFlushed, Segment: job.seg, Chunk: &job.chunk})
	return err == nil, err
}

// plan picks under the read lock: a growing segment to seal, the next chunk
// to upload, and the unflushed byte count.
func (h *Host) plan(r *Replica, now time.Time) (seal int64, job *chunkJob, backlog int64) {
	lc := h.cfg.Lifecycle
	idle := lc.SealIdle > 0 && now.Sub(time.UnixMilli(r.lastData.Load())) > lc.SealIdle
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			flushed, rows := int(g.FlushedRows()), g.Rows()
			unflushed := g.Bytes(flushed, rows)
			backlog += unflushed
			if g.State == segment.Growing && seal == 0 && rows > 0 && (g.Bytes(0, rows) >= lc.SealSize || idle) {
				seal = g.ID
			}
			if job == nil && rows > flushed && (unflushed >= lc.ChunkSize || g.State != segment.Growing) {
				job = h.chunkJob(r, g, flushed, ChunkEnd(g, flushed, lc.ChunkSize))
			}
		}
	})
	return seal, job, backlog
}

// ChunkEnd returns the end row of a chunk starting at from: rows are added
// until the chunk reaches size (at least one row).
func ChunkEnd(g *segment.Segment, from int, size int64) int {
	end, bytes := from, int64(0)
	for end < g.Rows() && (end == from || bytes < size) {
		bytes += g.Bytes(end, end+1)
		end++
	}
	return end
}

func (h *Host) chunkJob(r *Replica, g *segment.Segment, from, to int) *chunkJob {
	schema := r.fsm.Schema()
	idx := int64(len(g.Chunks))
	j := &chunkJob{seg: g.ID, part: g.Partition, chunk: segment.Chunk{Index: idx, FromRow: int64(from), ToRow: int64(to)}}
	for f := range g.Columns {
		fid := schema.Fields[f].ID
		j.fids = append(j.fids, fid)
		j.cols = append(j.cols, g.Columns[f].Slice(from, to))
		j.chunk.Keys = append(j.chunk.Keys, storage.InsertLogKey(h.cfg.Lifecycle.Root, r.CollectionID, g.Partition, g.ID, fid, idx))
	}
	return j
}

// flushDelta writes the delta log of one flushed segment whose deletion
// flags changed since its last delta log, then records it. Its number is
// the applied log index it was planned at, so two states never share a
// key (a delta log is the segment's whole deletion bitmap).
func (h *Host) flushDelta(ctx context.Context, r *Replica) (bool, error) {
	var seg, part int64
	var d segment.Delta
	var file []byte
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			deleted := int64(g.Deleted.GetCardinality())
			if g.State != segment.Flushed || deleted == 0 || (g.Delta != nil && g.Delta.Count == deleted) {
				continue
			}
			file, d.Count = g.DeltaFile()
			// The log index of the state planned from, not the last delta
			// log's + 1: a deposed leader still planning from an older
			// state then writes under a key of its own, never over the
			// delta log its successor recorded.
			d.Index = int64(v.Applied())
			if g.Delta != nil && d.Index <= g.Delta.Index {
				d.Index = g.Delta.Index + 1
			}
			seg, part = g.ID, g.Partition
			return
		}
	})
	if file == nil {
		return false, nil
	}
	d.Key = storage.DeltaLogKey(h.cfg.Lifecycle.Root, r.CollectionID, part, seg, d.Index)
	d.Checksum = segment.Checksum(file)
	if err := h.cfg.Lifecycle.Store.Put(ctx, d.Key, file); err != nil {
		return false, fmt.Errorf("shards: %s: uploading %s: %w", r.Name, d.Key, err)
	}
	_, _, err := r.propose(ctx, &fsm.Command{Kind: fsm.KindDeltaFlushed, Segment: seg, Delta: &d})
	return err == nil, err
}
