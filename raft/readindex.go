package raft

import (
	"context"
	"fmt"

	hraft "github.com/hashicorp/raft"
)

// ReadIndex returns an index such that, once WaitApplied(index) returns on
// any member, that member's FSM reflects every write acknowledged before
// ReadIndex was called (linearizable read; no lease reads). Only the leader
// can serve it:
//
//  1. the leader must have applied an entry of its current term (otherwise it
//     may not know the latest commit index): if it has not, it commits an
//     internal read-barrier entry first (once per term, deduplicated);
//  2. the commit index is recorded;
//  3. VerifyLeader confirms with a quorum that this node is still leader;
//  4. the term must be unchanged since step 1.
//
// Errors: ErrNotLeader (retry on the leader), ErrClosed, or the ctx error.
func (n *Node) ReadIndex(ctx context.Context) (uint64, error) {
	if n.isClosed() {
		return 0, fmt.Errorf("raft: read index: %w", ErrClosed)
	}
	if err := n.checkLeader("read index"); err != nil {
		return 0, err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	term := n.raft.CurrentTerm()
	if err := n.ensureTermApplied(ctx, term); err != nil {
		return 0, err
	}
	index := n.raft.CommitIndex()
	if waited, err := n.await(ctx, n.raft.VerifyLeader()); !waited {
		return 0, fmt.Errorf("raft: read index: %w", err)
	} else if err != nil {
		return 0, mapReadErr(err)
	}
	if n.raft.CurrentTerm() != term {
		return 0, fmt.Errorf("raft: read index: term changed: %w", ErrNotLeader)
	}
	return index, nil
}

// CaughtUp returns once this node, the leader, has applied an entry of
// its current term (committing a read barrier if it has not): its FSM then
// reflects every entry committed before the term began. A leader fresh
// from an election or a restart applies its predecessors' entries only
// after that; work it plans from its FSM (uploads under keys the state
// names, deletions of what the state no longer names) must wait for it.
// Once caught up in a term, a call costs a field read.
func (n *Node) CaughtUp(ctx context.Context) error {
	if n.isClosed() {
		return fmt.Errorf("raft: caught up: %w", ErrClosed)
	}
	if err := n.checkLeader("caught up"); err != nil {
		return err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	return n.ensureTermApplied(ctx, n.raft.CurrentTerm())
}

// ensureTermApplied makes sure this node has applied an entry of term,
// proposing a read barrier if needed. Concurrent callers share one barrier.
func (n *Node) ensureTermApplied(ctx context.Context, term uint64) error {
	if n.termApplied(term) {
		return nil
	}
	select {
	case n.readBarrier <- struct{}{}:
		defer func() { <-n.readBarrier }()
	case <-ctx.Done():
		return fmt.Errorf("raft: read index: %w", ctx.Err())
	case <-n.closed:
		return fmt.Errorf("raft: read index: %w", ErrClosed)
	}
	if n.termApplied(term) {
		return nil
	}
	f := n.raft.ApplyLog(hraft.Log{Extensions: readBarrierExt}, enqueueTimeout(ctx))
	waited, err := n.await(ctx, f)
	if !waited {
		return fmt.Errorf("raft: read index: %w", err)
	}
	if err != nil {
		return mapReadErr(err)
	}
	if !n.termApplied(term) {
		return fmt.Errorf("raft: read index: barrier not in term %d: %w", term, ErrNotLeader)
	}
	return nil
}

// termApplied reports whether the FSM has applied an entry of term or later.
// Applied entries are committed, so on the leader of term this means it has
// committed an entry of its own term.
func (n *Node) termApplied(term uint64) bool {
	_, t := n.applied.get()
	return t >= term
}
