//go:build minio

package server

import (
	"strconv"
	"testing"
	"time"
)

// TestMinIONewReplicaCatchesUpFromObjectStorage runs a 4-node cluster on one
// MinIO: after a flush the shard leader's snapshot refers to chunks in
// MinIO; when a replica's node dies, the replica re-created on the spare
// node installs that snapshot and loads the rows from MinIO.
func TestMinIONewReplicaCatchesUpFromObjectStorage(t *testing.T) {
	shared := minioConfig(t)
	tc := newCluster(t, 4, 3, func(c *Config) {
		c.Storage = shared.Storage
		c.Lifecycle = shared.Lifecycle
		c.Raft.SnapshotThreshold, c.Raft.TrailingLogs, c.Raft.SnapshotInterval = 8, 2, 500*time.Millisecond
	})
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "r", "dimension": 8, "metricType": "L2", "params": map[string]any{"shardsNum": 1}})
	for b := 0; b < 20; b++ {
		insertRange(tc.client(b%4), "r", b*100, 100)
	}
	tc.client(1).ok("collections/flush", map[string]any{"collectionName": "r"})
	// Delete 25 % and compact: the coordinator assigns the task to some
	// node, which reads the inputs from MinIO and commits the output.
	tc.client(2).ok("entities/delete", map[string]any{"collectionName": "r", "filter": "id % 4 == 0"})
	tc.client(3).ok("collections/flush", map[string]any{"collectionName": "r"})
	tc.client(0).ok("collections/compact", map[string]any{"collectionName": "r"})
	for _, sg := range segments(t, tc.client(1), "r") {
		if sg["deletedRows"] != float64(0) {
			t.Fatalf("after compaction: %v", sg)
		}
	}
	if n := tc.client(2).rowCount("r"); n != 1500 {
		t.Fatalf("rowCount %d after compaction, want 1500", n)
	}
	coll, _ := tc.nodes[0].Coordinator().Collection("r")
	spare := -1
	for i, s := range tc.nodes {
		if len(s.Host().Replicas()) == 0 {
			spare = i
		}
	}
	victim := -1
	for i, s := range tc.nodes {
		if i != spare && len(s.Host().Replicas()) == 1 && !s.Host().Replicas()[0].Node().IsLeader() && !s.Coordinator().Node().IsLeader() {
			victim = i
		}
	}
	if spare < 0 || victim < 0 {
		t.Fatalf("no spare/victim: placement %+v", coll.Shards)
	}
	// Wait until the shard leader has snapshotted past the inserts, the
	// flush and the compaction, so its log no longer holds them: the new
	// replica must install the snapshot. (A snapshot from before the
	// compaction names chunks GC may have deleted; see the session note of
	// 2026-12-06: restoring one is a known open problem.)
	var compacted uint64
	for _, s := range tc.nodes {
		for _, r := range s.Host().Replicas() {
			if r.Node().IsLeader() {
				compacted = r.Node().AppliedIndex()
			}
		}
	}
	waitFor(t, 30*time.Second, func() bool {
		for _, s := range tc.nodes {
			for _, r := range s.Host().Replicas() {
				if st := r.Node().Stats(); r.Node().IsLeader() {
					snap, _ := strconv.ParseUint(st["last_snapshot_index"], 10, 64)
					return snap > 0 && snap >= compacted && snap+16 >= r.Node().AppliedIndex()
				}
			}
		}
		return false
	})
	tc.kill(victim)
	waitFor(t, 60*time.Second, func() bool {
		reps := tc.nodes[spare].Host().Replicas()
		return len(reps) == 1 && reps[0].Live(0) == 1500
	})
	r := tc.nodes[spare].Host().Replicas()[0]
	chunks := 0
	for _, sg := range r.Segments() {
		chunks += sg.Chunks
	}
	if chunks == 0 {
		t.Fatal("the new replica holds no flushed chunks: it did not restore from a snapshot")
	}
}
