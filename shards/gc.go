package shards

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/storage"
)

// gcStep deletes this shard's chunk objects that no segment references any
// more (left by compactions, merges, dropped partitions, or an upload whose
// ChunkFlushed never committed) once they are older than the tolerance, so
// in-flight readers and late proposals finish first (DESIGN §3 inv. 4).
//
// What is referenced is read only once this replica has applied every
// entry committed before the step (a read index): a leader fresh from a
// restart or an election may not have applied its log's tail yet, and the
// objects only those entries reference (a flush, an import or a restore
// committed before the restart) would look like garbage to it, however
// old they are.
func (h *Host) gcStep(ctx context.Context, r *Replica, now time.Time) error {
	lc := h.cfg.Lifecycle
	if lc.Store == nil || lc.GCTolerance <= 0 {
		return nil
	}
	idx, err := r.node.ReadIndex(ctx)
	if err == nil {
		err = r.node.WaitApplied(ctx, idx)
	}
	if err != nil {
		return fmt.Errorf("shards: %s: gc: catching up with the log: %w", r.Name, err)
	}
	live := r.referencedKeys()
	shardBits := SegmentBase(r.CollectionID, r.Shard) >> 24
	for _, dir := range []string{"insert_log", "delta_log", "index_files"} {
		if err := h.gcDir(ctx, r, dir, live, shardBits, now); err != nil {
			return err
		}
	}
	return nil
}

func (h *Host) gcDir(ctx context.Context, r *Replica, dir string, live map[string]bool, shardBits int64, now time.Time) error {
	lc := h.cfg.Lifecycle
	var objs []storage.ObjectInfo
	var err error
	if dir == "index_files" { // keyed by build, not collection: one listing per node
		objs, err = h.indexFiles.shard(ctx, h, shardBits, now)
	} else {
		prefix := fmt.Sprintf("%s/%d/", dir, r.CollectionID)
		if lc.Root != "" {
			prefix = lc.Root + "/" + prefix
		}
		objs, err = lc.Store.List(ctx, prefix)
	}
	if err != nil {
		return fmt.Errorf("shards: %s: gc list: %w", r.Name, err)
	}
	for _, o := range objs {
		seg, ok := segmentOfKey(lc.Root, o.Key)
		if !ok || seg>>24 != shardBits || live[o.Key] || now.Sub(o.ModTime) < lc.GCTolerance {
			continue
		}
		if err := lc.Store.Delete(ctx, o.Key); err != nil {
			return fmt.Errorf("shards: %s: gc delete %s: %w", r.Name, o.Key, err)
		}
	}
	return nil
}

// segmentOfKey returns the segment ID of an insert or delta log key.
func segmentOfKey(root, key string) (int64, bool) {
	if id, err := storage.ParseInsertLogKey(root, key); err == nil {
		return id.Segment, true
	}
	if id, err := storage.ParseDeltaLogKey(root, key); err == nil {
		return id.Segment, true
	}
	if id, err := storage.ParseIndexFileKey(root, key); err == nil {
		return id.Segment, true
	}
	return 0, false
}

// referencedKeys returns every object key the replica's segments reference.
func (r *Replica) referencedKeys() map[string]bool {
	keys := map[string]bool{}
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			for _, c := range g.Chunks {
				for _, k := range c.Keys {
					keys[k] = true
				}
			}
			if g.Delta != nil {
				keys[g.Delta.Key] = true
			}
			for _, x := range g.Indexes {
				keys[x.Key] = true
			}
		}
	})
	return keys
}

// indexListing is one listing of index_files/ shared by every shard of the
// node for a GC interval: index files are keyed by build, so a shard cannot
// list only its own, and a listing per shard made GC cost grow with the
// square of the number of collections.
type indexListing struct {
	mu      sync.Mutex
	at      time.Time
	byShard map[int64][]storage.ObjectInfo
}

// shard returns the listed index files of one shard (by segment ID >> 24),
// listing again when the last listing is a GC interval old.
func (l *indexListing) shard(ctx context.Context, h *Host, shardBits int64, now time.Time) ([]storage.ObjectInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lc := h.cfg.Lifecycle
	if l.byShard == nil || now.Sub(l.at) >= lc.GCInterval {
		prefix := "index_files/"
		if lc.Root != "" {
			prefix = lc.Root + "/" + prefix
		}
		objs, err := lc.Store.List(ctx, prefix)
		if err != nil {
			return nil, err
		}
		l.byShard, l.at = map[int64][]storage.ObjectInfo{}, now
		for _, o := range objs {
			if seg, ok := segmentOfKey(lc.Root, o.Key); ok {
				l.byShard[seg>>24] = append(l.byShard[seg>>24], o)
			}
		}
	}
	return l.byShard[shardBits], nil
}
