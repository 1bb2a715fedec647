package shards

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/rpc"
	"github.com/raftvec/raftvec/segment"
)

// Replica is this node's replica of one shard: a Raft group whose FSM holds
// the shard's segments.
type Replica struct {
	Name         string
	CollectionID int64
	Shard        int
	node         *raft.Node
	fsm          *fsm.Shard
	client       *rpc.Client // nil in tests without a cluster
	bound        time.Duration
	unsafeStrong bool // Config.UnsafeStrongReads (test only)
	// query: a query replica (non-voter on a query node). It may have just
	// joined and hold nothing yet, so Eventually reads on it are Bounded.
	query bool

	lastWrite atomic.Int64 // unix ms of the last proposal, for idle ticks
	backlog   atomic.Int64 // unflushed bytes, as of the leader's last lifecycle step
	lastData  atomic.Int64 // unix ms of the last insert/upsert/delete, for idle sealing
	// indexedAt is the unix ms at which this leader last saw every row of
	// the shard in a built segment index (lag.go).
	indexedAt atomic.Int64
	// lastRead is the unix ms of the last read gated here or read index
	// served by this replica as leader: an idle leader ticks only while
	// reads come, so idle collections cost no log writes.
	lastRead   atomic.Int64
	maxBacklog int64

	gate proposalGate // planned leadership transfers drain and hold proposals

	// bootstrap is the initial voter set this replica bootstraps the group
	// with if the preferred replica has not formed it within
	// bootstrapDelay of opened (nil: nothing to do).
	bootstrap []hraft.Server
	opened    time.Time

	loader  segment.Loader // fetches chunks (retrying: restore needs them)
	files   indexFiles     // where index files are read
	mapper  segment.Mapper // maps flushed vector columns in place (nil: they are read onto the heap)
	indexes indexCache     // index files loaded for search
	interim interimSet     // interim indexes of growing segments (interim.go)
	reads   *readTracker   // the host's read counters; nil in some tests
	// segmentIndexes lists the BuildNames of the collection's current
	// per-segment indexes (nil in some tests: none).
	segmentIndexes func() []string

	wakeCh  chan struct{}   // wakes the background loop (1-buffered)
	sleepCh chan sleepReq   // the leader asks this follower to sleep
	asleep  atomic.Bool     // closed by hibernation: requests reopen the group
	loopCtx context.Context // the replica's background loop
	stop    context.CancelFunc
	done    chan struct{}
}

// wake makes the replica's background loop run a step soon (never blocks).
func (r *Replica) wake() {
	select {
	case r.wakeCh <- struct{}{}:
	default:
	}
}

// Backlog returns the bytes waiting for object storage as of the leader's
// last lifecycle step.
func (r *Replica) Backlog() int64 { return r.backlog.Load() }

// Node returns the replica's Raft node.
func (r *Replica) Node() *raft.Node { return r.node }

// FSM returns the replica's state machine.
func (r *Replica) FSM() *fsm.Shard { return r.fsm }

// propose replicates a command and returns its apply result, forwarding it
// to the shard leader when this replica is a follower, and mapping errors
// onto the definite / unknown outcome sentinels.
func (r *Replica) propose(ctx context.Context, c *fsm.Command) (fsm.Result, uint64, error) {
	return r.proposeData(ctx, c.Encode())
}

func (r *Replica) proposeData(ctx context.Context, data []byte) (fsm.Result, uint64, error) {
	var res fsm.Result
	var idx uint64
	err := retryNotLeader(ctx, func() error {
		var err error
		if r.asleep.Load() {
			return errAsleep
		}
		if r.node.IsLeader() || r.client == nil {
			res, idx, err = r.proposeLocal(ctx, data)
			return err
		}
		res, idx, err = r.forward(ctx, data)
		return err
	})
	return res, idx, err
}

// proposeLocal proposes on this node (which must lead the group).
func (r *Replica) proposeLocal(ctx context.Context, data []byte) (fsm.Result, uint64, error) {
	now := time.Now().UnixMilli()
	r.lastWrite.Store(now)
	if len(data) > 1 {
		switch fsm.Kind(data[1]) {
		case fsm.KindInsert, fsm.KindUpsert:
			if b := r.backlog.Load(); r.maxBacklog > 0 && b > r.maxBacklog {
				return fsm.Result{}, 0, fmt.Errorf("%w: %s: %d unflushed bytes wait for object storage (limit %d); retry later",
					ErrRateLimited, r.Name, b, r.maxBacklog)
			}
			r.dataWritten(now)
		case fsm.KindDelete:
			r.dataWritten(now)
		case fsm.KindTick:
		default:
			// Seals, flushes, compactions, index records: the loop
			// acts on them at once (a snapshot after segments were
			// removed, the next flush or index step).
			defer r.wake()
		}
	}
	if err := r.gate.enter(ctx); err != nil {
		return fsm.Result{}, 0, fmt.Errorf("%w: %s: not proposed while leadership moved: %w", ErrUnavailable, r.Name, err)
	}
	if r.asleep.Load() { // held while the group went to sleep
		r.gate.exit()
		return fsm.Result{}, 0, errAsleep
	}
	fsm.Stamp(data, time.Now().UnixMilli()) // the leader's time on data entries, however they reached it
	res, err := r.node.Propose(ctx, data)
	r.gate.exit()
	if err != nil {
		return fsm.Result{}, 0, mapRaftErr(r.Name, err)
	}
	out, ok := res.Response.(fsm.Result)
	if !ok {
		return fsm.Result{}, 0, fmt.Errorf("shards: %s: unexpected apply response %T", r.Name, res.Response)
	}
	if out.Err != nil {
		return out, res.Index, mapApplyErr(out.Err)
	}
	if len(data) > 1 && (fsm.Kind(data[1]) == fsm.KindIndexed || fsm.Kind(data[1]) == fsm.KindCompactCommit) {
		r.noteIndexed(time.Now().UnixMilli())
	}
	return out, res.Index, nil
}

// forward sends a proposal to the group's leader.
func (r *Replica) forward(ctx context.Context, data []byte) (fsm.Result, uint64, error) {
	addr, _ := r.node.LeaderAddr()
	if addr == "" {
		return fsm.Result{}, 0, fmt.Errorf("%w: %s: no leader: %w", ErrUnavailable, r.Name, raft.ErrNotLeader)
	}
	var reply ProposeReply
	err := decodeErr(r.client.Call(ctx, addr, ServiceName+".Propose", ProposeArgs{Group: r.Name, Data: data, Deadline: proposalDeadline(ctx)}, &reply))
	return fsm.Result{Count: reply.Count}, reply.Index, err
}

func mapRaftErr(name string, err error) error {
	switch {
	case errors.Is(err, raft.ErrUnknownOutcome):
		return fmt.Errorf("%w: %s: %w", ErrUnknownOutcome, name, err)
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrClosed):
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, name, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnknownOutcome, name, err)
}

func mapApplyErr(err error) error {
	if errors.Is(err, fsm.ErrDuplicateKey) {
		return withSentinel(ErrDuplicateKey, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

// dataWritten records a data write; the first after a quiet spell wakes the
// loop so that flushing starts without waiting for the recheck period.
func (r *Replica) dataWritten(now int64) {
	if old := r.lastData.Swap(now); now-old > time.Second.Milliseconds() {
		r.wake()
	}
}

// markRead records a read; a replica read after a quiet spell wakes its
// loop so that its leader ticks again.
func (r *Replica) markRead() {
	now := time.Now().UnixMilli()
	if old := r.lastRead.Swap(now); now-old > time.Second.Milliseconds() {
		r.wake()
	}
}

// transferLeadership hands leadership to another voter (to id at addr, or
// the most up-to-date one when id is ""), first draining the proposals in
// flight and holding new ones until the transfer is over (proposalGate), so
// a planned transfer never turns a write into an unknown outcome.
func (r *Replica) transferLeadership(ctx context.Context, id, addr string) error {
	release, err := r.gate.hold(ctx)
	if err != nil {
		return fmt.Errorf("shards: %s: draining proposals before a leadership transfer: %w", r.Name, err)
	}
	defer release()
	if id == "" {
		return r.node.TransferLeadership(ctx)
	}
	return r.node.TransferLeadershipTo(ctx, id, addr)
}

// Tick appends a leader timestamp (used by Bounded reads).
func (r *Replica) Tick(ctx context.Context, now time.Time) error {
	_, _, err := r.propose(ctx, &fsm.Command{Kind: fsm.KindTick, Time: now.UnixMilli()})
	return err
}

// Gate blocks until this replica may serve a read at the given consistency
// level (DESIGN.md §4): Strong asks the leader for a read index and waits to
// apply it; Bounded serves at once if the last leader tick applied here is
// within the staleness bound, else falls back to Strong; Session waits for
// the token's index; Eventually serves at once.
func (r *Replica) Gate(ctx context.Context, level, token string) error {
	_, err := r.gateAt(ctx, level, token)
	return err
}

// gateAt is Gate, and returns the leader's clock (unix ms) when it granted
// the read index the read waited for, 0 for a read served without one:
// TTL expiry is evaluated at the later of it and the leader time applied
// here (ReadSpec.At).
func (r *Replica) gateAt(ctx context.Context, level, token string) (int64, error) {
	r.markRead()
	if level == coordinator.Eventually && r.query {
		level = coordinator.Bounded
	}
	switch level {
	case coordinator.Eventually:
		return 0, nil
	case coordinator.Session:
		if token == "" {
			return 0, nil
		}
		idx, err := strconv.ParseUint(token, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: bad session token %q", ErrInvalid, token)
		}
		return 0, r.wait(ctx, idx)
	case coordinator.Bounded:
		if r.fresh(time.Now()) {
			return 0, nil
		}
	}
	if r.unsafeStrong {
		return 0, nil // deliberately broken (Config.UnsafeStrongReads)
	}
	var idx uint64
	var at int64
	err := retryNotLeader(ctx, func() error {
		if r.asleep.Load() {
			return errAsleep
		}
		var err error
		idx, at, err = r.readIndex(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%w: %s: read index: %w", ErrUnavailable, r.Name, err)
	}
	return at, r.wait(ctx, idx)
}

// fresh reports whether the latest leader tick applied here is within the
// staleness bound.
func (r *Replica) fresh(now time.Time) bool {
	var tick int64
	r.fsm.View(func(v fsm.View) { tick = v.LastTick() })
	return tick > 0 && now.UnixMilli()-tick <= r.bound.Milliseconds()
}

// readIndex gets a read index from the leader (locally or over RPC), with
// the leader's clock (unix ms) read before the leader confirmed it still
// led: every write acknowledged before that time is below the index.
func (r *Replica) readIndex(ctx context.Context) (uint64, int64, error) {
	if r.node.IsLeader() || r.client == nil {
		at := time.Now().UnixMilli()
		idx, err := r.node.ReadIndex(ctx)
		return idx, at, err
	}
	addr, _ := r.node.LeaderAddr()
	if addr == "" {
		return 0, 0, fmt.Errorf("%s: no leader: %w", r.Name, raft.ErrNotLeader)
	}
	var reply IndexReply
	err := decodeErr(r.client.Call(ctx, addr, ServiceName+".ReadIndex", GroupArgs{Group: r.Name}, &reply))
	return reply.Index, reply.Time, err
}

func (r *Replica) wait(ctx context.Context, idx uint64) error {
	if err := r.node.WaitApplied(ctx, idx); err != nil {
		if r.asleep.Load() {
			return errAsleep
		}
		return fmt.Errorf("%w: %s: waiting for index %d: %w", ErrUnavailable, r.Name, idx, err)
	}
	return nil
}

// StateHash returns the FSM's state hash.
func (r *Replica) StateHash() string { return r.fsm.StateHash() }

// leaderWait bounds how long a request waits for a shard without a leader
// (a newly opened group, or an election) before failing as unavailable.
const leaderWait = 5 * time.Second

func retryNotLeader(ctx context.Context, fn func() error) error {
	return raft.RetryNotLeader(ctx, leaderWait, 20*time.Millisecond, fn)
}
