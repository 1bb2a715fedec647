package shards

import (
	"context"
	"slices"
	"time"

	hraft "github.com/hashicorp/raft"
)

// run is a replica's background loop, owned by the Host: while this replica
// leads its group it appends time ticks when idle (for Bounded reads) and
// makes the group's membership follow the coordinator's placement.
func (h *Host) run(r *Replica) {
	t := time.NewTicker(h.cfg.TickInterval)
	defer t.Stop()
	var lastGC, lastPrune time.Time
	for {
		select {
		case <-r.loopCtx.Done():
			return
		case now := <-t.C:
			h.lateBootstrap(r, now)
			if now.Sub(lastPrune) >= h.cfg.Lifecycle.GCInterval {
				lastPrune = now
				chunkCache{dir: h.cfg.Lifecycle.CacheDir}.prune(r)
			}
			if !r.node.IsLeader() {
				continue
			}
			if now.UnixMilli()-r.lastWrite.Load() >= h.cfg.TickInterval.Milliseconds() {
				ctx, cancel := context.WithTimeout(r.loopCtx, h.cfg.TickInterval)
				if err := r.Tick(ctx, now); err != nil {
					h.cfg.Logger.Debug("tick failed", "shard", r.Name, "error", err)
				}
				cancel()
			}
			h.reconcileMembers(r)
			ctx, cancel := context.WithTimeout(r.loopCtx, 30*time.Second)
			if err := h.lifecycleStep(ctx, r, now); err != nil {
				h.cfg.Logger.Warn("flush step failed; retrying", "shard", r.Name, "error", err)
			}
			if now.Sub(lastGC) >= h.cfg.Lifecycle.GCInterval {
				lastGC = now
				if err := h.gcStep(ctx, r, now); err != nil {
					h.cfg.Logger.Warn("gc step failed; retrying", "shard", r.Name, "error", err)
				}
			}
			cancel()
		}
	}
}

// reconcileMembers makes the group's configuration follow the placement:
// missing replicas are added as non-voters, promoted once caught up, and
// servers no longer placed are removed. One change per round.
func (h *Host) reconcileMembers(r *Replica) {
	if h.cfg.Placement == nil || h.cfg.Resolve == nil {
		return
	}
	sp, ok := h.cfg.Placement(r.CollectionID, r.Shard)
	if !ok {
		return
	}
	servers, err := r.node.Servers()
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.loopCtx, 10*time.Second)
	defer cancel()
	if err := h.membershipStep(ctx, r, sp.Replicas, servers); err != nil {
		h.cfg.Logger.Warn("membership change failed", "shard", r.Name, "error", err)
	}
}

func (h *Host) membershipStep(ctx context.Context, r *Replica, want []string, servers []hraft.Server) error {
	if !slices.Contains(want, h.NodeID()) {
		return r.transferLeadership(ctx, "", "") // the new leader removes this node
	}
	for _, id := range want {
		i := slices.IndexFunc(servers, func(s hraft.Server) bool { return string(s.ID) == id })
		addr := h.cfg.Resolve(id)
		switch {
		case addr == "":
			continue
		case i < 0:
			h.cfg.Logger.Info("adding replica", "shard", r.Name, "node", id)
			return r.node.AddNonvoter(ctx, id, addr)
		case servers[i].Suffrage != hraft.Voter && h.caughtUp(ctx, r, addr):
			h.cfg.Logger.Info("promoting replica", "shard", r.Name, "node", id)
			return r.node.AddVoter(ctx, id, addr)
		}
	}
	for _, s := range servers {
		if !slices.Contains(want, string(s.ID)) {
			h.cfg.Logger.Info("removing replica", "shard", r.Name, "node", s.ID)
			return r.node.RemoveServer(ctx, string(s.ID))
		}
	}
	return h.preferLeader(ctx, r, want[0], servers)
}

// preferLeader hands leadership to the placement's preferred replica once
// it is a caught-up voter, so shard leaders spread across nodes.
func (h *Host) preferLeader(ctx context.Context, r *Replica, id string, servers []hraft.Server) error {
	if id == h.NodeID() {
		return nil
	}
	i := slices.IndexFunc(servers, func(s hraft.Server) bool { return string(s.ID) == id })
	if i < 0 || servers[i].Suffrage != hraft.Voter || !h.caughtUp(ctx, r, string(servers[i].Address)) {
		return nil
	}
	h.cfg.Logger.Info("moving leadership to the preferred replica", "shard", r.Name, "node", id)
	return r.transferLeadership(ctx, id, string(servers[i].Address))
}

// caughtUp reports whether a replica at addr has applied close to this
// leader's applied index.
func (h *Host) caughtUp(ctx context.Context, r *Replica, addr string) bool {
	if h.client == nil {
		return true
	}
	var reply IndexReply
	if err := h.client.Call(ctx, addr, ServiceName+".Applied", GroupArgs{Group: r.Name}, &reply); err != nil {
		return false
	}
	return reply.Index+64 >= r.node.AppliedIndex()
}
