package shards

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/raft"
)

// Config configures the shard replicas a node hosts.
type Config struct {
	// Dir holds one sub-directory per shard group.
	Dir string
	// Raft is the template for every shard group (ID, timeouts, snapshot
	// thresholds); Group, Dir and Logger are set per shard.
	Raft   raft.Config
	Logger hclog.Logger
}

// Host owns the shard replicas of one node: it opens, looks up and removes
// them. In standalone mode every shard is a one-voter group.
type Host struct {
	cfg Config
	mux *raft.Mux

	mu struct {
		sync.Mutex
		replicas map[string]*Replica // by group name
	}
}

// NewHost returns a host with no replicas.
func NewHost(cfg Config, mux *raft.Mux) *Host {
	h := &Host{cfg: cfg, mux: mux}
	h.mu.replicas = map[string]*Replica{}
	return h
}

// GroupName is the Raft group name of shard i of a collection.
func GroupName(collID int64, shard int) string { return fmt.Sprintf("shard-%d-%d", collID, shard) }

// segmentBase makes segment IDs unique across the shards of a cluster.
func segmentBase(collID int64, shard int) int64 { return collID<<32 | int64(shard)<<24 }

// Ensure opens (creating if needed) every shard replica of a collection.
func (h *Host) Ensure(c *coordinator.Collection) error {
	for i := 0; i < c.ShardsNum; i++ {
		if _, err := h.open(c, i); err != nil {
			return err
		}
	}
	return nil
}

func (h *Host) open(c *coordinator.Collection, i int) (*Replica, error) {
	name := GroupName(c.ID, i)
	h.mu.Lock()
	defer h.mu.Unlock()
	if r, ok := h.mu.replicas[name]; ok {
		return r, nil
	}
	schema := c.Schema
	f := fsm.NewShard(&schema, segmentBase(c.ID, i))
	rc := h.cfg.Raft
	rc.Group = name
	rc.Dir = filepath.Join(h.cfg.Dir, name)
	rc.Logger = h.cfg.Logger.Named(name)
	rc.Bootstrap = true
	n, err := raft.Open(rc, f, h.mux)
	if err != nil {
		return nil, fmt.Errorf("shards: opening %s: %w", name, err)
	}
	r := &Replica{Name: name, CollectionID: c.ID, Shard: i, node: n, fsm: f}
	h.mu.replicas[name] = r
	return r, nil
}

// Replica returns shard i of a collection, opening it if needed.
func (h *Host) Replica(c *coordinator.Collection, i int) (*Replica, error) {
	h.mu.Lock()
	r, ok := h.mu.replicas[GroupName(c.ID, i)]
	h.mu.Unlock()
	if ok {
		return r, nil
	}
	return h.open(c, i)
}

// Replicas returns every open replica, sorted by name.
func (h *Host) Replicas() []*Replica {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Replica, 0, len(h.mu.replicas))
	for _, r := range h.mu.replicas {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Reconcile makes the hosted replicas match the collections: it opens
// missing shards and closes and deletes shards of collections that no longer
// exist (including directories left by a crash during a drop).
func (h *Host) Reconcile(colls []*coordinator.Collection) error {
	want := map[string]bool{}
	for _, c := range colls {
		for i := 0; i < c.ShardsNum; i++ {
			want[GroupName(c.ID, i)] = true
		}
		if err := h.Ensure(c); err != nil {
			return err
		}
	}
	h.mu.Lock()
	var stale []*Replica
	for name, r := range h.mu.replicas {
		if !want[name] {
			stale = append(stale, r)
			delete(h.mu.replicas, name)
		}
	}
	h.mu.Unlock()
	for _, r := range stale {
		if err := r.node.Close(); err != nil {
			h.cfg.Logger.Warn("closing dropped shard", "shard", r.Name, "error", err)
		}
	}
	return h.removeStaleDirs(want)
}

func (h *Host) removeStaleDirs(want map[string]bool) error {
	entries, err := os.ReadDir(h.cfg.Dir)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("shards: listing %s: %w", h.cfg.Dir, err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "shard-") && !want[e.Name()] {
			if err := os.RemoveAll(filepath.Join(h.cfg.Dir, e.Name())); err != nil {
				return fmt.Errorf("shards: removing dropped shard data: %w", err)
			}
		}
	}
	return nil
}

// Close closes every replica.
func (h *Host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var first error
	for name, r := range h.mu.replicas {
		if err := r.node.Close(); err != nil && first == nil {
			first = err
		}
		delete(h.mu.replicas, name)
	}
	return first
}

// TransferLeadership hands off leadership of every group this node leads
// (graceful shutdown). Errors are ignored: a lone voter has no one to hand
// over to.
func (h *Host) TransferLeadership(ctx context.Context) {
	for _, r := range h.Replicas() {
		if r.node.IsLeader() {
			_ = r.node.TransferLeadership(ctx)
		}
	}
}
