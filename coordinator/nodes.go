package coordinator

import (
	"context"
	"sort"
)

// SetNode registers a node or updates its addresses or state. Marking a
// node down or removed moves its replicas to other live nodes.
func (c *Coordinator) SetNode(ctx context.Context, n NodeInfo) error {
	_, err := c.propose(ctx, command{Op: opSetNode, Node: &n})
	return err
}

// Nodes returns the registry as of this replica, sorted by ID.
func (c *Coordinator) Nodes() []NodeInfo {
	c.fsm.mu.RLock()
	defer c.fsm.mu.RUnlock()
	out := make([]NodeInfo, 0, len(c.fsm.mu.Nodes))
	for _, n := range c.fsm.mu.Nodes {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// NodeByID returns one node of the registry.
func (c *Coordinator) NodeByID(id string) (NodeInfo, bool) {
	c.fsm.mu.RLock()
	defer c.fsm.mu.RUnlock()
	n, ok := c.fsm.mu.Nodes[id]
	if !ok {
		return NodeInfo{}, false
	}
	return *n, true
}

// RaftAddr returns the Raft (and RPC) address of a node, "" if unknown.
func (c *Coordinator) RaftAddr(id string) string {
	n, _ := c.NodeByID(id)
	return n.RaftAddr
}
