package raft

import (
	"testing"
	"time"

	"github.com/raftvec/raftvec/telemetry"
)

// TestMetrics: a node's Metrics report its term, commit and applied
// indexes, leadership and suffrage, the leaders it saw elected, its
// proposals' latency (on the proposing leader only) and its snapshots.
func TestMetrics(t *testing.T) {
	nodes := newCluster(t, "shard-m", newMuxes(t, 3), nil)
	leader := waitLeader(t, nodes)
	// Right after the election only hraft's no-op is committed: it is
	// never applied, and is no lag.
	waitFor(t, 5*time.Second, "the no-op commits", func() bool {
		m := leader.node.Metrics()
		return m.CommitIndex >= 2 && m.CommitIndex > m.AppliedIndex
	})
	if m := leader.node.Metrics(); m.ApplyLag != 0 {
		t.Fatalf("apply lag %d of an idle group (commit %d, applied %d)", m.ApplyLag, m.CommitIndex, m.AppliedIndex)
	}
	var last Result
	for _, c := range []string{"a", "b", "c"} {
		last = propose(t, leader, c)
	}
	m := leader.node.Metrics()
	if m.Term < 1 || !m.Leader || !m.Voter || m.LeaderChanges < 1 {
		t.Fatalf("leader metrics %+v", m)
	}
	if m.CommitIndex < last.Index || m.AppliedIndex < last.Index || m.ApplyLag != 0 {
		t.Fatalf("leader commit %d applied %d, want >= %d", m.CommitIndex, m.AppliedIndex, last.Index)
	}
	top := telemetry.LatencyBuckets[len(telemetry.LatencyBuckets)-1]
	if p := m.Proposals; p.Count != 3 || p.Sum <= 0 || p.Buckets[top] != 3 {
		t.Fatalf("leader proposals %+v, want 3", p)
	}
	for _, f := range followers(nodes, leader) {
		if err := f.node.WaitApplied(ctxT(t, 5*time.Second), last.Index); err != nil {
			t.Fatal(err)
		}
		fm := f.node.Metrics()
		if fm.Leader || !fm.Voter || fm.Term != m.Term || fm.AppliedIndex < last.Index || fm.LeaderChanges < 1 {
			t.Fatalf("follower %s metrics %+v (leader's term %d)", f.id, fm, m.Term)
		}
		if fm.Proposals.Count != 0 || len(fm.Proposals.Buckets) == 0 {
			t.Fatalf("follower %s proposals %+v, want an empty histogram", f.id, fm.Proposals)
		}
	}

	if m.Snapshots != 0 {
		t.Fatalf("snapshots %d before any", m.Snapshots)
	}
	if err := leader.node.Snapshot(); err != nil {
		t.Fatal(err)
	}
	m = leader.node.Metrics()
	if m.Snapshots != 1 || m.LastSnapshotBytes <= snapshotHeaderLen {
		t.Fatalf("after a snapshot: %d snapshots, last %d bytes", m.Snapshots, m.LastSnapshotBytes)
	}

	// A new leader is one more leader seen by everyone still in touch.
	before := leader.node.Metrics().LeaderChanges
	if err := leader.node.TransferLeadership(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the old leader sees the new one", func() bool {
		return leader.node.Metrics().LeaderChanges > before && !leader.node.IsLeader()
	})

	// A non-voter says so.
	m4 := newTestMux(t)
	n4 := openTestNode(t, fastConfig("n4", "shard-m", t.TempDir()), m4)
	onLeader(t, nodes, "add nonvoter", func(l *testNode) error {
		return l.node.AddNonvoter(ctxT(t, 5*time.Second), "n4", m4.Addr().String())
	})
	waitFor(t, 10*time.Second, "the non-voter catches up", func() bool {
		nm := n4.node.Metrics()
		return nm.AppliedIndex >= last.Index && nm.Term >= 1 && !nm.Voter && !nm.Leader
	})
}
