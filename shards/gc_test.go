package shards

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// TestGCWaitsForTheLogTail restarts a node whose shard flushed chunks
// since its last snapshot (none here): the objects are referenced only by
// ChunkFlushed entries in the log's tail, which the reopened replica
// applies once it leads again. A GC step in between must not take them
// for garbage, however old they are (a CI run lost a restored
// collection's objects that way, a tenth of a second after a restart).
func TestGCWaitsForTheLogTail(t *testing.T) {
	dir := t.TempDir()
	store := &memStore{objs: map[string][]byte{}} // ModTime zero: every object is past the tolerance
	lc := Lifecycle{Store: store, ChunkSize: 200, SealSize: 1 << 20, MaxBacklog: 1 << 20, MaxSegmentSize: 1 << 30,
		CompactionRatio: 0.2, GCTolerance: time.Nanosecond, GCInterval: time.Hour}
	h := testHostAt(t, dir)
	h.cfg.Lifecycle = lc
	c := testCollection(t)
	r, err := h.Replica(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	writeIDs(t, r, c, 60)
	lifecycleSteps(t, h, r, 5) // whole chunks of the growing segment
	flushed := r.Segments()[0]
	if flushed.FlushedRows < 40 || len(flushed.Keys) == 0 {
		t.Fatalf("not flushed: %+v", flushed)
	}
	before := store.keys()
	slices.Sort(before)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}

	h = testHostAt(t, dir)
	h.cfg.Lifecycle = lc
	r, err = h.Replica(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Straight after the restart the replica has applied nothing of its
	// log yet (it is not even leader): the step must not delete anything.
	err = h.gcStep(ctx, r, time.Now())
	t.Logf("gc step before the replica leads: %v", err)
	for deadline := time.Now().Add(30 * time.Second); !r.node.IsLeader(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the restarted replica did not lead")
		}
	}
	// A step as leader catches up with the log first.
	if err := h.gcStep(ctx, r, time.Now()); err != nil {
		t.Fatalf("gc step as leader: %v", err)
	}
	after := store.keys()
	slices.Sort(after)
	if !slices.Equal(before, after) {
		t.Fatalf("GC deleted referenced objects across a restart:\nbefore %v\nafter  %v", before, after)
	}
	if got := r.Segments()[0]; got.FlushedRows != flushed.FlushedRows || !slices.Equal(got.Keys, flushed.Keys) {
		t.Fatalf("after the restart: %+v, want %+v", got, flushed)
	}
	res, err := r.Query(ctx, ReadSpec{}, nil, []int{1, 2}, 0, false)
	if err != nil || len(res.Entities) != 60 {
		t.Fatalf("query after the restart: %d rows, %v", len(res.Entities), err)
	}
}

// TestDeltaLogNumberIsThePlanningIndex: a delta log (a flushed segment's
// whole deletion bitmap) is numbered by the applied log index it was
// planned at, so two states of a segment never write under one key (a
// deposed leader planning from an older state used to overwrite, with
// fewer deletions, the delta log its successor had recorded).
func TestDeltaLogNumberIsThePlanningIndex(t *testing.T) {
	h, _ := testHost(t)
	store := &memStore{objs: map[string][]byte{}}
	h.cfg.Lifecycle = Lifecycle{Store: store, ChunkSize: 200, SealSize: 400, MaxBacklog: 1 << 20, MaxSegmentSize: 1 << 30, CompactionRatio: 0.9}
	c := testCollection(t)
	r, err := h.Replica(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	writeIDs(t, r, c, 30)
	lifecycleSteps(t, h, r, 8)
	var numbers []int64
	for _, filter := range []string{"id < 2", "id < 4"} {
		_, idx, err := r.Delete(ctx, 1, filter, nil)
		if err != nil {
			t.Fatal(err)
		}
		lifecycleSteps(t, h, r, 8)
		d := r.Segments()[0]
		delta := d.Delta
		if d.State != "Flushed" || delta == nil || uint64(delta.Index) < idx || d.DeltaRows != int64(2*(len(numbers)+1)) {
			t.Fatalf("after deleting %s at index %d: %+v, delta %+v", filter, idx, d, delta)
		}
		numbers = append(numbers, delta.Index)
	}
	if numbers[1] <= numbers[0] {
		t.Fatalf("delta log numbers %v do not grow", numbers)
	}
}

// writeIDs writes rows 0..n-1 (color "c") into partition 1.
func writeIDs(t *testing.T, r *Replica, c *coordinator.Collection, n int) {
	t.Helper()
	ids, colors := make([]int64, n), make([]string, n)
	for i := range ids {
		ids[i], colors[i] = int64(i), "c"
	}
	if _, _, err := r.Write(context.Background(), 1, batch(&c.Schema, ids, colors), false); err != nil {
		t.Fatal(err)
	}
}

// lifecycleSteps runs n lifecycle steps of r's leader (flush, seal,
// compact), failing the test on an error.
func lifecycleSteps(t *testing.T, h *Host, r *Replica, n int) {
	t.Helper()
	for range n {
		if err := h.lifecycleStep(context.Background(), r, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}
