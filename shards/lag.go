package shards

import (
	"context"
	"slices"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
)

// Index lag: how long after the last acknowledged write every row became
// searchable through a built segment index. A shard leader records when
// the last write was proposed (lastData) and when, after an index or
// compaction record, no segment with rows lacks a built index (indexedAt).
// Both are this leader's own clock and memory: a new leader starts
// without them, and they are not part of the replicated state.

// noteIndexed records now as indexedAt if every row is in a built index.
func (r *Replica) noteIndexed(now int64) {
	if r.allIndexed() {
		r.indexedAt.Store(now)
	}
}

// allIndexed reports whether every segment with rows has a file of each
// of the collection's per-segment indexes.
func (r *Replica) allIndexed() bool {
	var names []string
	if r.segmentIndexes != nil {
		names = r.segmentIndexes()
	}
	all := true
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			if g.Rows() == 0 || g.State == segment.Dropped {
				continue
			}
			if len(g.Indexes) == 0 || slices.ContainsFunc(names, func(n string) bool { return g.IndexNamed(n) == nil }) {
				all = false
				return
			}
		}
	})
	return all
}

// IndexLag is a shard leader's view of its index lag.
type IndexLag struct {
	LastWrite int64 `json:"lastWriteMs,omitempty"` // unix ms of the last write it proposed (0: none seen)
	IndexedAt int64 `json:"indexedMs,omitempty"`   // unix ms when every row was last in a built index (0: not seen)
}

// IndexLag returns this replica's lag record (meaningful on the leader).
func (r *Replica) IndexLag() IndexLag {
	return IndexLag{LastWrite: r.lastData.Load(), IndexedAt: r.indexedAt.Load()}
}

// Lag is the seconds from the last write to every row being indexed: the
// final figure once it happened, else the time waited so far. Zero when no
// write was seen.
func (l IndexLag) Lag(now time.Time) float64 {
	switch {
	case l.LastWrite == 0:
		return 0
	case l.IndexedAt >= l.LastWrite:
		return float64(l.IndexedAt-l.LastWrite) / 1e3
	}
	return float64(now.UnixMilli()-l.LastWrite) / 1e3
}

// CaughtUp reports whether every row written was indexed afterwards.
func (l IndexLag) CaughtUp() bool { return l.LastWrite == 0 || l.IndexedAt >= l.LastWrite }

// IndexLag returns the largest lag of the shard leaders on this node, over
// collections with a per-segment index.
func (h *Host) IndexLag(now time.Time) float64 {
	worst := 0.0
	for _, r := range h.Replicas() {
		if r.node.IsLeader() && h.segmentIndexed(r.CollectionID) {
			worst = max(worst, r.IndexLag().Lag(now))
		}
	}
	return worst
}

// segmentIndexed reports whether a collection has an index built per
// segment (HNSW, AUTOINDEX, IVF_FLAT).
func (h *Host) segmentIndexed(collID int64) bool { return len(h.segmentIndexNames(collID)) > 0 }

// segmentIndexNames returns the BuildNames of a collection's indexes
// built per segment.
func (h *Host) segmentIndexNames(collID int64) []string {
	if h.cfg.Indexes == nil {
		return nil
	}
	var out []string
	for _, ix := range h.cfg.Indexes(collID) {
		if BuiltPerSegment(ix) {
			out = append(out, ix.BuildName())
		}
	}
	return out
}

// IndexLagReply is a replica's lag record and whether it leads its group.
type IndexLagReply struct {
	Lag    IndexLag
	Leader bool
}

// IndexLag is the RPC form of Replica.IndexLag.
func (s *Service) IndexLag(a GroupArgs, reply *IndexLagReply) error {
	r, err := s.replica(a.Group)
	if err != nil {
		return encodeErr(err)
	}
	reply.Lag, reply.Leader = r.IndexLag(), r.node.IsLeader()
	return nil
}

// CollectionIndexLag combines the lag records of c's shard leaders: the
// last write is the latest of any shard, and the collection is indexed
// when every shard is, at the latest shard's time. A shard whose leader
// does not answer (or has no record: it became leader after the writes)
// counts as unknown and leaves the collection's record without IndexedAt.
func (h *Host) CollectionIndexLag(ctx context.Context, c *coordinator.Collection) IndexLag {
	var out IndexLag
	caughtUp := true
	for i := range c.Shards {
		l, ok := h.leaderLag(ctx, c, i)
		out.LastWrite = max(out.LastWrite, l.LastWrite)
		out.IndexedAt = max(out.IndexedAt, l.IndexedAt)
		caughtUp = caughtUp && ok && l.CaughtUp()
	}
	if !caughtUp {
		out.IndexedAt = 0
	}
	return out
}

// leaderLag asks the replicas of shard i for the leader's lag record.
func (h *Host) leaderLag(ctx context.Context, c *coordinator.Collection, i int) (IndexLag, bool) {
	ctx, cancel := context.WithTimeout(ctx, progressWait)
	defer cancel()
	for _, id := range c.Shards[i].Replicas {
		var reply IndexLagReply
		if id == h.NodeID() {
			r, err := h.Replica(c, i)
			if err != nil {
				continue
			}
			reply = IndexLagReply{Lag: r.IndexLag(), Leader: r.node.IsLeader()}
		} else if err := decodeErr(h.call(ctx, id, ServiceName+".IndexLag", GroupArgs{Group: GroupName(c.ID, i)}, &reply)); err != nil {
			continue
		}
		if reply.Leader {
			return reply.Lag, true
		}
	}
	return IndexLag{}, false
}
