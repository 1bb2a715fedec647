package coordinator

import (
	"context"
	"fmt"
	"slices"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/raft"
)

// leaderWait bounds how long a call waits for a metadata leader.
const leaderWait = 10 * time.Second

// memberCheckTimeout bounds one call to a (would-be) member.
const memberCheckTimeout = 3 * time.Second

// caughtUpLag is how many entries behind the leader's applied index a
// non-voter may be and still count as caught up (the rule shard groups use).
const caughtUpLag = 64

func retryNotLeader(ctx context.Context, fn func() error) error {
	return raft.RetryNotLeader(ctx, leaderWait, 50*time.Millisecond, fn)
}

// addMember adds a node to the metadata group as a non-voter and marks it
// up in the registry. Adding a member never costs the group its quorum: the
// node must first answer at its Raft address as the ID it claims (else
// nothing changes), and it only becomes a voter once PromoteMembers finds
// it caught up; a node that never catches up stays a non-voter and can be
// removed. Adding a server that is already a member is a no-op in Raft.
func (c *Coordinator) addMember(ctx context.Context, n NodeInfo) (bool, error) {
	servers, err := c.node.Servers()
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(servers, func(s hraft.Server) bool { return string(s.ID) == n.ID })
	voter := i >= 0 && servers[i].Suffrage == hraft.Voter
	if i < 0 {
		if _, err := c.memberApplied(ctx, n.ID, n.RaftAddr); err != nil {
			return false, fmt.Errorf("%w: node %q does not answer at %s (start it with --join first): %w", ErrInvalid, n.ID, n.RaftAddr, err)
		}
		if err := c.node.AddNonvoter(ctx, n.ID, n.RaftAddr); err != nil {
			return false, fmt.Errorf("coordinator: adding %s to the metadata group: %w", n.ID, err)
		}
	}
	n.State = NodeUp
	return voter, c.SetNode(ctx, n)
}

// memberApplied asks the node at addr for its applied index of the
// metadata log, checking that it is the node id.
func (c *Coordinator) memberApplied(ctx context.Context, id, addr string) (uint64, error) {
	if c.client == nil {
		return 0, nil // single-process tests: nobody to ask
	}
	ctx, cancel := context.WithTimeout(ctx, memberCheckTimeout)
	defer cancel()
	var reply MemberReply
	if err := c.client.Call(ctx, addr, ServiceName+".Member", struct{}{}, &reply); err != nil {
		return 0, err
	}
	if reply.ID != id {
		return 0, fmt.Errorf("the node there is %q", reply.ID)
	}
	return reply.Applied, nil
}

// PromoteMembers makes the metadata group's voters follow the rule "up to
// MaxVoters voters, each a caught-up member": on the leader (a no-op
// elsewhere) it promotes one non-voter that is registered up and whose
// applied index is within caughtUpLag of the leader's. One change per call;
// the caller runs it periodically.
func (c *Coordinator) PromoteMembers(ctx context.Context) error {
	if !c.node.IsLeader() {
		return nil
	}
	servers, err := c.node.Servers()
	if err != nil {
		return err
	}
	up := map[string]bool{}
	for _, n := range c.Nodes() {
		up[n.ID] = n.State == NodeUp && n.Has(RoleData) // query and index nodes never vote
	}
	leaderApplied := c.node.AppliedIndex()
	s, ok := nextPromotion(servers, up, func(s hraft.Server) bool {
		applied, err := c.memberApplied(ctx, string(s.ID), string(s.Address))
		return err == nil && applied+caughtUpLag >= leaderApplied
	})
	if !ok {
		return nil
	}
	if err := c.node.AddVoter(ctx, string(s.ID), string(s.Address)); err != nil {
		return fmt.Errorf("coordinator: promoting %s to voter of the metadata group: %w", s.ID, err)
	}
	return nil
}

// nextPromotion picks the non-voter to promote, if any: the group has fewer
// than MaxVoters voters, the member is registered up, and caughtUp says so.
// Candidates are tried in configuration order.
func nextPromotion(servers []hraft.Server, up map[string]bool, caughtUp func(hraft.Server) bool) (hraft.Server, bool) {
	voters := 0
	for _, s := range servers {
		if s.Suffrage == hraft.Voter {
			voters++
		}
	}
	if voters >= MaxVoters {
		return hraft.Server{}, false
	}
	for _, s := range servers {
		if s.Suffrage != hraft.Voter && up[string(s.ID)] && caughtUp(s) {
			return s, true
		}
	}
	return hraft.Server{}, false
}

// Members returns the metadata group's configuration as this node knows it
// (committed or not): who votes and who does not.
func (c *Coordinator) Members() ([]hraft.Server, error) { return c.node.Servers() }

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
