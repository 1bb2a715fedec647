package coordinator

import (
	"context"
	"fmt"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/raft"
)

// leaderWait bounds how long a call waits for a metadata leader.
const leaderWait = 10 * time.Second

func retryNotLeader(ctx context.Context, fn func() error) error {
	return raft.RetryNotLeader(ctx, leaderWait, 50*time.Millisecond, fn)
}

// addMember adds a node to the metadata group (a voter while there are
// fewer than MaxVoters) and marks it up in the registry. Adding a server
// that is already a member with the same address is a no-op in Raft.
func (c *Coordinator) addMember(ctx context.Context, n NodeInfo) (bool, error) {
	servers, err := c.node.Servers()
	if err != nil {
		return false, err
	}
	voters, member, voter := 0, false, false
	for _, s := range servers {
		if s.Suffrage == hraft.Voter {
			voters++
		}
		if string(s.ID) == n.ID {
			member, voter = true, s.Suffrage == hraft.Voter
		}
	}
	if !member {
		voter = voters < MaxVoters
	}
	if !member {
		add := c.node.AddNonvoter
		if voter {
			add = c.node.AddVoter
		}
		if err := add(ctx, n.ID, n.RaftAddr); err != nil {
			return false, fmt.Errorf("coordinator: adding %s to the metadata group: %w", n.ID, err)
		}
	}
	n.State = NodeUp
	return voter, c.SetNode(ctx, n)
}

// RemoveMember takes a node out of the metadata group and marks it removed
// in the registry, which moves its replicas to other nodes.
func (c *Coordinator) RemoveMember(ctx context.Context, id string) error {
	if _, ok := c.NodeByID(id); !ok {
		return fmt.Errorf("%w: unknown node %q", ErrInvalid, id)
	}
	if err := c.SetNode(ctx, NodeInfo{ID: id, State: NodeRemoved}); err != nil {
		return err
	}
	return retryNotLeader(ctx, func() error {
		if c.node.IsLeader() || c.client == nil {
			return c.removeServer(ctx, id)
		}
		addr, _ := c.node.LeaderAddr()
		if addr == "" {
			return fmt.Errorf("coordinator: no metadata leader: %w", raft.ErrNotLeader)
		}
		return decodeErr(c.client.Call(ctx, addr, ServiceName+".Leave", LeaveArgs{ID: id}, &struct{}{}))
	})
}

func (c *Coordinator) removeServer(ctx context.Context, id string) error {
	if err := c.node.RemoveServer(ctx, id); err != nil {
		return fmt.Errorf("coordinator: removing %s from the metadata group: %w", id, err)
	}
	return nil
}

// Join asks the metadata leader at addr (any member: followers answer
// not-leader and the caller tries the next address) to add this node.
func (c *Coordinator) Join(ctx context.Context, addr string, self NodeInfo) error {
	var reply JoinReply
	return decodeErr(c.client.Call(ctx, addr, ServiceName+".Join", JoinArgs{Node: self}, &reply))
}
