package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
)

// RaftGroup is one Raft group hosted on this node, as read at a scrape.
type RaftGroup struct {
	// Group is the group's name: "meta" for the metadata group,
	// "shard-<collection ID>-<shard>" for a shard (as /v1/cluster/status
	// names them); Collection is the shard's collection name ("" for meta).
	Group, Collection string
	Term              uint64
	Commit, Applied   uint64 // commit index, and index applied to the state machine
	// ApplyLag is the committed entries the state machine has yet to
	// apply (hraft's own no-op and barrier entries, which it never
	// applies, not counted).
	ApplyLag uint64
	Leader   bool // this node leads the group
	Voter    bool // this node's suffrage: voter, or non-voter (a query replica)
	// LeaderChanges counts the leaders this node saw elected since it
	// opened the group; Snapshots the snapshots it took since then, and
	// LastSnapshotBytes is the size of the latest.
	LeaderChanges     uint64
	Snapshots         uint64
	LastSnapshotBytes uint64
	// Proposals is the latency of this node's proposals (as leader).
	Proposals HistogramSnapshot
}

var raftLabels = []string{"group", "collection"}

func raftDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("raftvec_raft_"+name, help, raftLabels, nil)
}

var (
	descTerm    = raftDesc("term", "Current Raft term of the group on this node.")
	descCommit  = raftDesc("commit_index", "Commit index of the group as this node knows it.")
	descApplied = raftDesc("applied_index", "Last log index applied to the group's state machine on this node (fsm_applied_index of /v1/cluster/status).")
	descLag     = raftDesc("apply_lag", "Committed entries this node has yet to apply to the group's state machine: commit_index - applied_index, "+
		"less hashicorp/raft's own no-op entries (one opens each leader term), which never reach the state machine.")
	descLeader        = raftDesc("leader", "1 if this node leads the group, else 0.")
	descVoter         = raftDesc("voter", "This node's suffrage in the group: 1 for a voter, 0 for a non-voter (a query replica).")
	descLeaderChanges = raftDesc("leader_changes_total",
		"Leaders this node saw elected in the group since it opened the group here (a reopened or restarted group starts again from 0).")
	descSnapshots = raftDesc("snapshots_total", "Snapshots this node took of the group since it opened the group here.")
	descSnapBytes = raftDesc("last_snapshot_bytes", "Size of the latest snapshot this node took of the group (0: none since it opened the group).")
	descProposals = raftDesc("proposal_duration_seconds",
		"Latency of the proposals this node made as the group's leader, from submission to commit and apply here (successful ones).")
)

// raftCollector reads the hosted Raft groups at every scrape.
type raftCollector struct{ groups func() []RaftGroup }

// NewRaftCollector returns the collector of the raftvec_raft_* metrics. It
// calls groups at every scrape: a group closed or asleep on this node is
// not in the list and has no series.
func NewRaftCollector(groups func() []RaftGroup) prometheus.Collector {
	return raftCollector{groups: groups}
}

func (c raftCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTerm, descCommit, descApplied, descLag, descLeader, descVoter,
		descLeaderChanges, descSnapshots, descSnapBytes, descProposals} {
		ch <- d
	}
}

func (c raftCollector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{} // a duplicate series would fail the whole scrape
	for _, g := range c.groups() {
		if seen[g.Group] {
			continue
		}
		seen[g.Group] = true
		lv := []string{g.Group, g.Collection}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
		}
		gauge(descTerm, float64(g.Term))
		gauge(descCommit, float64(g.Commit))
		gauge(descApplied, float64(g.Applied))
		gauge(descLag, float64(g.ApplyLag))
		gauge(descLeader, b2f(g.Leader))
		gauge(descVoter, b2f(g.Voter))
		gauge(descSnapBytes, float64(g.LastSnapshotBytes))
		ch <- prometheus.MustNewConstMetric(descLeaderChanges, prometheus.CounterValue, float64(g.LeaderChanges), lv...)
		ch <- prometheus.MustNewConstMetric(descSnapshots, prometheus.CounterValue, float64(g.Snapshots), lv...)
		p := g.Proposals
		if p.Buckets == nil {
			p = (*Histogram)(nil).Snapshot()
		}
		ch <- prometheus.MustNewConstHistogram(descProposals, p.Count, p.Sum, p.Buckets, lv...)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
