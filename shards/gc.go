package shards

import (
	"context"
	"fmt"
	"time"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/storage"
)

// gcStep deletes this shard's chunk objects that no segment references any
// more (left by compactions, merges, dropped partitions, or an upload whose
// ChunkFlushed never committed) once they are older than the tolerance, so
// in-flight readers and late proposals finish first (DESIGN §3 inv. 4).
func (h *Host) gcStep(ctx context.Context, r *Replica, now time.Time) error {
	lc := h.cfg.Lifecycle
	if lc.Store == nil || lc.GCTolerance <= 0 {
		return nil
	}
	live := r.referencedKeys()
	shardBits := segmentBase(r.CollectionID, r.Shard) >> 24
	for _, dir := range []string{"insert_log", "delta_log", "index_files"} {
		if err := h.gcDir(ctx, r, dir, live, shardBits, now); err != nil {
			return err
		}
	}
	return nil
}

func (h *Host) gcDir(ctx context.Context, r *Replica, dir string, live map[string]bool, shardBits int64, now time.Time) error {
	lc := h.cfg.Lifecycle
	prefix := fmt.Sprintf("%s/%d/", dir, r.CollectionID)
	if dir == "index_files" { // keyed by build, not collection
		prefix = dir + "/"
	}
	if lc.Root != "" {
		prefix = lc.Root + "/" + prefix
	}
	objs, err := lc.Store.List(ctx, prefix)
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
			if g.Index != nil {
				keys[g.Index.Key] = true
			}
		}
	})
	return keys
}
