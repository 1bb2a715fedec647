package raft

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	hraft "github.com/hashicorp/raft"
)

func TestMapWriteErr(t *testing.T) {
	storageErr := errors.New("disk on fire")
	for _, tc := range []struct {
		in                      error
		notLeader, unknown, cls bool
	}{
		{in: hraft.ErrNotLeader, notLeader: true},
		{in: hraft.ErrLeadershipTransferInProgress, notLeader: true},
		{in: hraft.ErrEnqueueTimeout},
		{in: hraft.ErrLeadershipLost, unknown: true},
		{in: hraft.ErrAbortedByRestore, unknown: true},
		{in: hraft.ErrRaftShutdown, unknown: true, cls: true},
		{in: storageErr, unknown: true},
	} {
		err := mapWriteErr("op", tc.in)
		if errors.Is(err, ErrNotLeader) != tc.notLeader || errors.Is(err, ErrUnknownOutcome) != tc.unknown ||
			errors.Is(err, ErrClosed) != tc.cls || !errors.Is(err, tc.in) {
			t.Errorf("mapWriteErr(%v) = %v", tc.in, err)
		}
	}
	if err := mapWriteErr("op", hraft.ErrEnqueueTimeout); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("enqueue timeout should wrap DeadlineExceeded: %v", err)
	}
	if mapWriteErr("op", nil) != nil {
		t.Error("nil not preserved")
	}
}

// A leader cut off from its followers cannot commit: the proposal's outcome
// is unknown (or, if it already stepped down, it is rejected as not leader).
// After healing, the group elects a leader and makes progress again.
func TestPartitionedLeaderProposal(t *testing.T) {
	faults := make([]*Faults, 3)
	muxes := make([]*Mux, 3)
	for i := range muxes {
		faults[i] = NewFaults()
		muxes[i] = newTestMux(t, WithFaults(faults[i]))
	}
	nodes := newCluster(t, "p", muxes, nil)
	proposeOK(t, nodes, "before")
	leader := waitLeader(t, nodes)

	li := indexOf(nodes, leader)
	setPartition(faults, muxes, li, true)
	_, err := leader.node.Propose(ctxT(t, 400*time.Millisecond), []byte("during"))
	if !errors.Is(err, ErrUnknownOutcome) && !errors.Is(err, ErrNotLeader) {
		t.Fatalf("propose on partitioned leader: %v", err)
	}
	t.Logf("partitioned leader proposal: %v", err)
	if _, err := leader.node.ReadIndex(ctxT(t, 400*time.Millisecond)); err == nil {
		t.Fatal("ReadIndex succeeded on a partitioned leader")
	}
	majority := followers(nodes, leader)
	proposeOK(t, majority, "majority side")

	setPartition(faults, muxes, li, false)
	res := proposeOK(t, majority, "healed")
	if err := leader.node.WaitApplied(ctxT(t, 10*time.Second), res.Index); err != nil {
		t.Fatalf("old leader did not catch up: %v", err)
	}
	got, _ := leader.fsm.snapshot()
	t.Logf("old leader FSM after heal: %v", got)
}

func indexOf(nodes []*testNode, n *testNode) int {
	for i := range nodes {
		if nodes[i] == n {
			return i
		}
	}
	panic(fmt.Sprintf("node %s not found", n.id))
}

// setPartition isolates mux i from all others (both directions).
func setPartition(faults []*Faults, muxes []*Mux, i int, blocked bool) {
	for j := range muxes {
		if j != i {
			faults[i].SetBlocked(muxes[j].Addr().String(), blocked)
			faults[j].SetBlocked(muxes[i].Addr().String(), blocked)
		}
	}
}
