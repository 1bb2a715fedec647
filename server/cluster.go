package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/coordinator"
)

// ClusterServiceName is the RPC service for node discovery and liveness.
const ClusterServiceName = "Cluster"

// ClusterService answers other nodes' discovery and liveness calls.
type ClusterService struct{ s *Server }

// InfoReply describes a node to a peer that is forming or joining a
// cluster.
type InfoReply struct {
	Node      coordinator.NodeInfo
	HasState  bool   // the node's metadata group has state
	Leader    string // the metadata leader's Raft address, if known
	GroupStat []GroupStatus
}

// Info describes this node.
func (c *ClusterService) Info(_ struct{}, r *InfoReply) error {
	r.Node = c.s.self()
	r.HasState = c.s.coord.Node().HasState()
	r.Leader, _ = c.s.coord.Node().LeaderAddr()
	r.GroupStat = c.s.groupStatus()
	return nil
}

func (s *Server) self() coordinator.NodeInfo {
	return coordinator.NodeInfo{ID: s.cfg.NodeID, RaftAddr: s.RaftAddr(), HTTPAddr: s.HTTPAddr(), State: coordinator.NodeUp, Roles: s.cfg.roles()}
}

// formCluster runs join-then-bootstrap (as rqlite does) for a node with
// join addresses: it asks the given nodes to add it to an existing cluster;
// failing that, once BootstrapExpect nodes without state answer, every one
// of them bootstraps the metadata group with the same voters.
func (s *Server) formCluster(ctx context.Context) error {
	for {
		if err := s.tryJoin(ctx); err == nil {
			return nil
		}
		if s.coord.Node().HasState() {
			return nil // restarted member: the group re-forms by itself
		}
		if done, err := s.tryBootstrap(ctx); done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server: could not join or form a cluster via %v: %w", s.cfg.Cluster.Join, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tryJoin asks each peer that knows a metadata leader to add this node.
func (s *Server) tryJoin(ctx context.Context) error {
	for _, addr := range s.peers() {
		var info InfoReply
		if err := s.client.Call(ctx, addr, ClusterServiceName+".Info", struct{}{}, &info); err != nil || info.Leader == "" {
			continue
		}
		if err := s.coord.Join(ctx, info.Leader, s.self()); err == nil {
			s.logger.Info("joined cluster", "leader", info.Leader)
			return nil
		}
	}
	return errors.New("no peer knows a metadata leader")
}

func (s *Server) peers() []string {
	var out []string
	for _, a := range s.cfg.Cluster.Join {
		if a != s.RaftAddr() && a != s.cfg.RaftAddr {
			out = append(out, a)
		}
	}
	return out
}

// tryBootstrap bootstraps the metadata group when BootstrapExpect nodes
// (this one included) answer and none has state.
func (s *Server) tryBootstrap(ctx context.Context) (bool, error) {
	want := s.cfg.Cluster.BootstrapExpect
	if want <= 0 {
		return false, nil
	}
	nodes := []coordinator.NodeInfo{s.self()}
	for _, addr := range s.peers() {
		var info InfoReply
		if err := s.client.Call(ctx, addr, ClusterServiceName+".Info", struct{}{}, &info); err != nil {
			continue
		}
		if info.HasState {
			return false, nil // a cluster exists: keep trying to join
		}
		nodes = append(nodes, info.Node)
	}
	// Only data nodes vote in the metadata group; query and index nodes
	// join it as non-voters later.
	nodes = slices.DeleteFunc(nodes, func(n coordinator.NodeInfo) bool { return !n.Has(coordinator.RoleData) })
	if len(nodes) < want {
		return false, nil
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	servers := make([]hraft.Server, 0, want)
	for _, n := range nodes[:want] {
		servers = append(servers, hraft.Server{ID: hraft.ServerID(n.ID), Address: hraft.ServerAddress(n.RaftAddr), Suffrage: hraft.Voter})
	}
	if !slices.ContainsFunc(servers, func(v hraft.Server) bool { return string(v.ID) == s.cfg.NodeID }) {
		return false, nil
	}
	s.logger.Info("bootstrapping metadata group", "voters", len(servers))
	if err := s.coord.Node().Bootstrap(servers); err != nil && !errors.Is(err, hraft.ErrCantBootstrap) {
		return false, err
	}
	return true, nil
}
