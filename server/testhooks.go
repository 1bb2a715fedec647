package server

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/raft"
)

// testHooks implements api.Testing (--test-faults only): the Jepsen suite's
// control of this node's fault table, snapshots and state hashes.
type testHooks struct{ s *Server }

// ReplicaState is one shard replica in /v1/test/state.
type ReplicaState struct {
	Group   string `json:"group"`
	Node    string `json:"node"`
	State   string `json:"state"` // Leader, Follower, Candidate
	Applied uint64 `json:"applied"`
	Hash    string `json:"hash"`
}

// SetFaults replaces the fault table: the listed peers are cut, the
// listed links degraded, every other peer healed.
func (t testHooks) SetFaults(_ context.Context, f api.FaultSpec) error {
	ft := t.s.faults
	ft.Reset()
	for _, a := range f.Blocked {
		ft.SetBlocked(a, true)
	}
	for a, l := range f.Links {
		ft.SetLink(a, raft.Link{Delay: time.Duration(l.DelayMs) * time.Millisecond, Drop: l.Drop})
	}
	return nil
}

// Faults returns the fault table.
func (t testHooks) Faults(context.Context) (api.FaultSpec, error) {
	blocked, links := t.s.faults.State()
	sort.Strings(blocked)
	out := api.FaultSpec{Blocked: blocked, Links: map[string]api.LinkSpec{}}
	for a, l := range links {
		out.Links[a] = api.LinkSpec{DelayMs: int(l.Delay / time.Millisecond), Drop: l.Drop}
	}
	return out, nil
}

// Snapshot snapshots the metadata group and every shard replica here.
func (t testHooks) Snapshot(context.Context) error {
	errs := []error{t.s.coord.Node().Snapshot()}
	for _, r := range t.s.host.Replicas() {
		errs = append(errs, r.Node().Snapshot())
	}
	return errors.Join(errs...)
}

// State returns the applied index and state hash of the metadata group
// member and of every shard replica on this node.
func (t testHooks) State(context.Context) (any, error) {
	out := []ReplicaState{}
	if idx, hash, err := t.s.coord.StateHash(); err == nil {
		out = append(out, ReplicaState{Group: "meta", Node: t.s.cfg.NodeID, State: t.s.coord.Node().Stats()["state"], Applied: idx, Hash: hash})
	}
	for _, r := range t.s.host.Replicas() {
		idx, hash := r.FSM().HashAt()
		out = append(out, ReplicaState{Group: r.Name, Node: t.s.cfg.NodeID, State: r.Node().Stats()["state"], Applied: idx, Hash: hash})
	}
	return out, nil
}
