package raft

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestClusterReplicationFailoverMembership(t *testing.T) {
	nodes := newCluster(t, "shard-7", newMuxes(t, 3), nil)
	checkReplicationAndFollowers(t, nodes)
	checkReadIndex(t, nodes)
	rest, res := failLeader(t, nodes)
	checkJoinNonvoterThenVoter(t, rest, res)
}

func checkReplicationAndFollowers(t *testing.T, nodes []*testNode) {
	res := proposeOK(t, nodes, "a")
	leader := waitLeader(t, nodes)
	for _, f := range followers(nodes, leader) {
		if err := f.node.WaitApplied(ctxT(t, 5*time.Second), res.Index); err != nil {
			t.Fatalf("%s WaitApplied: %v", f.id, err)
		}
		if got, _ := f.fsm.snapshot(); !slices.Equal(got, []string{"a"}) {
			t.Fatalf("%s FSM = %v", f.id, got)
		}
		if _, err := f.node.Propose(ctxT(t, time.Second), []byte("x")); !errors.Is(err, ErrNotLeader) {
			t.Fatalf("propose on follower: %v", err)
		}
		if _, err := f.node.ReadIndex(ctxT(t, time.Second)); !errors.Is(err, ErrNotLeader) {
			t.Fatalf("ReadIndex on follower: %v", err)
		}
		if err := f.node.CaughtUp(ctxT(t, time.Second)); !errors.Is(err, ErrNotLeader) {
			t.Fatalf("CaughtUp on follower: %v", err)
		}
		if addr, id := f.node.LeaderAddr(); id != leader.id || addr != leader.node.Addr() {
			t.Fatalf("%s LeaderAddr = %s %s, leader %s", f.id, addr, id, leader.id)
		}
	}
}

// checkReadIndex: an index from the leader, served after WaitApplied on every
// member, reflects all acknowledged writes.
func checkReadIndex(t *testing.T, nodes []*testNode) {
	proposeOK(t, nodes, "b")
	var idx uint64
	onLeader(t, nodes, "read index", func(l *testNode) (err error) {
		idx, err = l.node.ReadIndex(ctxT(t, 5*time.Second))
		return err
	})
	for _, n := range nodes {
		if err := n.node.WaitApplied(ctxT(t, 5*time.Second), idx); err != nil {
			t.Fatalf("%s: %v", n.id, err)
		}
		if got, _ := n.fsm.snapshot(); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("%s read after ReadIndex = %v", n.id, got)
		}
	}
}

// failLeader closes the leader, checks a new one takes writes and removes the
// dead member. It returns the survivors and the last write.
func failLeader(t *testing.T, nodes []*testNode) ([]*testNode, Result) {
	leader := waitLeader(t, nodes)
	events := leader.node.LeaderEvents()
	waitEvent(t, events, true)
	leader.node.Close()
	for range events { // closed by Close
	}
	rest := followers(nodes, leader)
	res := proposeOK(t, rest, "c")
	onLeader(t, rest, "remove dead leader", func(l *testNode) error {
		return l.node.RemoveServer(ctxT(t, 5*time.Second), leader.id)
	})
	return rest, res
}

// checkJoinNonvoterThenVoter: a new node joins as nonvoter, catches up, is
// promoted and takes part in later commits.
func checkJoinNonvoterThenVoter(t *testing.T, rest []*testNode, last Result) {
	m4 := newTestMux(t)
	n4 := openTestNode(t, fastConfig("n4", "shard-7", t.TempDir()), m4)
	onLeader(t, rest, "add nonvoter", func(l *testNode) error {
		return l.node.AddNonvoter(ctxT(t, 5*time.Second), "n4", m4.Addr().String())
	})
	if err := n4.node.WaitApplied(ctxT(t, 10*time.Second), last.Index); err != nil {
		t.Fatal(err)
	}
	onLeader(t, rest, "add voter", func(l *testNode) error {
		return l.node.AddVoter(ctxT(t, 5*time.Second), "n4", m4.Addr().String())
	})
	rest = append(rest, n4)
	res := proposeOK(t, rest, "d")
	if err := n4.node.WaitApplied(ctxT(t, 5*time.Second), res.Index); err != nil {
		t.Fatal(err)
	}
	if got, _ := n4.fsm.snapshot(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("n4 FSM = %v", got)
	}
	servers, err := waitLeader(t, rest).node.Servers()
	if err != nil || len(servers) != 3 {
		t.Fatalf("servers = %v, %v", servers, err)
	}
}

func TestSnapshotInstallOnNewNode(t *testing.T) {
	nodes := newCluster(t, "shard-9", newMuxes(t, 1), func(c *Config) {
		c.SnapshotThreshold = 8
		c.TrailingLogs = 2
	})
	leader := waitLeader(t, nodes)
	var res Result
	for i := range 30 {
		res = propose(t, leader, fmt.Sprint(i))
	}
	if err := leader.node.Snapshot(); err != nil {
		t.Fatal(err)
	}
	tail := propose(t, leader, "tail")

	m2 := newTestMux(t)
	n2 := openTestNode(t, fastConfig("late", "shard-9", t.TempDir()), m2)
	if err := leader.node.AddVoter(ctxT(t, 10*time.Second), "late", m2.Addr().String()); err != nil {
		t.Fatal(err)
	}
	if err := n2.node.WaitApplied(ctxT(t, 10*time.Second), tail.Index); err != nil {
		t.Fatal(err)
	}
	got, restores := n2.fsm.snapshot()
	if restores == 0 {
		t.Fatalf("new node did not install a snapshot")
	}
	if len(got) != 31 || got[29] != "29" || got[30] != "tail" {
		t.Fatalf("new node FSM = %v", got)
	}
	if n2.node.AppliedIndex() < res.Index {
		t.Fatalf("applied %d < %d", n2.node.AppliedIndex(), res.Index)
	}
}

func TestTwoGroupsShareMuxes(t *testing.T) {
	muxes := newMuxes(t, 3)
	g1 := newCluster(t, "g1", muxes, nil)
	g2 := newCluster(t, "g2", muxes, nil)
	r1 := proposeOK(t, g1, "one")
	r2 := proposeOK(t, g2, "two")
	for i := range muxes {
		if err := g1[i].node.WaitApplied(ctxT(t, 5*time.Second), r1.Index); err != nil {
			t.Fatal(err)
		}
		if err := g2[i].node.WaitApplied(ctxT(t, 5*time.Second), r2.Index); err != nil {
			t.Fatal(err)
		}
		c1, _ := g1[i].fsm.snapshot()
		c2, _ := g2[i].fsm.snapshot()
		if !slices.Equal(c1, []string{"one"}) || !slices.Equal(c2, []string{"two"}) {
			t.Fatalf("node %d: g1 %v g2 %v", i, c1, c2)
		}
	}
}

func TestConcurrentProposals(t *testing.T) {
	nodes := newCluster(t, "conc", newMuxes(t, 3), nil)
	const workers, each = 8, 25
	results := make(chan Result, workers*each)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				res, err := proposeRetry(t, nodes, fmt.Sprintf("w%d-%d", w, i))
				if err != nil {
					errs <- err
					return
				}
				results <- res
			}
		}()
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	var maxIdx uint64
	for r := range results {
		if seen[r.Index] {
			t.Fatalf("index %d returned twice", r.Index)
		}
		seen[r.Index] = true
		maxIdx = max(maxIdx, r.Index)
	}
	for _, n := range nodes {
		if err := n.node.WaitApplied(ctxT(t, 10*time.Second), maxIdx); err != nil {
			t.Fatal(err)
		}
		if got, _ := n.fsm.snapshot(); len(got) != workers*each {
			t.Fatalf("%s has %d commands", n.id, len(got))
		}
	}
}

func TestTransferLeadership(t *testing.T) {
	nodes := newCluster(t, "xfer", newMuxes(t, 3), nil)
	old := waitLeader(t, nodes)
	if err := followers(nodes, old)[0].node.TransferLeadership(ctxT(t, time.Second)); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("transfer on follower: %v", err)
	}
	if err := old.node.TransferLeadership(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a new leader", func() bool {
		l, err := findLeader(nodes, 0)
		return err == nil && l != old
	})
	proposeOK(t, nodes, "after transfer")
}
