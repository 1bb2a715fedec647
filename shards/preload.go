package shards

import (
	"context"
	"fmt"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
)

// Loading and releasing (README "Node roles"). A query replica receives
// every log entry like any member; what "load" adds is its sealed
// segments' index files, mapped before the first search, and what
// "release" takes away is everything a read loaded.

// indexRefs returns the index files of the replica's sealed segments that
// belong to one of the collection's current indexes.
func (r *Replica) indexRefs(c *coordinator.Collection) []*segment.IndexRef {
	names := map[string]bool{}
	for _, ix := range c.Indexes {
		names[ix.BuildName()] = true
	}
	var refs []*segment.IndexRef
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			for i := range g.Indexes {
				if names[g.Indexes[i].Name] {
					refs = append(refs, &g.Indexes[i])
				}
			}
		}
	})
	return refs
}

// preloadStep loads (maps) the index files of a loaded collection's sealed
// segments on a query-role node, and frees what reads loaded once the
// collection is released. A file that does not load is left for searches
// to meet (they scan that segment).
func (h *Host) preloadStep(r *Replica, s *loopState) {
	c := h.collectionMeta(r)
	if c == nil {
		return
	}
	if c.Released && !s.released {
		r.indexes.retain(nil)
		r.fsm.EvictFlushedVectors()
		returnMemory()
	}
	if s.released = c.Released; c.Released {
		return
	}
	if !h.cfg.Preload {
		return
	}
	for _, x := range r.indexRefs(c) {
		if r.indexes.has(x.Key) {
			continue
		}
		if _, release, err := r.indexes.get(x, r.files); err == nil {
			release()
		}
	}
}

// LoadProgress reports how many of the replica's sealed segments' index
// files are loaded, out of how many the collection's indexes have.
func (r *Replica) LoadProgress(c *coordinator.Collection) (loaded, total int) {
	for _, x := range r.indexRefs(c) {
		total++
		if r.indexes.has(x.Key) {
			loaded++
		}
	}
	return loaded, total
}

// loadProgress is LoadProgress of this node's replica of shard i of c,
// caught up to the leader first (Strong): a query replica that has not
// received the log yet has loaded nothing.
func (h *Host) loadProgress(ctx context.Context, c *coordinator.Collection, i int) (loaded, total int, err error) {
	r, err := h.Replica(c, i)
	if err != nil {
		return 0, 0, err
	}
	if err := r.Gate(ctx, coordinator.Strong, ""); err != nil {
		return 0, 0, err
	}
	loaded, total = r.LoadProgress(c)
	return loaded, total, nil
}

// LoadProgressReply is one replica's load progress.
type LoadProgressReply struct{ Loaded, Total int }

// LoadProgress is the RPC form of Host.loadProgress.
func (s *Service) LoadProgress(a GroupArgs, r *LoadProgressReply) error {
	rep, err := s.replica(a.Group)
	if err != nil {
		return encodeErr(err)
	}
	c := s.h.collectionMeta(rep)
	if c == nil {
		return encodeErr(fmt.Errorf("%w: %s: no metadata", ErrNotHosted, a.Group))
	}
	ctx, cancel := context.WithTimeout(context.Background(), progressWait)
	defer cancel()
	r.Loaded, r.Total, err = s.h.loadProgress(ctx, c, rep.Shard)
	if !s.h.cfg.Preload {
		r.Loaded = r.Total // loads on demand: nothing to wait for
	}
	return encodeErr(err)
}

// progressWait bounds how long a replica asked for its load progress
// waits to catch up with its leader; one that cannot counts as 0 %.
const progressWait = 2 * time.Second

// LoadProgress reports, in percent, how far the replicas that serve c's
// reads are loaded: each shard's query replicas (or, without any, the
// first voter that answers) caught up with the log and holding their
// sealed segments' index files (on a node that preloads; others count
// the index files as loaded). 100 means every one is.
func (h *Host) LoadProgress(ctx context.Context, c *coordinator.Collection) int {
	sum, n := 0.0, 0
	for i := range c.Shards {
		targets := c.Shards[i].Queries
		if order := h.readOrder(c, i); len(targets) == 0 && len(order) > 0 {
			targets = order[:1]
		}
		for _, id := range targets {
			sum += h.replicaProgress(ctx, c, i, id)
			n++
		}
	}
	if n == 0 {
		return 100
	}
	return int(sum / float64(n) * 100)
}

// replicaProgress is one replica's load progress in [0, 1].
func (h *Host) replicaProgress(ctx context.Context, c *coordinator.Collection, i int, id string) float64 {
	ctx, cancel := context.WithTimeout(ctx, progressWait)
	defer cancel()
	var loaded, total int
	var err error
	if id == h.NodeID() {
		loaded, total, err = h.loadProgress(ctx, c, i)
		if !h.cfg.Preload {
			loaded = total
		}
	} else {
		var reply LoadProgressReply
		err = decodeErr(h.call(ctx, id, ServiceName+".LoadProgress", GroupArgs{Group: GroupName(c.ID, i)}, &reply))
		loaded, total = reply.Loaded, reply.Total
	}
	switch {
	case err != nil:
		return 0
	case total == 0:
		return 1
	}
	return float64(loaded) / float64(total)
}
