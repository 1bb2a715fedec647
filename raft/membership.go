package raft

import (
	"context"
	"errors"
	"fmt"
	"time"

	hraft "github.com/hashicorp/raft"
)

// AddVoter adds (or promotes) a voting member. Leader only. The call returns
// once the configuration entry is committed; the new member catches up in the
// background. Errors follow the Propose contract (doc.go).
func (n *Node) AddVoter(ctx context.Context, id, addr string) error {
	return n.changeConfig(ctx, "add voter", func(t time.Duration) hraft.IndexFuture {
		return n.raft.AddVoter(hraft.ServerID(id), hraft.ServerAddress(addr), 0, t)
	})
}

// AddNonvoter adds a member that replicates the log but does not vote.
func (n *Node) AddNonvoter(ctx context.Context, id, addr string) error {
	return n.changeConfig(ctx, "add nonvoter", func(t time.Duration) hraft.IndexFuture {
		return n.raft.AddNonvoter(hraft.ServerID(id), hraft.ServerAddress(addr), 0, t)
	})
}

// DemoteVoter takes a member's vote away; it stays a non-voter.
func (n *Node) DemoteVoter(ctx context.Context, id string) error {
	return n.changeConfig(ctx, "demote voter", func(t time.Duration) hraft.IndexFuture {
		return n.raft.DemoteVoter(hraft.ServerID(id), 0, t)
	})
}

// RemoveServer removes a member. Removing the leader itself makes it step
// down (and, hraft's default ShutdownOnRemove, shut its raft down).
func (n *Node) RemoveServer(ctx context.Context, id string) error {
	return n.changeConfig(ctx, "remove server", func(t time.Duration) hraft.IndexFuture {
		return n.raft.RemoveServer(hraft.ServerID(id), 0, t)
	})
}

// changeConfig submits a membership change with the enqueue timeout derived
// from ctx and waits for it to commit.
func (n *Node) changeConfig(ctx context.Context, op string, submit func(time.Duration) hraft.IndexFuture) error {
	if n.isClosed() {
		return fmt.Errorf("raft: %s: %w", op, ErrClosed)
	}
	if err := n.checkLeader(op); err != nil {
		return err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	return n.awaitWrite(ctx, op, submit(enqueueTimeout(ctx)))
}

// Servers returns the latest configuration (committed or not) known here.
func (n *Node) Servers() ([]hraft.Server, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("raft: get configuration: %w", err)
	}
	return f.Configuration().Servers, nil
}

// TransferLeadership asks the leader to hand leadership to the most
// up-to-date voter and waits for the outcome.
func (n *Node) TransferLeadership(ctx context.Context) error {
	return n.transfer(ctx, func() hraft.Future { return n.raft.LeadershipTransfer() })
}

// TransferLeadershipTo hands leadership to a specific voter (used to spread
// shard leaders across nodes).
func (n *Node) TransferLeadershipTo(ctx context.Context, id, addr string) error {
	return n.transfer(ctx, func() hraft.Future {
		return n.raft.LeadershipTransferToServer(hraft.ServerID(id), hraft.ServerAddress(addr))
	})
}

func (n *Node) transfer(ctx context.Context, start func() hraft.Future) error {
	if err := n.checkLeader("transfer leadership"); err != nil {
		return err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	waited, err := n.await(ctx, start())
	if !waited {
		return fmt.Errorf("raft: transfer leadership: %w: %w", ErrUnknownOutcome, err)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hraft.ErrNotLeader):
		return fmt.Errorf("raft: transfer leadership: %w: %w", ErrNotLeader, err)
	default:
		return fmt.Errorf("raft: transfer leadership: %w", err)
	}
}

// Snapshot forces a snapshot now and waits until it is persisted. It returns
// nil if there is nothing new to snapshot.
func (n *Node) Snapshot() error {
	if n.isClosed() {
		return fmt.Errorf("raft: snapshot: %w", ErrClosed)
	}
	err := n.raft.Snapshot().Error()
	switch {
	case err == nil, errors.Is(err, hraft.ErrNothingNewToSnapshot):
		return nil
	case errors.Is(err, hraft.ErrRaftShutdown):
		return fmt.Errorf("raft: snapshot: %w", ErrClosed)
	default:
		return fmt.Errorf("raft: snapshot: %w", err)
	}
}

// Bootstrap starts a new cluster on a running node that has no state, with
// the given voters (every initial voter may call it with the same list).
// It fails with hraft.ErrCantBootstrap when the node already has state.
func (n *Node) Bootstrap(servers []hraft.Server) error {
	if err := n.raft.BootstrapCluster(hraft.Configuration{Servers: servers}).Error(); err != nil {
		return fmt.Errorf("raft: bootstrap: %w", err)
	}
	return nil
}

// HasState reports whether the node has any Raft state (log, snapshot or
// term): a node with state must not be bootstrapped again.
func (n *Node) HasState() bool {
	last := n.raft.LastIndex()
	return last > 0 || n.raft.CurrentTerm() > 0
}
