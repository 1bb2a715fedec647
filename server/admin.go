package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/raft"
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
	return map[string]any{"node": a.s.cfg.NodeID, "metaLeader": leader, "metaMembers": a.metaMembers(),
		"started": a.s.started.Load(), "nodes": out}, nil
}

// MetaMember is one member of the metadata group's configuration.
type MetaMember struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	Voter   bool   `json:"voter"`
}

// metaMembers is the metadata group's configuration as this node knows it:
// when the group has no leader, the voters listed here are the ones a
// quorum must be formed of.
func (a admin) metaMembers() []MetaMember {
	servers, err := a.s.coord.Members()
	if err != nil {
		return nil
	}
	out := make([]MetaMember, 0, len(servers))
	for _, sv := range servers {
		out = append(out, MetaMember{ID: string(sv.ID), Address: string(sv.Address), Voter: sv.Suffrage == hraft.Voter})
	}
	return out
}

// Nodes returns the registry.
func (a admin) Nodes(context.Context) (any, error) { return a.s.coord.Nodes(), nil }

// AddNode adds a running node to the metadata group and the registry.
func (a admin) AddNode(ctx context.Context, id, raftAddr, httpAddr string) error {
	// Retried while the metadata leader is unknown or unreachable (an
	// election): nothing was proposed then.
	return raft.RetryNotLeader(ctx, 10*time.Second, 100*time.Millisecond, func() error {
		addr := a.leaderAddr()
		if addr == "" {
			return fmt.Errorf("no metadata leader: %w", raft.ErrNotLeader)
		}
		return a.s.coord.Join(ctx, addr, coordinator.NodeInfo{ID: id, RaftAddr: raftAddr, HTTPAddr: httpAddr})
	})
}

// RemoveNode marks a node removed (its replicas move elsewhere) and takes
// it out of the metadata group.
func (a admin) RemoveNode(ctx context.Context, id string) error {
	if id == a.s.cfg.NodeID && a.s.coord.Node().IsLeader() {
		return fmt.Errorf("%w: the metadata leader cannot remove itself; ask another node", coordinator.ErrInvalid)
	}
	err := a.s.coord.RemoveMember(ctx, id)
	if errors.Is(err, raft.ErrNotLeader) {
		if addr, _ := a.s.coord.Node().LeaderAddr(); addr == "" {
			return fmt.Errorf("%w (the metadata group has no leader, so no member can be removed through it: bring a quorum of its voters back, "+
				"or, if they are lost for good, recover the group from a peers.json file as the README describes)", err)
		}
	}
	return err
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
