package raft

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestSingleNodeProposeAndRestart(t *testing.T) {
	m := newTestMux(t)
	cfg := fastConfig("solo", "meta", t.TempDir())
	cfg.Bootstrap = true
	n := openTestNode(t, cfg, m)
	events := n.node.LeaderEvents()
	waitEvent(t, events, true)

	want, last := proposeSeq(t, n, 5)
	idx, err := n.node.ReadIndex(ctxT(t, 5*time.Second))
	if err != nil || idx < last.Index {
		t.Fatalf("ReadIndex = %d, %v (last %d)", idx, err, last.Index)
	}
	if err := n.node.WaitApplied(ctxT(t, 5*time.Second), idx); err != nil {
		t.Fatal(err)
	}
	if err := n.node.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.node.Propose(context.Background(), []byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("propose after close: %v", err)
	}
	for range events { // closed by Close (a final false may come first)
	}

	// Reopen on the same mux and dir: the log is replayed into a fresh FSM.
	n2 := openTestNode(t, cfg, m)
	waitEvent(t, n2.node.LeaderEvents(), true)
	// Caught up in its term, the leader has applied every entry of the
	// earlier ones: no index to wait for.
	if err := n2.node.CaughtUp(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := n2.node.AppliedIndex(); got < last.Index {
		t.Fatalf("caught up at applied index %d < %d", got, last.Index)
	}
	if got, _ := n2.fsm.snapshot(); !slices.Equal(got, want) {
		t.Fatalf("replayed FSM = %v, want %v", got, want)
	}
	if got := n2.node.AppliedIndex(); got < last.Index {
		t.Fatalf("AppliedIndex after restart %d < %d", got, last.Index)
	}
	res := propose(t, n2, "after-restart")
	if res.Response != len(want)+1 || res.Index <= idx {
		t.Fatalf("propose after restart: %+v", res)
	}
	if s := n2.node.Stats(); s["fsm_applied_index"] != fmt.Sprint(res.Index) || s["state"] != "Leader" {
		t.Fatalf("stats: %v", s)
	}
}

// proposeSeq proposes c0..c(k-1) and checks responses, indexes and AppliedIndex.
func proposeSeq(t *testing.T, n *testNode, k int) (cmds []string, last Result) {
	for i := range k {
		cmd := fmt.Sprintf("c%d", i)
		res := propose(t, n, cmd)
		cmds = append(cmds, cmd)
		if res.Response != i+1 || res.Index <= last.Index {
			t.Fatalf("propose %d: got %+v after %+v", i, res, last)
		}
		if got := n.node.AppliedIndex(); got < res.Index {
			t.Fatalf("AppliedIndex %d < %d right after Propose", got, res.Index)
		}
		last = res
	}
	return cmds, last
}

func TestSingleNodeSnapshotRestart(t *testing.T) {
	m := newTestMux(t)
	cfg := fastConfig("solo", "shard-1", t.TempDir())
	cfg.Bootstrap = true
	cfg.TrailingLogs = 1
	n := openTestNode(t, cfg, m)
	waitEvent(t, n.node.LeaderEvents(), true)
	var last Result
	for i := range 20 {
		last = propose(t, n, fmt.Sprint(i))
	}
	if err := n.node.Snapshot(); err != nil {
		t.Fatal(err)
	}
	n.node.Close()

	n2 := openTestNode(t, cfg, m)
	// hraft restores the snapshot in NewRaft, before any election.
	if got, restores := n2.fsm.snapshot(); len(got) != 20 || restores != 1 {
		t.Fatalf("after restart: %d cmds, %d restores", len(got), restores)
	}
	if got := n2.node.AppliedIndex(); got != last.Index {
		t.Fatalf("AppliedIndex after snapshot restore = %d, want %d", got, last.Index)
	}
}

func waitEvent(t *testing.T, ch <-chan bool, want bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case v, ok := <-ch:
			if !ok {
				t.Fatalf("leader events closed while waiting for %v", want)
			}
			if v == want {
				return
			}
		case <-timeout:
			t.Fatalf("no leader event %v", want)
		}
	}
}

func TestWaitAppliedCancelAndClose(t *testing.T) {
	var tr appliedTracker
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := tr.wait(ctx, 5); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait: %v", err)
	}
	if tr.waiters.Len() != 0 {
		t.Fatalf("cancelled waiter left in heap")
	}
	done := make(chan error, 3)
	for _, idx := range []uint64{3, 7, 9} {
		go func() { done <- tr.wait(context.Background(), idx) }()
	}
	waitFor(t, time.Second, "3 waiters", func() bool {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		return tr.waiters.Len() == 3
	})
	tr.set(7, 1)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	tr.close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	if err := tr.wait(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("wait on closed tracker: %v", err)
	}
}
