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
