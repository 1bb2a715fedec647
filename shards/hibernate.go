package shards

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/internal/durable"
)

// Hibernation (DESIGN.md, "Idle groups sleep"): the leader of a shard group
// nobody wrote to or read for Config.HibernateAfter, with a lifecycle that
// has nothing to do and every follower caught up, closes the group on
// every replica.
// A sleeping group costs no goroutine, no open file and no RPC; its data is
// on disk, as after a crash. The first request for it (or a metadata change
// of its collection, or a peer that reaches for it) opens it again.
//
// Closing a replica is always safe for Raft: it is what a crash does. What
// the protocol adds is liveness: the followers close before the leader, so
// no follower times out and campaigns against closed peers, and an opened
// replica asks its peers to open theirs before it campaigns.

// markerFile in a group's directory says the group was put to sleep: a
// restarted node leaves it closed. Its content is the fingerprint of the
// collection's metadata at that time (if the metadata differs at the next
// start, an index was created meanwhile, the group is opened) and the time
// of its last data write.
const markerFile = "HIBERNATED"

// errAsleep: the replica was closed for hibernation while a request used
// it. Nothing was proposed; the caller reopens the group and retries.
var errAsleep = fmt.Errorf("%w: the shard's group went to sleep", ErrUnavailable)

// sleeper is a group of this node that is asleep.
type sleeper struct {
	at   time.Time               // when it went to sleep (zero: before this process started)
	meta *coordinator.Collection // the metadata it slept with (nil: read back from disk)
	fp   string                  // fingerprint of that metadata
	// lastData is the unix ms of the group's last data write: idle sealing
	// counts from it, not from when the group wakes.
	lastData int64
	waking   bool // a peer's knock is opening it
	// tally is the group's segments when it went to sleep, if this node
	// led it then (Host.Tally; nil otherwise and after a restart).
	tally *replicaTally
}

// sleepReq asks a follower's loop to put its replica to sleep once it has
// applied index.
type sleepReq struct {
	index uint64
	done  chan error
}

// fingerprint identifies a collection's metadata (placement, schema,
// indexes): a sleeping group must wake when it changes.
func fingerprint(c *coordinator.Collection) string {
	if c == nil {
		return "-"
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("shards: collection metadata does not encode: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// loadSleepers reads the markers of the groups that were asleep when the
// node stopped.
func (h *Host) loadSleepers() {
	entries, err := os.ReadDir(h.cfg.Dir)
	if err != nil {
		return // no shard yet
	}
	for _, e := range entries {
		if _, _, ok := parseGroupName(e.Name()); !ok || !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(h.cfg.Dir, e.Name(), markerFile))
		if err != nil {
			continue
		}
		sl := &sleeper{}
		if _, err := fmt.Sscanf(string(b), "%s %d", &sl.fp, &sl.lastData); err != nil {
			sl.fp = string(b) // no metadata fingerprint: it wakes at the first check
		}
		h.mu.sleeping[e.Name()] = sl
	}
}

// stillAsleep reports whether shard name, asleep here, may stay asleep with
// the collection's metadata c (unchanged since it went to sleep).
func (h *Host) stillAsleep(name string, c *coordinator.Collection) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	sl := h.mu.sleeping[name]
	if sl == nil || !sl.sameMeta(c) {
		return false
	}
	sl.meta = c // compared by pointer from now on
	return true
}

// Sleeping returns the names of the groups asleep on this node, sorted.
func (h *Host) Sleeping() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Sorted(maps.Keys(h.mu.sleeping))
}

// untilSleep is how long until r has gone without writes, reads and ticks
// (and since it was opened) for the hibernation period; <= 0 once it has.
func (h *Host) untilSleep(r *Replica, now time.Time) time.Duration {
	last := max(r.lastData.Load(), r.lastRead.Load(), r.lastWrite.Load(), r.opened.UnixMilli())
	return time.Duration(last+h.cfg.HibernateAfter.Milliseconds()-now.UnixMilli()) * time.Millisecond
}

// sleepDue reports whether the leader r may put its group to sleep: idle,
// membership settled, and the lifecycle's last step found nothing to do (a
// growing segment below a chunk may stay unflushed: it is in the group's
// snapshot, and idle sealing resumes from the last write when it wakes).
func (h *Host) sleepDue(r *Replica, s *loopState, now time.Time) bool {
	return h.cfg.HibernateAfter > 0 && r.node.IsLeader() && s.settled && r.bootstrap == nil &&
		s.q.quiet(r) && h.untilSleep(r, now) <= 0
}

// maybeSleep puts the leader r's group to sleep when it is due: it holds
// new proposals, checks every follower has applied everything, asks them to
// close (they do once they have applied that index), and closes its own
// replica. It reports whether it did (the replica's loop then ends).
func (h *Host) maybeSleep(r *Replica, s *loopState, now time.Time) bool {
	if !h.sleepDue(r, s, now) {
		return false
	}
	ctx, cancel := context.WithTimeout(r.loopCtx, 10*time.Second)
	defer cancel()
	release, err := r.gate.hold(ctx)
	if err != nil {
		return false
	}
	defer release() // proposals held meanwhile see the replica asleep
	servers, err := r.node.Servers()
	idx := r.node.AppliedIndex()
	if err != nil || h.untilSleep(r, time.Now()) > 0 || !h.followersApplied(ctx, r, servers, idx) {
		return false
	}
	h.sleepFollowers(ctx, r, servers, idx)
	if err := h.sleep(r); err != nil {
		h.cfg.Logger.Warn("putting an idle shard group to sleep", "shard", r.Name, "error", err)
	} else {
		h.cfg.Logger.Debug("idle shard group asleep", "shard", r.Name, "index", idx)
	}
	return true
}

// followersApplied reports whether every other member has applied idx.
func (h *Host) followersApplied(ctx context.Context, r *Replica, servers []hraft.Server, idx uint64) bool {
	for _, sv := range servers {
		if string(sv.ID) == h.NodeID() {
			continue
		}
		if h.client == nil {
			return false
		}
		var reply IndexReply
		if err := h.client.Call(ctx, string(sv.Address), ServiceName+".Applied", GroupArgs{Group: r.Name}, &reply); err != nil || reply.Index < idx {
			return false
		}
	}
	return true
}

// sleepFollowers asks every other member to close its replica, in
// parallel. A member that does not (down, or behind after all) campaigns
// later and its knocks wake the others (knockGrace).
func (h *Host) sleepFollowers(ctx context.Context, r *Replica, servers []hraft.Server, idx uint64) {
	var wg sync.WaitGroup
	for _, sv := range servers {
		if string(sv.ID) == h.NodeID() {
			continue
		}
		wg.Add(1)
		go func(addr string) {
			defer wg.Done()
			if err := h.client.Call(ctx, addr, ServiceName+".Hibernate", HibernateArgs{Group: r.Name, Index: idx}, &struct{}{}); err != nil {
				h.cfg.Logger.Debug("a follower did not go to sleep", "shard", r.Name, "addr", addr, "error", err)
			}
		}(string(sv.Address))
	}
	wg.Wait()
}

// sleepFollower closes the follower r once it has applied index (called by
// its loop on the leader's request).
func (h *Host) sleepFollower(r *Replica, index uint64) error {
	if r.node.IsLeader() {
		return fmt.Errorf("%w: %s: this replica leads the group", ErrUnavailable, r.Name)
	}
	if got := r.node.AppliedIndex(); got < index {
		return fmt.Errorf("%w: %s: applied %d of %d", ErrUnavailable, r.Name, got, index)
	}
	return h.sleep(r)
}

// sleep closes r for hibernation and writes its marker. r must be open;
// it is marked asleep first, so that requests that hold it fail with
// errAsleep (nothing proposed) and reopen the group.
func (h *Host) sleep(r *Replica) error {
	name := r.Name
	h.mu.Lock()
	if h.mu.closed || h.mu.replicas[name] != r {
		h.mu.Unlock()
		return fmt.Errorf("%w: %s is not open", ErrNotHosted, name)
	}
	delete(h.mu.replicas, name)
	busy := make(chan struct{}) // open waits until the group is closed
	h.mu.opening[name] = busy
	h.mu.Unlock()

	r.asleep.Store(true)
	r.stop()
	meta := h.collectionMeta(r)
	var tally *replicaTally
	if r.node.IsLeader() {
		tally = r.tally()
	}
	snapErr := r.node.Snapshot() // a short log to replay when it wakes
	closeErr := r.node.Close()
	sl := &sleeper{at: time.Now(), meta: meta, fp: fingerprint(meta), lastData: r.lastData.Load(), tally: tally}
	markErr := durable.WriteFile(filepath.Join(h.cfg.Dir, name, markerFile), fmt.Appendf(nil, "%s %d", sl.fp, sl.lastData))

	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.mu.opening, name)
	close(busy)
	h.mu.sleeping[name] = sl
	return errors.Join(snapErr, closeErr, markErr)
}

// HibernateArgs asks a follower to close its replica of Group once it has
// applied Index.
type HibernateArgs struct {
	Group string
	Index uint64
}

// Hibernate closes this node's replica of a group (a follower) at its
// leader's request; a replica already closed answers at once.
func (s *Service) Hibernate(a HibernateArgs, _ *struct{}) error {
	rep := s.h.byName(a.Group)
	if rep == nil {
		return nil
	}
	req := sleepReq{index: a.Index, done: make(chan error, 1)}
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case rep.sleepCh <- req:
	case <-rep.done:
		return nil
	case <-t.C:
		return encodeErr(fmt.Errorf("%w: %s: its loop is busy", ErrUnavailable, a.Group))
	}
	select {
	case err := <-req.done:
		return encodeErr(err)
	case <-t.C:
		return encodeErr(fmt.Errorf("%w: %s: closing timed out", ErrUnavailable, a.Group))
	}
}
