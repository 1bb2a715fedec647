package shards

import (
	"time"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/telemetry"
)

// SegmentTally is the segments of one collection in one state.
type SegmentTally struct {
	Collection int64
	State      segment.State
	Segments   int64
	Rows       int64 // deleted ones included
	Bytes      int64 // as SegmentInfo.Bytes
}

// replicaTally is one shard's segments by state and its flush backlog.
type replicaTally struct {
	collection int64
	states     [segment.Dropped + 1]SegmentTally
	backlog    int64
}

// tally counts the replica's segments by state (a scrape-time read of its
// state, like Segments).
func (r *Replica) tally() *replicaTally {
	t := &replicaTally{collection: r.CollectionID, backlog: r.Backlog()}
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			if int(g.State) >= len(t.states) {
				continue
			}
			s := &t.states[g.State]
			s.Segments++
			s.Rows += int64(g.Rows())
			s.Bytes += g.Bytes(0, g.Rows())
		}
	})
	return t
}

// Tally sums the segments (by collection and state) and the flush backlog
// (by collection) of the shard groups this node leads, and of those it
// led when they went to sleep, as they were then (an asleep group does
// not change). Only leaders count, so that a sum over the cluster's nodes
// counts each shard once; a group asleep since before this process
// started is not counted until it wakes.
func (h *Host) Tally() ([]SegmentTally, map[int64]int64) {
	var tallies []*replicaTally
	for _, r := range h.Replicas() {
		if r.node.IsLeader() {
			tallies = append(tallies, r.tally())
		}
	}
	h.mu.Lock()
	for _, sl := range h.mu.sleeping {
		if sl.tally != nil {
			tallies = append(tallies, sl.tally)
		}
	}
	h.mu.Unlock()
	type key struct {
		coll  int64
		state segment.State
	}
	sums := map[key]*SegmentTally{}
	var out []SegmentTally
	backlog := map[int64]int64{}
	for _, t := range tallies {
		backlog[t.collection] += t.backlog
		for st, s := range t.states {
			if s.Segments == 0 {
				continue
			}
			k := key{t.collection, segment.State(st)}
			if sums[k] == nil {
				sums[k] = &SegmentTally{Collection: k.coll, State: k.state}
			}
			sums[k].Segments += s.Segments
			sums[k].Rows += s.Rows
			sums[k].Bytes += s.Bytes
		}
	}
	for _, s := range sums {
		out = append(out, *s)
	}
	return out, backlog
}

// readRole is the role in which the replica serves a read now.
func (r *Replica) readRole() telemetry.Role {
	switch {
	case r.query:
		return telemetry.RoleQuery
	case r.node.IsLeader():
		return telemetry.RoleLeader
	default:
		return telemetry.RoleFollower
	}
}

// observeRead records a shard read this replica served (ServeRead defers
// it with the read's start; failed reads are not timed).
func (r *Replica) observeRead(a ReadArgs, start time.Time, err *error) {
	if *err != nil || r.reads == nil || r.reads.metrics == nil {
		return
	}
	op := telemetry.OpSearch
	if a.Query != nil {
		op = telemetry.OpQuery
		if a.Query.CountOnly {
			op = telemetry.OpCount
		}
	}
	r.reads.metrics.ObserveReplica(op, a.Opts.Consistency, r.readRole(), time.Since(start))
}
