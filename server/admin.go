package server

import (
	"context"
	"fmt"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/shards"
)

// admin implements api.Admin for this node.
type admin struct{ s *Server }

// NodeStatus is one node in /v1/cluster/status.
type NodeStatus struct {
	coordinator.NodeInfo
	Reachable bool          `json:"reachable"`
	Groups    []GroupStatus `json:"groups"`
}

// ClusterStatus asks every registered node for its Raft groups.
func (a admin) ClusterStatus(ctx context.Context) (any, error) {
	var out []NodeStatus
	for _, n := range a.s.coord.Nodes() {
		ns := NodeStatus{NodeInfo: n}
		if n.ID == a.s.cfg.NodeID {
			ns.Reachable, ns.Groups = true, a.s.groupStatus()
		} else if n.State != coordinator.NodeRemoved {
			var info InfoReply
			if err := a.s.client.Call(ctx, n.RaftAddr, ClusterServiceName+".Info", struct{}{}, &info); err == nil {
				ns.Reachable, ns.Groups = true, info.GroupStat
			}
		}
		out = append(out, ns)
	}
	leader, _ := a.s.coord.Node().LeaderAddr()
	return map[string]any{"node": a.s.cfg.NodeID, "metaLeader": leader, "nodes": out}, nil
}

// Nodes returns the registry.
func (a admin) Nodes(context.Context) (any, error) { return a.s.coord.Nodes(), nil }

// AddNode adds a running node to the metadata group and the registry.
func (a admin) AddNode(ctx context.Context, id, raftAddr, httpAddr string) error {
	return a.s.coord.Join(ctx, a.leaderAddr(), coordinator.NodeInfo{ID: id, RaftAddr: raftAddr, HTTPAddr: httpAddr})
}

// RemoveNode marks a node removed (its replicas move elsewhere) and takes
// it out of the metadata group.
func (a admin) RemoveNode(ctx context.Context, id string) error {
	if id == a.s.cfg.NodeID && a.s.coord.Node().IsLeader() {
		return fmt.Errorf("%w: the metadata leader cannot remove itself; ask another node", coordinator.ErrInvalid)
	}
	return a.s.coord.RemoveMember(ctx, id)
}

func (a admin) leaderAddr() string {
	addr, _ := a.s.coord.Node().LeaderAddr()
	return addr
}

// Segments lists a collection's segments.
func (a admin) Segments(ctx context.Context, coll string) (any, error) {
	segs, err := a.s.proxy.Segments(ctx, coll)
	if segs == nil {
		segs = []shards.SegmentInfo{}
	}
	return segs, err
}

// Trace locates one entity.
func (a admin) Trace(ctx context.Context, coll, pk string) (any, error) {
	return a.s.proxy.Trace(ctx, coll, pk)
}
