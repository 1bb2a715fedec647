package shards

import (
	"context"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
)

// Test shorthands for proposing writes on one replica (production code goes
// through Host.Propose).

// Write inserts or upserts a batch into a partition.
func (r *Replica) Write(ctx context.Context, part int64, b *segment.Batch, upsert bool) (int64, uint64, error) {
	kind := fsm.KindInsert
	if upsert {
		kind = fsm.KindUpsert
	}
	res, idx, err := r.propose(ctx, &fsm.Command{Kind: kind, Partition: part, Rows: b})
	return res.Count, idx, err
}

// Delete deletes the rows matching a filter (in one partition when part !=
// 0) and returns how many were deleted.
func (r *Replica) Delete(ctx context.Context, part int64, filter string, params []byte) (int64, uint64, error) {
	res, idx, err := r.propose(ctx, &fsm.Command{Kind: fsm.KindDelete, Partition: part, Filter: filter, Params: params})
	return res.Count, idx, err
}
