package raft

import (
	"sync/atomic"
	"time"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/telemetry"
)

// nodeStats are a Node's monitoring counters, updated off the hot paths:
// leader changes from an hraft observer (elections only), snapshots when
// one is persisted, and the proposal latency (one lock-free observation per
// proposal, its histogram allocated by the first proposal: followers never
// pay for it).
type nodeStats struct {
	leaderChanges     atomic.Uint64
	snapshots         atomic.Uint64
	lastSnapshotBytes atomic.Uint64
	proposals         atomic.Pointer[telemetry.Histogram]
}

// observeProposal records one successful proposal's latency.
func (s *nodeStats) observeProposal(d time.Duration) {
	h := s.proposals.Load()
	if h == nil {
		s.proposals.CompareAndSwap(nil, new(telemetry.Histogram))
		h = s.proposals.Load()
	}
	h.Observe(d)
}

// snapshotPersisted records a snapshot of n bytes.
func (s *nodeStats) snapshotPersisted(n uint64) {
	s.lastSnapshotBytes.Store(n)
	s.snapshots.Add(1)
}

// observer counts the leaders this node sees elected. hraft calls its
// filter synchronously from its own goroutines (a leader change, a vote,
// a state change: never per entry); it passes nothing on (no channel).
func (s *nodeStats) observer() *hraft.Observer {
	return hraft.NewObserver(nil, false, func(o *hraft.Observation) bool {
		if lo, ok := o.Data.(hraft.LeaderObservation); ok && lo.LeaderID != "" {
			s.leaderChanges.Add(1)
		}
		return false
	})
}

// Metrics is a Node's state and counters for monitoring.
type Metrics struct {
	Term         uint64
	CommitIndex  uint64
	AppliedIndex uint64 // applied to the FSM (what WaitApplied sees)
	// ApplyLag is how many committed entries the FSM has yet to apply:
	// CommitIndex - AppliedIndex, less the trailing entries hraft never
	// hands to an FSM (the no-op that opens each leader term, barriers),
	// so an idle group shows 0.
	ApplyLag uint64
	Leader   bool
	// Voter: this node votes in the group's latest configuration (false
	// for a non-voter, or a node no longer in it).
	Voter bool
	// LeaderChanges counts the leaders this node saw elected since Open.
	LeaderChanges uint64
	// Snapshots counts the snapshots this node persisted since Open (taken
	// here, not installed from a leader); LastSnapshotBytes is the size of
	// the latest (its header included).
	Snapshots         uint64
	LastSnapshotBytes uint64
	// Proposals is the latency of this node's successful proposals.
	Proposals telemetry.HistogramSnapshot
}

// Metrics reads the node's state and counters. It takes no lock of the
// Raft loop (atomic reads and the latest configuration), so a scrape of
// thousands of groups does not slow them.
func (n *Node) Metrics() Metrics {
	m := Metrics{
		Term:              n.raft.CurrentTerm(),
		CommitIndex:       n.raft.CommitIndex(),
		AppliedIndex:      n.AppliedIndex(),
		Leader:            n.IsLeader(),
		LeaderChanges:     n.stats.leaderChanges.Load(),
		Snapshots:         n.stats.snapshots.Load(),
		LastSnapshotBytes: n.stats.lastSnapshotBytes.Load(),
		Proposals:         n.stats.proposals.Load().Snapshot(),
	}
	m.ApplyLag = n.applyLag(m.CommitIndex, m.AppliedIndex)
	if servers, err := n.Servers(); err == nil {
		for _, s := range servers {
			if string(s.ID) == n.cfg.ID {
				m.Voter = s.Suffrage == hraft.Voter
			}
		}
	}
	return m
}

// maxInvisible bounds how many trailing entries applyLag looks at.
const maxInvisible = 8

// applyLag is commit - applied without the trailing entries the FSM never
// sees (hraft's LogNoop and LogBarrier): after an election the leader's
// no-op is committed but never applied, and the applied index moves past
// it only with the next command. Only a lagging group reads its log (the
// newest entries, from the entry cache).
func (n *Node) applyLag(commit, applied uint64) uint64 {
	if commit <= applied {
		return 0
	}
	lag := commit - applied
	for i := commit; i > applied && commit-i < maxInvisible; i-- {
		var l hraft.Log
		if err := n.logs.GetLog(i, &l); err != nil || (l.Type != hraft.LogNoop && l.Type != hraft.LogBarrier) {
			break
		}
		lag--
	}
	return lag
}

// countingSink counts the bytes written to a snapshot sink.
type countingSink struct {
	hraft.SnapshotSink
	n uint64
}

func (c *countingSink) Write(p []byte) (int, error) {
	k, err := c.SnapshotSink.Write(p)
	c.n += uint64(k)
	return k, err
}
