package coordinator

import (
	"fmt"
	"testing"
)

// TestPreferredLeadersSpread: single-shard collections created one after
// another get their preferred leaders spread evenly over the live nodes
// (every create allocates several IDs, so placing by ID alone put every
// leader on one node).
func TestPreferredLeadersSpread(t *testing.T) {
	m := newTestFSM(t)
	for _, id := range []string{"n2", "n3"} {
		mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: id, RaftAddr: id + ":1", State: NodeUp}})
	}
	for i := 0; i < 9; i++ {
		mustApply(t, m, command{Op: opCreateCollection, Collection: testCollection(fmt.Sprintf("c%d", i), 1, 2)})
	}
	got := m.leaderLoadLocked()
	for _, n := range []string{"n1", "n2", "n3"} {
		if got[n] != 3 {
			t.Fatalf("preferred leaders per node %v, want 3 each", got)
		}
	}
}

// TestShardsGrowBackWhenNodesComeUp: a collection created while only two
// of three nodes were up is placed on two; when the third comes up (or is
// added again after a removal) every shard gets its third replica, so a
// shard does not stay one node away from losing its quorum. A collection
// that asked for one replica keeps one.
func TestShardsGrowBackWhenNodesComeUp(t *testing.T) {
	m := newTestFSM(t)
	mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: "n2", RaftAddr: "n2:1", State: NodeUp}})
	mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: "n3", RaftAddr: "n3:1", State: NodeRemoved}})
	mustApply(t, m, command{Op: opCreateCollection, Collection: testCollection("three", 2, 2)})
	one := testCollection("one", 1, 2)
	one.ReplicaNumber = 1
	mustApply(t, m, command{Op: opCreateCollection, Collection: one})
	for _, sp := range m.mu.Collections["three"].Shards {
		if len(sp.Replicas) != 2 {
			t.Fatalf("placed on %v with two nodes up", sp.Replicas)
		}
	}
	mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: "n3", RaftAddr: "n3:1", State: NodeUp}})
	c := m.mu.Collections["three"]
	for _, sp := range c.Shards {
		if len(sp.Replicas) != 3 || sp.Initial != nil {
			t.Fatalf("shard placement %+v after n3 came up, want 3 replicas and no initial voters", sp)
		}
	}
	if c.ReplicaNumber != 3 {
		t.Fatalf("ReplicaNumber %d, want 3", c.ReplicaNumber)
	}
	if got := m.mu.Collections["one"].Shards[0].Replicas; len(got) != 1 {
		t.Fatalf("a one-replica collection grew to %v", got)
	}
	// Deterministic: a replica restored from a snapshot agrees.
	if r := restored(t, snapshotBytes(t, m)); len(r.mu.Collections["three"].Shards[0].Replicas) != 3 {
		t.Fatal("snapshot lost the grown placement")
	}
}
