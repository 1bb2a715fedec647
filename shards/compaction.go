package shards

import (
	"context"
	"sort"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
)

// PlanCompaction picks rewrites among flushed segments: each segment with
// at least ratio of its rows deleted or expired (TTL) is compacted alone;
// runs of small segments of one partition (each under half of maxSize) are
// merged while their total stays within maxSize.
func PlanCompaction(segs []SegmentInfo, maxSize int64, ratio float64) [][]int64 {
	var plans [][]int64
	byPart := map[int64][]SegmentInfo{}
	for _, s := range segs {
		if s.State != segment.Flushed.String() || s.Rows == 0 {
			continue
		}
		if dead := s.Deleted + s.Expired; dead > 0 && ratio > 0 && float64(dead) >= ratio*float64(s.Rows) {
			plans = append(plans, []int64{s.ID})
			continue
		}
		if maxSize > 0 && s.Bytes < maxSize/2 {
			byPart[s.Partition] = append(byPart[s.Partition], s)
		}
	}
	parts := make([]int64, 0, len(byPart))
	for p := range byPart {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	for _, p := range parts {
		plans = append(plans, packMerges(byPart[p], maxSize)...)
	}
	return plans
}

func packMerges(segs []SegmentInfo, maxSize int64) [][]int64 {
	sort.Slice(segs, func(i, j int) bool { return segs[i].ID < segs[j].ID })
	var plans [][]int64
	var cur []int64
	var size int64
	for _, s := range segs {
		if size+s.Bytes > maxSize && len(cur) > 0 {
			if len(cur) > 1 {
				plans = append(plans, cur)
			}
			cur, size = nil, 0
		}
		cur, size = append(cur, s.ID), size+s.Bytes
	}
	if len(cur) > 1 {
		plans = append(plans, cur)
	}
	return plans
}

// compactStep hands the compaction plans of a leader replica to the
// coordinator as tasks (workers read and write object storage off the log);
// without object storage or a coordinator the replica merges in its log.
// Rows expired under the collection's TTL count as deleted, by this
// leader's clock (a plan only: the rewrite decides by the log's time).
func (h *Host) compactStep(ctx context.Context, r *Replica) error {
	lc := h.cfg.Lifecycle
	var ttl int64
	if meta := h.collectionMeta(r); meta != nil {
		ttl = meta.TTLMillis()
	}
	segs := r.SegmentsAt(ttl, time.Now().UnixMilli())
	for _, plan := range PlanCompaction(segs, lc.MaxSegmentSize, lc.CompactionRatio) {
		var err error
		if h.cfg.SubmitTask != nil && lc.Store != nil {
			_, err = h.cfg.SubmitTask(ctx, coordinator.Task{Collection: r.CollectionID, Shard: r.Shard, Segments: plan})
		} else {
			_, _, err = r.propose(ctx, &fsm.Command{Kind: fsm.KindCompact, Segments: plan, TTL: ttl})
		}
		if err != nil {
			return err
		}
	}
	return nil
}
