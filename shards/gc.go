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
	prefix := fmt.Sprintf("insert_log/%d/", r.CollectionID)
	if lc.Root != "" {
		prefix = lc.Root + "/" + prefix
	}
	objs, err := lc.Store.List(ctx, prefix)
	if err != nil {
		return fmt.Errorf("shards: %s: gc list: %w", r.Name, err)
	}
	live := r.referencedKeys()
	shardBits := segmentBase(r.CollectionID, r.Shard) >> 24
	for _, o := range objs {
		id, err := storage.ParseInsertLogKey(lc.Root, o.Key)
		if err != nil || id.Segment>>24 != shardBits || live[o.Key] || now.Sub(o.ModTime) < lc.GCTolerance {
			continue
		}
		if err := lc.Store.Delete(ctx, o.Key); err != nil {
			return fmt.Errorf("shards: %s: gc delete %s: %w", r.Name, o.Key, err)
		}
	}
	return nil
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
		}
	})
	return keys
}
