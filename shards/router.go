package shards

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
)

// rr spreads reads across replicas.
var rr atomic.Uint64

// Propose replicates a command on shard i of c from any node: through the
// local replica when this node hosts one (it forwards to the leader), else
// through a node that does, preferred replica first.
func (h *Host) Propose(ctx context.Context, c *coordinator.Collection, i int, cmd *fsm.Command) (fsm.Result, uint64, error) {
	for attempt := 0; ; attempt++ {
		r, err := h.Replica(c, i)
		if errors.Is(err, ErrNotHosted) {
			break
		} else if err != nil {
			return fsm.Result{}, 0, err
		}
		res, idx, err := r.propose(ctx, cmd)
		if !errors.Is(err, errAsleep) || attempt == 2 {
			return res, idx, err
		}
		// The group went to sleep under the proposal (nothing proposed):
		// the next Replica call wakes it.
	}
	data := cmd.Encode()
	var res fsm.Result
	var idx uint64
	err := retryElsewhere(ctx, func() error {
		var lastErr error
		for _, id := range c.Shards[i].Replicas {
			var reply ProposeReply
			err := decodeErr(h.call(ctx, id, ServiceName+".Propose", ProposeArgs{Group: GroupName(c.ID, i), Data: data, Deadline: proposalDeadline(ctx)}, &reply))
			if err == nil || !isUnreachable(err) {
				res, idx = fsm.Result{Count: reply.Count}, reply.Index
				return err
			}
			lastErr = err
		}
		return lastErr
	})
	return res, idx, err
}

// retryElsewhere retries fn while it fails without having run anywhere
// (unreachable nodes, a replica not opened yet), for up to leaderWait.
func retryElsewhere(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(leaderWait)
	for {
		err := fn()
		if err == nil || !isUnreachable(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Segments lists the segments of shard i (read at the given level), their
// expired rows counted under c's TTL at the read's time.
func (h *Host) Segments(ctx context.Context, c *coordinator.Collection, i int, level string) ([]SegmentInfo, error) {
	return h.segments(ctx, c, i, level, false)
}

// SegmentsWithTails is Segments at Strong with each segment's rows not in
// object storage yet as chunk files (SegmentInfo.Tail), all at the log
// index of the listing: what a backup of the shard needs.
func (h *Host) SegmentsWithTails(ctx context.Context, c *coordinator.Collection, i int) ([]SegmentInfo, error) {
	return h.segments(ctx, c, i, coordinator.Strong, true)
}

func (h *Host) segments(ctx context.Context, c *coordinator.Collection, i int, level string, tails bool) ([]SegmentInfo, error) {
	var out []SegmentInfo
	err := retryElsewhere(ctx, func() error {
		for _, id := range h.readOrder(c, i) {
			var err error
			if id == h.NodeID() {
				var r *Replica
				if r, err = h.Replica(c, i); err == nil {
					var at int64
					if at, err = r.gateAt(ctx, level, ""); err == nil {
						out = r.segmentsAt(c.TTLMillis(), at, tails)
					}
				}
			} else {
				var reply ReadReply
				a := ReadArgs{Group: GroupName(c.ID, i), Opts: ReadOptions{Consistency: level}, Segments: true, Tails: tails, TTL: c.TTLMillis()}
				err = decodeErr(h.call(ctx, id, ServiceName+".Read", a, &reply))
				out = reply.Segments
			}
			if err == nil || !isUnreachable(err) {
				return err
			}
		}
		return fmt.Errorf("%w: no replica of %s answered", ErrUnavailable, GroupName(c.ID, i))
	})
	return out, err
}

// Read gates and serves a query or search on one replica of shard i,
// preferring followers and rotating among them; an unreachable or
// unavailable replica makes it try the next one.
func (h *Host) Read(ctx context.Context, c *coordinator.Collection, i int, a ReadArgs) (QueryResult, SearchResult, error) {
	a.Group, a.TTL = GroupName(c.ID, i), c.TTLMillis()
	var q QueryResult
	var s SearchResult
	var served readServer
	start := time.Now()
	err := retryElsewhere(ctx, func() error {
		var err error
		q, s, served, err = h.readOnce(ctx, c, i, a)
		return err
	})
	traceRead(ctx, c, i, served.node, served.leader, start, err)
	if cerr := ctx.Err(); err != nil && cerr != nil && (!errors.Is(err, cerr) || isUnreachable(err)) {
		// The caller gave up (deadline, client gone): say so rather than
		// "unavailable" for a replica that did not answer in time.
		err = fmt.Errorf("shards: read of %s: %w (%v)", a.Group, cerr, err)
	}
	return q, s, err
}

// readServer is the replica that answered a read.
type readServer struct {
	node   string
	leader bool // it led its group when it answered
}

func (h *Host) readOnce(ctx context.Context, c *coordinator.Collection, i int, a ReadArgs) (QueryResult, SearchResult, readServer, error) {
	var lastErr error
	order := h.suspects.last(h.readOrder(c, i), time.Now())
	if a.VotersOnly {
		order = slices.DeleteFunc(order, func(id string) bool { return slices.Contains(c.Shards[i].Queries, id) })
	}
	for _, id := range order {
		var q QueryResult
		var s SearchResult
		var err error
		served := readServer{node: id}
		if id == h.NodeID() {
			var r *Replica
			if r, err = h.Replica(c, i); err == nil {
				q, s, err = r.ServeRead(ctx, a)
				served.leader = r.node.IsLeader()
			}
		} else {
			var reply ReadReply
			ra := a
			ra.Deadline, ra.ReadID = readDeadline(ctx), h.reads.newID()
			err = decodeErr(h.call(ctx, id, ServiceName+".Read", ra, &reply))
			if abandoned(ctx, err) {
				h.cancelRemoteRead(id, ra.ReadID)
			}
			q, s, served.leader = reply.Query, reply.Search, reply.Leader
			if errors.Is(err, ErrUnknownOutcome) { // a read has no effects: try another replica
				err = fmt.Errorf("%w: %s: %v", ErrUnavailable, id, err)
			}
			h.judge(id, err)
		}
		if err == nil || !isUnreachable(err) {
			return q, s, served, err
		}
		lastErr = err
	}
	return QueryResult{}, SearchResult{}, readServer{}, lastErr
}

// judge records how a remote read went: a node that did not answer
// (unreachable, or not before the deadline) becomes a suspect.
func (h *Host) judge(id string, err error) {
	switch {
	case err == nil:
		h.suspects.clear(id)
	case isUnreachable(err) || errors.Is(err, context.DeadlineExceeded):
		h.suspects.mark(id, time.Now())
	}
}

// readOrder lists shard i's replicas in the order reads try them: the
// query replicas first, then the voters with the known leader last (the
// followers act as query nodes when there are none); each part rotated so
// reads spread.
func (h *Host) readOrder(c *coordinator.Collection, i int) []string {
	sp := c.Shards[i]
	k := rr.Add(1) // one turn per read: both parts rotate by it
	reps := slices.Clone(sp.Replicas)
	leader := ""
	if r := h.byName(GroupName(c.ID, i)); r != nil {
		_, leader = r.node.LeaderAddr()
	}
	if j := slices.Index(reps, leader); j >= 0 && len(reps) > 1 {
		reps = append(rotate(slices.Delete(reps, j, j+1), k), leader) // followers take turns
	} else {
		reps = rotate(reps, k)
	}
	if len(sp.Queries) == 0 {
		return reps
	}
	return append(rotate(slices.Clone(sp.Queries), k), reps...)
}

// rotate turns ids left by k places.
func rotate(ids []string, k uint64) []string {
	if len(ids) < 2 {
		return ids
	}
	j := int(k % uint64(len(ids)))
	return append(ids[j:], ids[:j]...)
}

func (h *Host) call(ctx context.Context, nodeID, method string, args, reply any) error {
	if h.client == nil || h.cfg.Resolve == nil {
		return fmt.Errorf("%w: node %s: no RPC client", ErrUnavailable, nodeID)
	}
	addr := h.cfg.Resolve(nodeID)
	if addr == "" {
		return fmt.Errorf("%w: node %s has no address", ErrUnavailable, nodeID)
	}
	return h.client.Call(ctx, addr, method, args, reply)
}

// isUnreachable: the call did not run (node unreachable, no leader, replica
// not open there yet); trying again or elsewhere is safe.
func isUnreachable(err error) bool {
	return (errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotHosted)) && !errors.Is(err, ErrUnknownOutcome)
}

// settleWait bounds how long WaitSettled waits.
const settleWait = 10 * time.Second

// WaitSettled waits (up to settleWait or ctx) until the preferred replica
// of every replicated shard of c leads its group, so that writes sent
// once a collection is created find their leader and no planned
// leadership transfer follows. It reports whether every shard settled;
// not settling is not an error (the collection exists and a later
// transfer drains writes first).
func (h *Host) WaitSettled(ctx context.Context, c *coordinator.Collection) bool {
	ctx, cancel := context.WithTimeout(ctx, settleWait)
	defer cancel()
	pending := map[int]bool{}
	for i, sp := range c.Shards {
		if len(sp.Replicas) > 1 { // one replica: nothing to move, and it leads as soon as it can
			pending[i] = true
		}
	}
	for len(pending) > 0 {
		for i := range pending {
			if h.leads(ctx, c, i, c.Shards[i].Replicas[0]) {
				delete(pending, i)
			}
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}

// leads reports whether node id leads shard i of c (false if unknown).
func (h *Host) leads(ctx context.Context, c *coordinator.Collection, i int, id string) bool {
	if id == h.NodeID() {
		r := h.byName(GroupName(c.ID, i))
		return r != nil && r.node.IsLeader()
	}
	var reply LeadingReply
	err := h.call(ctx, id, ServiceName+".Leading", GroupArgs{Group: GroupName(c.ID, i)}, &reply)
	return err == nil && reply.Leading
}
