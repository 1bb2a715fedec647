package shards

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/internal/durable"
	"github.com/raftvec/raftvec/raft"
)

// Waking a sleeping group (hibernate.go): a request opens it and its
// peers, a metadata change or a reconcile that finds it changed opens it,
// and a peer that reaches for it through the mux opens it.

// knockGrace is how long after a group went to sleep here a peer's
// connection attempt does not wake it: the leader's last heartbeats reach
// followers that closed just before it.
const knockGrace = 3 * time.Second

// wakeMarker removes the marker of a group about to be opened again.
func (h *Host) wakeMarker(name string) error {
	dir := filepath.Join(h.cfg.Dir, name)
	if err := os.Remove(filepath.Join(dir, markerFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("shards: waking %s: %w", name, err)
	}
	return durable.SyncDir(dir)
}

// wakePeers asks the other replicas of a group just woken by a request to
// open theirs, then campaigns at once if no leader is known: the request
// waits for one election, not for an election timeout.
func (h *Host) wakePeers(r *Replica, c *coordinator.Collection) {
	if h.client == nil || r.Shard >= len(c.Shards) || h.byName(r.Name) != r {
		return // no peers, or the host closed before the replica was registered
	}
	ctx, cancel := context.WithTimeout(r.loopCtx, 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, id := range c.Shards[r.Shard].Members() {
		if id == h.NodeID() {
			continue
		}
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			if err := h.call(ctx, id, ServiceName+".Wake", GroupArgs{Group: r.Name}, &struct{}{}); err != nil {
				h.cfg.Logger.Debug("waking a peer replica", "shard", r.Name, "node", id, "error", err)
			}
		}(id)
	}
	wg.Wait()
	if _, leader := r.node.LeaderAddr(); leader == "" && r.node.State() == hraft.Follower {
		if err := r.node.CampaignNow(); err != nil {
			h.cfg.Logger.Debug("campaigning after waking", "shard", r.Name, "error", err)
		}
	}
}

// knock is the mux's OnMissing hook: a peer reached for a group this node
// does not run. If the group is asleep here (for longer than knockGrace),
// the peer is awake and needs this replica: open it.
func (h *Host) knock(kind raft.Kind, name string) {
	if kind != raft.KindRaft {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	sl := h.mu.sleeping[name]
	if h.mu.closed || sl == nil || sl.waking || time.Since(sl.at) < knockGrace {
		return
	}
	sl.waking = true
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if _, err := h.openByName(name, openWake); err != nil {
			h.cfg.Logger.Debug("opening a sleeping group a peer reached for", "shard", name, "error", err)
			h.mu.Lock()
			sl.waking = false
			h.mu.Unlock()
		}
	}()
}

// openMode says why a group is opened, which decides what happens to a
// sleeping one.
type openMode int

const (
	openEnsure  openMode = iota // Reconcile: a sleeping group stays asleep unless its metadata changed
	openWake                    // a peer needs it: open it, without waking the others
	openRequest                 // a request needs it: open it and wake the peers
)

// sameMeta reports whether c is the metadata the group went to sleep with.
func (sl *sleeper) sameMeta(c *coordinator.Collection) bool {
	return sl.meta == c || sl.fp == fingerprint(c)
}

// openByName opens a group hosted here by its name (RPCs name groups).
func (h *Host) openByName(name string, mode openMode) (*Replica, error) {
	collID, i, ok := parseGroupName(name)
	v := h.view()
	if !ok || v == nil {
		return nil, fmt.Errorf("%w: %s on %s", ErrNotHosted, name, h.NodeID())
	}
	c, found := v.ByID(collID)
	if !found || !h.Hosts(c, i) {
		return nil, fmt.Errorf("%w: %s on %s", ErrNotHosted, name, h.NodeID())
	}
	return h.open(c, i, mode)
}

// Wake opens this node's replica of a group (a peer woke it for a request).
func (s *Service) Wake(a GroupArgs, _ *struct{}) error {
	_, err := s.h.openByName(a.Group, openWake)
	return encodeErr(err)
}
