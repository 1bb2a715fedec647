package raft

import (
	"context"
	"fmt"
	"time"

	hraft "github.com/hashicorp/raft"
)

// Result is the outcome of a committed and locally applied proposal.
type Result struct {
	Index    uint64 // log index of the entry
	Response any    // what the user FSM's Apply returned
}

// Propose appends cmd to the log and returns once it is committed and applied
// to the FSM on this (leader) node. hraft groups concurrent proposals into one
// disk write and one AppendEntries batch (BatchApplyCh + MaxAppendEntries).
// A ctx without deadline gets defaultOpTimeout. cmd must not be modified
// after the call (hraft keeps a reference). Errors: see doc.go.
func (n *Node) Propose(ctx context.Context, cmd []byte) (Result, error) {
	if n.isClosed() {
		return Result{}, fmt.Errorf("raft: propose: %w", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("raft: propose: not enqueued: %w", err)
	}
	if err := n.checkLeader("propose"); err != nil {
		return Result{}, err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	start := time.Now()
	f := n.raft.ApplyLog(hraft.Log{Data: cmd}, enqueueTimeout(ctx))
	if err := n.awaitWrite(ctx, "propose", f); err != nil {
		return Result{}, err
	}
	n.stats.observeProposal(time.Since(start))
	return Result{Index: f.Index(), Response: f.Response()}, nil
}

// awaitWrite waits for a write future and maps its error (doc.go).
func (n *Node) awaitWrite(ctx context.Context, op string, f hraft.Future) error {
	waited, err := n.await(ctx, f)
	if !waited {
		// ctx expired or the node closed while the future was pending:
		// the entry may still be appended and committed.
		return fmt.Errorf("raft: %s: %w: %w", op, ErrUnknownOutcome, err)
	}
	return mapWriteErr(op, err)
}

// checkLeader is the pre-submit check: ErrClosed if raft is shut down,
// ErrNotLeader if this node is not the leader (nothing submitted either way).
func (n *Node) checkLeader(op string) error {
	switch n.raft.State() {
	case hraft.Leader:
		return nil
	case hraft.Shutdown:
		return fmt.Errorf("raft: %s: %w", op, ErrClosed)
	default:
		return fmt.Errorf("raft: %s: %w", op, ErrNotLeader)
	}
}

// await waits for f. waited is false if ctx ended or the node closed first;
// err is then ctx.Err() or ErrClosed. hraft futures have no channel, so the
// blocking Error() call runs in a helper goroutine that ends when hraft
// resolves the future (see doc.go, "Goroutines").
func (n *Node) await(ctx context.Context, f hraft.Future) (waited bool, err error) {
	done := make(chan error, 1)
	n.waiting.Add(1)
	go func() {
		defer n.waiting.Add(-1)
		done <- f.Error()
	}()
	select {
	case err := <-done:
		return true, err
	case <-ctx.Done():
		err = ctx.Err()
	case <-n.closed:
		err = ErrClosed
	}
	select { // prefer a result that raced with the cancellation
	case ferr := <-done:
		return true, ferr
	default:
		return false, err
	}
}

// WaitApplied blocks until the FSM on this node has applied index (as
// returned by Propose or ReadIndex), ctx is done, or the node closes.
func (n *Node) WaitApplied(ctx context.Context, index uint64) error {
	if err := n.applied.wait(ctx, index); err != nil {
		return fmt.Errorf("raft: wait applied %d: %w", index, err)
	}
	return nil
}

// withDefaultTimeout gives ctx a defaultOpTimeout deadline if it has none.
func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, defaultOpTimeout)
}

// enqueueTimeout is the hraft enqueue timeout derived from ctx's deadline.
// hraft applies it only to queueing the request, never to the commit wait.
func enqueueTimeout(ctx context.Context) time.Duration {
	d, ok := ctx.Deadline()
	if !ok {
		return defaultOpTimeout
	}
	if t := time.Until(d); t > 0 {
		return t
	}
	return time.Nanosecond // expired: fail fast instead of "no timeout" (0)
}
