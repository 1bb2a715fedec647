package shards

import (
	"context"
	"maps"
	"slices"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
)

// membershipRecheck is how often a leader whose group already matches
// its placement checks it again without a metadata change (safety net).
const membershipRecheck = 30 * time.Second

// run is a replica's background loop, owned by the Host: while this replica
// leads its group it appends time ticks when idle and read (for Bounded
// reads), makes the group's membership follow the coordinator's placement,
// flushes, seals and collects garbage, and puts the group to sleep once
// it is idle (hibernate.go); a follower's loop closes its replica when the
// leader asks. The loop ends when its replica goes to sleep.
//
// The loop runs every tick interval while it has work (recent reads,
// membership or lifecycle not settled) and otherwise sleeps for the
// lifecycle recheck period; writes, reads, leadership changes and metadata
// changes wake it (Replica.wake). An idle shard nobody reads thus costs no
// log write, no metadata scan and one wake-up per recheck period.
func (h *Host) run(r *Replica) {
	t := time.NewTimer(h.cfg.TickInterval)
	defer t.Stop()
	leader := r.node.LeaderEvents()
	s := loopState{q: quiet{recheck: h.lifecycleRecheck()}}
	for {
		select {
		case <-r.loopCtx.Done():
			return
		case <-t.C:
		case <-r.wakeCh:
		case <-leader:
		case req := <-r.sleepCh:
			err := h.sleepFollower(r, req.index)
			req.done <- err
			if err == nil {
				return
			}
		}
		busy := h.step(r, &s, time.Now())
		if !busy && h.maybeSleep(r, &s, time.Now()) {
			return
		}
		t.Reset(h.nextStep(r, busy))
	}
}

// loopState is what a replica's loop remembers between steps.
type loopState struct {
	lastGC, lastPrune, lastMembers time.Time
	membersMeta                    *coordinator.Collection
	settled                        bool
	released                       bool // the collection was released at the last step
	q                              quiet
	// snapSegs holds the segments this replica's newest Raft snapshot (or
	// its state when opened) may name.
	snapSegs map[int64]bool
	// snapFlushed is the bytes of chunk objects the segments had then.
	snapFlushed int64
}

// step does one round of a replica's background work and reports whether
// the replica still has work (it is then stepped again a tick later).
func (h *Host) step(r *Replica, s *loopState, now time.Time) bool {
	h.lateBootstrap(r, now)
	fresh := h.snapshotStep(r, s)
	if now.Sub(s.lastPrune) >= h.cfg.Lifecycle.GCInterval {
		s.lastPrune = now
		chunkCache{dir: h.cfg.Lifecycle.CacheDir}.prune(r, h.cfg.Lifecycle.Root)
		r.indexes.retain(r.referencedKeys())
	}
	h.preloadStep(r, s)
	if !r.node.IsLeader() {
		s.settled = false
		return r.bootstrap != nil // a late bootstrap may be due
	}
	h.tickStep(r, now)
	if meta := h.collectionMeta(r); !s.settled || meta != s.membersMeta || now.Sub(s.lastMembers) >= membershipRecheck {
		s.membersMeta, s.lastMembers = meta, now
		s.settled = h.reconcileMembers(r)
	}
	ctx, cancel := context.WithTimeout(r.loopCtx, 30*time.Second)
	defer cancel()
	if err := r.node.CaughtUp(ctx); err != nil {
		return true // a new leader plans from its predecessors' entries, applied first; next tick
	}
	if s.q.due(r, h.collectionMeta(r), now) {
		err := h.lifecycleStep(ctx, r, now)
		if err != nil {
			h.cfg.Logger.Warn("flush step failed; retrying", "shard", r.Name, "error", err)
		}
		s.q.done(r, err, now)
	}
	if fresh && now.Sub(s.lastGC) >= h.cfg.Lifecycle.GCInterval {
		s.lastGC = now
		if err := h.gcStep(ctx, r, now); err != nil {
			h.cfg.Logger.Warn("gc step failed; retrying", "shard", r.Name, "error", err)
		}
	}
	return !s.settled || !s.q.quiet(r)
}

// snapshotStep takes a Raft snapshot on this replica, leader or follower,
// when segments were removed (merged, compacted, dropped) since its last
// one, or when snapshotFlushed bytes were flushed since. The objects of
// removed segments become garbage, and a snapshot that still names them
// could not be restored once GC deleted them: not by this replica after a
// restart, nor by a new replica its leader sends it to (an idle shard
// appends no entries, so hraft's own threshold may not take a new snapshot
// for a long time). Snapshots taken elsewhere (a flush, hibernation,
// Raft's own schedule) count too: the segments they name are recorded by
// the FSM (fsm.Shard.SnapshotSegments). Flushed rows are only a manifest
// in a snapshot, so a restart after one opens them lazily instead of
// replaying their inserts. It reports whether the replica's newest
// snapshot names no removed segment (GC waits otherwise).
func (h *Host) snapshotStep(r *Replica, s *loopState) bool {
	ids := map[int64]bool{}
	var flushed int64
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			ids[g.ID] = true
			for _, c := range g.Chunks {
				flushed += c.Bytes
			}
		}
	})
	if s.snapSegs == nil { // the first step: the snapshot restored from, if any, is named below
		s.snapSegs, s.snapFlushed = maps.Clone(ids), flushed
	}
	for id := range r.fsm.SnapshotSegments() { // snapshots taken elsewhere (a flush, Raft's schedule)
		s.snapSegs[id] = true
	}
	removed := false
	for id := range s.snapSegs {
		removed = removed || !ids[id]
	}
	if !removed && flushed-s.snapFlushed < snapshotFlushed {
		return true
	}
	if err := r.node.Snapshot(); err != nil {
		h.cfg.Logger.Warn("snapshot after flushing or removing segments failed; retrying", "shard", r.Name, "error", err)
		return !removed
	}
	s.snapSegs, s.snapFlushed = ids, flushed
	returnMemoryEvery(10 * time.Second) // the flushed vectors just left the heap
	return true
}

// snapshotFlushed is how many bytes flushed since a replica's last
// snapshot make it take one (bounding what a restart replays).
const snapshotFlushed = 64 << 20

// nextStep is how long the loop sleeps: a tick interval while the replica
// has work or was read recently, else the lifecycle recheck period.
func (h *Host) nextStep(r *Replica, busy bool) time.Duration {
	if busy || time.Now().UnixMilli()-r.lastRead.Load() <= h.readWindow().Milliseconds() {
		return h.cfg.TickInterval
	}
	d := h.lifecycleRecheck()
	if h.cfg.HibernateAfter > 0 && r.node.IsLeader() {
		if until := h.untilSleep(r, time.Now()); until > 0 && until < d {
			d = until + 10*time.Millisecond // step when the group may go to sleep
		}
	}
	return d
}

// lifecycleRecheck is how often a quiet leader runs its lifecycle step
// anyway (idle sealing, retries of work another node refused): 10 s, or
// half the idle-seal time if that is shorter (tests).
func (h *Host) lifecycleRecheck() time.Duration {
	d := 10 * time.Second
	if s := h.cfg.Lifecycle.SealIdle; s > 0 {
		d = min(d, s/2)
	}
	return max(d, h.cfg.TickInterval)
}

// quiet remembers the state at a leader's last lifecycle step that failed
// nothing: while no log entry was applied since and the metadata did not
// change, another step would find nothing new to do, so it is skipped.
type quiet struct {
	applied uint64
	meta    *coordinator.Collection
	at      time.Time
	ok      bool
	recheck time.Duration
}

func (q *quiet) due(r *Replica, meta *coordinator.Collection, now time.Time) bool {
	due := !q.ok || r.node.AppliedIndex() != q.applied || meta != q.meta || now.Sub(q.at) >= q.recheck
	q.meta = meta
	return due
}

// quiet reports whether the last step found nothing to do and no entry was
// applied since.
func (q *quiet) quiet(r *Replica) bool { return q.ok && r.node.AppliedIndex() == q.applied }

func (q *quiet) done(r *Replica, err error, now time.Time) {
	q.applied, q.at, q.ok = r.node.AppliedIndex(), now, err == nil
}

// readWindow is how long after the last read an idle leader keeps ticking.
func (h *Host) readWindow() time.Duration { return max(30*time.Second, 2*h.cfg.StalenessBound) }

// tickStep appends a time tick if the leader has been idle for a tick
// interval and the shard was read within the read window. Without ticks a
// Bounded read falls back to a read index, which marks the shard read and
// so resumes ticking.
func (h *Host) tickStep(r *Replica, now time.Time) {
	ms := now.UnixMilli()
	if ms-r.lastWrite.Load() < h.cfg.TickInterval.Milliseconds() || ms-r.lastRead.Load() > h.readWindow().Milliseconds() {
		return
	}
	ctx, cancel := context.WithTimeout(r.loopCtx, h.cfg.TickInterval)
	defer cancel()
	if err := r.Tick(ctx, now); err != nil {
		h.cfg.Logger.Debug("tick failed", "shard", r.Name, "error", err)
	}
}

// collectionMeta returns the replica's collection in the current metadata
// view (nil without one). The metadata group replaces a collection when it
// changes, so comparing pointers tells whether this collection's metadata
// (placement, indexes) changed, whatever happened to other collections.
func (h *Host) collectionMeta(r *Replica) *coordinator.Collection {
	if v := h.view(); v != nil {
		c, _ := v.ByID(r.CollectionID)
		return c
	}
	return nil
}

// reconcileMembers makes the group's configuration follow the placement:
// missing voters are added as non-voters and promoted once caught up,
// query replicas are added as non-voters and stay so, and servers no
// longer placed are removed. One change per round. It reports whether the
// group already matched the placement with this node, the preferred
// replica, leading (nothing left to do).
func (h *Host) reconcileMembers(r *Replica) bool {
	if h.cfg.Placement == nil || h.cfg.Resolve == nil {
		return true
	}
	sp, ok := h.cfg.Placement(r.CollectionID, r.Shard)
	if !ok {
		return true
	}
	servers, err := r.node.Servers()
	if err != nil {
		return false
	}
	if matches(sp, servers, h.NodeID()) {
		return true
	}
	ctx, cancel := context.WithTimeout(r.loopCtx, 10*time.Second)
	defer cancel()
	if err := h.membershipStep(ctx, r, sp, servers); err != nil {
		h.cfg.Logger.Warn("membership change failed", "shard", r.Name, "error", err)
	}
	return false
}

// matches reports whether servers are exactly the placement's voters (as
// voters) and query replicas (as non-voters), with self the preferred one.
func matches(sp coordinator.ShardPlacement, servers []hraft.Server, self string) bool {
	if len(sp.Replicas) == 0 || sp.Replicas[0] != self || len(servers) != len(sp.Replicas)+len(sp.Queries) {
		return false
	}
	for _, s := range servers {
		voter := slices.Contains(sp.Replicas, string(s.ID))
		if voter != (s.Suffrage == hraft.Voter) || (!voter && !slices.Contains(sp.Queries, string(s.ID))) {
			return false
		}
	}
	return true
}

func (h *Host) membershipStep(ctx context.Context, r *Replica, sp coordinator.ShardPlacement, servers []hraft.Server) error {
	want := sp.Replicas
	if !slices.Contains(want, h.NodeID()) {
		return r.transferLeadership(ctx, "", "") // the new leader removes this node
	}
	find := func(id string) int {
		return slices.IndexFunc(servers, func(s hraft.Server) bool { return string(s.ID) == id })
	}
	for _, id := range want {
		i, addr := find(id), h.cfg.Resolve(id)
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
	for _, id := range sp.Queries {
		i, addr := find(id), h.cfg.Resolve(id)
		switch {
		case addr == "":
			continue
		case i < 0:
			h.cfg.Logger.Info("adding query replica", "shard", r.Name, "node", id)
			return r.node.AddNonvoter(ctx, id, addr)
		case servers[i].Suffrage == hraft.Voter:
			h.cfg.Logger.Info("demoting a voter to query replica", "shard", r.Name, "node", id)
			return r.node.DemoteVoter(ctx, id)
		}
	}
	for _, s := range servers {
		if !slices.Contains(want, string(s.ID)) && !slices.Contains(sp.Queries, string(s.ID)) {
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
