package raft

import (
	"context"
	"errors"
	"fmt"

	hraft "github.com/hashicorp/raft"
)

// Sentinel errors. Callers test them with errors.Is; every error returned by
// this package wraps at most one of ErrNotLeader / ErrUnknownOutcome, and
// errors from Propose that do not wrap ErrUnknownOutcome guarantee that the
// command was not (and will never be) applied. See doc.go for the mapping.
var (
	// ErrNotLeader: this node is not the leader and nothing was appended to
	// the log. The operation is definitely not applied; retry on the leader.
	ErrNotLeader = errors.New("not the leader")
	// ErrUnknownOutcome: the operation was handed to raft and may or may not
	// commit. The caller must not assume either outcome.
	ErrUnknownOutcome = errors.New("outcome unknown")
	// ErrClosed: the node (or mux) is closed.
	ErrClosed = errors.New("closed")
)

// mapWriteErr maps the error of a write future (Apply, membership change,
// leadership transfer) to the package contract. Callers have already checked
// that raft was running (checkLeader) before submitting.
func mapWriteErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hraft.ErrNotLeader),
		errors.Is(err, hraft.ErrLeadershipTransferInProgress):
		// Responded by the follower/candidate loop or by the leader loop
		// before dispatchLogs: never appended.
		return fmt.Errorf("raft: %s: %w: %w", op, ErrNotLeader, err)
	case errors.Is(err, hraft.ErrEnqueueTimeout):
		// Returned by ApplyLog/Barrier/requestConfigChange when the future
		// could not even be queued: definitely not applied.
		return fmt.Errorf("raft: %s: not enqueued: %w (%w)", op, err, context.DeadlineExceeded)
	case errors.Is(err, hraft.ErrRaftShutdown):
		// Either the enqueue raced with shutdown (errorFuture: not applied)
		// or the entry was committed and its FSM hand-off was cut by
		// shutdown (applied after restart). hraft does not tell which.
		return fmt.Errorf("raft: %s: %w: %w: %w", op, ErrUnknownOutcome, ErrClosed, err)
	default:
		// ErrLeadershipLost, ErrAbortedByRestore, log-store write errors:
		// the entry may have been appended and may commit.
		return fmt.Errorf("raft: %s: %w: %w", op, ErrUnknownOutcome, err)
	}
}

// mapReadErr maps errors of the read path (VerifyLeader, read barrier).
// Reads have no side effects, so there is no "unknown outcome".
func mapReadErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hraft.ErrNotLeader),
		errors.Is(err, hraft.ErrLeadershipLost),
		errors.Is(err, hraft.ErrLeadershipTransferInProgress),
		errors.Is(err, ErrNotLeader):
		return fmt.Errorf("raft: read index: %w: %w", ErrNotLeader, err)
	case errors.Is(err, hraft.ErrRaftShutdown), errors.Is(err, ErrClosed):
		return fmt.Errorf("raft: read index: %w", ErrClosed)
	default:
		return fmt.Errorf("raft: read index: %w", err)
	}
}
