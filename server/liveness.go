package server

import (
	"context"
	"strconv"
	"time"

	hraft "github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/telemetry"
)

// GroupStatus is one Raft group as seen from one node.
type GroupStatus struct {
	Group   string `json:"group"`
	Node    string `json:"node"`
	State   string `json:"state"` // Leader, Follower, Candidate, Asleep (hibernated: closed until its next request)
	Leader  string `json:"leader"`
	Term    uint64 `json:"term"`
	Commit  uint64 `json:"commitIndex"`
	Applied uint64 `json:"appliedIndex"`
	Voter   bool   `json:"voter"`
	// Suffrage is hashicorp/raft's word for it: "Voter", or "Nonvoter" for
	// a query replica (it receives the log but never votes or leads).
	Suffrage string `json:"suffrage"`
	// Unflushed is the bytes of rows and deletions waiting for object
	// storage (shard leaders only; the write backlog).
	Unflushed int64 `json:"unflushedBytes,omitempty"`
}

// groupStatus reports every Raft group hosted on this node.
func (s *Server) groupStatus() []GroupStatus {
	out := []GroupStatus{s.status("meta", s.coord.Node())}
	for _, r := range s.host.Replicas() {
		st := s.status(r.Name, r.Node())
		if r.Node().IsLeader() {
			st.Unflushed = r.Backlog()
		}
		out = append(out, st)
	}
	for _, name := range s.host.Sleeping() {
		out = append(out, GroupStatus{Group: name, Node: s.cfg.NodeID, State: "Asleep"})
	}
	return out
}

func (s *Server) status(group string, n *raft.Node) GroupStatus {
	st := n.Stats()
	u := func(k string) uint64 { v, _ := strconv.ParseUint(st[k], 10, 64); return v }
	_, leader := n.LeaderAddr()
	voter := true
	if servers, err := n.Servers(); err == nil {
		for _, sv := range servers {
			if string(sv.ID) == s.cfg.NodeID {
				voter = sv.Suffrage == hraft.Voter
			}
		}
	}
	return GroupStatus{Group: group, Node: s.cfg.NodeID, State: st["state"], Leader: leader,
		Term: u("term"), Commit: u("commit_index"), Applied: u("fsm_applied_index"), Voter: voter, Suffrage: suffrage(voter)}
}

func suffrage(voter bool) string {
	if voter {
		return hraft.Voter.String()
	}
	return hraft.Nonvoter.String()
}

// watchLiveness runs on every node but acts only on the metadata leader:
// it pings every registered node and marks one down after NodeDownTimeout
// without an answer, which moves its replicas elsewhere.
func (s *Server) watchLiveness(ctx context.Context) {
	seen := map[string]time.Time{}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if !s.coord.Node().IsLeader() {
				clear(seen)
				continue
			}
			s.checkNodes(ctx, now, seen)
			if err := s.coord.PromoteMembers(ctx); err != nil {
				s.logger.Warn("promoting a metadata member", "error", err)
			}
		}
	}
}

func (s *Server) checkNodes(ctx context.Context, now time.Time, seen map[string]time.Time) {
	for _, n := range s.coord.Nodes() {
		if n.State != coordinator.NodeUp || n.ID == s.cfg.NodeID {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		var info InfoReply
		err := s.client.Call(cctx, n.RaftAddr, ClusterServiceName+".Info", struct{}{}, &info)
		cancel()
		if err == nil {
			seen[n.ID] = now
			continue
		}
		if _, ok := seen[n.ID]; !ok {
			seen[n.ID] = now // first sight since this node became leader
		}
		if now.Sub(seen[n.ID]) > s.cfg.Cluster.NodeDownTimeout {
			s.logger.Warn("node down, re-creating its replicas elsewhere", "node", n.ID)
			if err := s.coord.SetNode(ctx, coordinator.NodeInfo{ID: n.ID, State: coordinator.NodeDown}); err != nil {
				s.logger.Warn("marking node down", "node", n.ID, "error", err)
			}
		}
	}
}

// collectors are the node's metrics beyond HTTP and the Go process
// (README "Metrics" lists them).
func (s *Server) collectors() []prometheus.Collector {
	return append(append([]prometheus.Collector{
		telemetry.NewRaftCollector(s.raftMetrics),
		telemetry.NewSegmentCollector(s.segmentMetrics),
		telemetry.NodeInfo(s.cfg.NodeID, s.cfg.roles()),
	}, s.metrics.Collectors()...), s.gauges()...)
}

// raftMetrics reads every Raft group open on this node (a scrape: an
// asleep group has no series).
func (s *Server) raftMetrics() []telemetry.RaftGroup {
	view := s.coord.View()
	out := []telemetry.RaftGroup{raftGroup("meta", "", s.coord.Node())}
	for _, r := range s.host.Replicas() {
		coll := ""
		if c, ok := view.ByID(r.CollectionID); ok {
			coll = c.Name
		}
		out = append(out, raftGroup(r.Name, coll, r.Node()))
	}
	return out
}

func raftGroup(group, coll string, n *raft.Node) telemetry.RaftGroup {
	m := n.Metrics()
	return telemetry.RaftGroup{Group: group, Collection: coll, Term: m.Term, Commit: m.CommitIndex, Applied: m.AppliedIndex, ApplyLag: m.ApplyLag,
		Leader: m.Leader, Voter: m.Voter, LeaderChanges: m.LeaderChanges, Snapshots: m.Snapshots,
		LastSnapshotBytes: m.LastSnapshotBytes, Proposals: m.Proposals}
}

// segmentMetrics reads the segments and flush backlog of the shards this
// node leads, by collection name (a collection dropped meanwhile is left
// out).
func (s *Server) segmentMetrics() telemetry.Segments {
	tallies, backlog := s.host.Tally()
	view := s.coord.View()
	out := telemetry.Segments{Backlog: map[string]int64{}}
	for _, t := range tallies {
		if c, ok := view.ByID(t.Collection); ok {
			out.Groups = append(out.Groups, telemetry.SegmentGroup{Collection: c.Name, State: t.State.String(),
				Segments: t.Segments, Rows: t.Rows, Bytes: t.Bytes})
		}
	}
	for id, b := range backlog {
		if c, ok := view.ByID(id); ok {
			out.Backlog[c.Name] += b
		}
	}
	return out
}

// gauges are the node's memory, hibernation and read gauges.
func (s *Server) gauges() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "shard_groups_open",
			Help: "Shard Raft groups open on this node."}, func() float64 { return float64(len(s.host.Replicas())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "shard_groups_asleep",
			Help: "Shard Raft groups placed on this node and asleep (closed after --shard-hibernate-after without requests)."},
			func() float64 { return float64(len(s.host.Sleeping())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "index_files_loaded",
			Help: "Segment index files loaded for search by the open shard replicas."},
			func() float64 { return float64(s.host.Memory().IndexFiles) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "index_files_mapped_bytes",
			Help: "Bytes of loaded index files that are memory-mapped (searched in place, outside the Go heap)."},
			func() float64 { return float64(s.host.Memory().IndexMappedBytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "segment_vector_bytes",
			Help:        "Bytes of segment vectors of the open replicas, by where they are: heap (in memory), mapped (flushed, read in place from their chunk files) or storage (flushed and not loaded).",
			ConstLabels: prometheus.Labels{"where": "heap"}},
			func() float64 { return float64(s.host.Memory().VectorBytesInMemory) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "segment_vector_bytes",
			Help:        "Bytes of segment vectors of the open replicas, by where they are: heap (in memory), mapped (flushed, read in place from their chunk files) or storage (flushed and not loaded).",
			ConstLabels: prometheus.Labels{"where": "storage"}},
			func() float64 { return float64(s.host.Memory().VectorBytesInStorage) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "segment_vector_bytes",
			Help:        "Bytes of segment vectors of the open replicas, by where they are: heap (in memory), mapped (flushed, read in place from their chunk files) or storage (flushed and not loaded).",
			ConstLabels: prometheus.Labels{"where": "mapped"}},
			func() float64 { return float64(s.host.Memory().VectorBytesMapped) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "index_lag_seconds",
			Help: "Largest index lag of the shard leaders on this node: seconds from a shard's last write to every row being in a built segment index (or waited so far)."},
			func() float64 { return s.host.IndexLag(time.Now()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "interim_indexed_rows",
			Help: "Rows of growing (and not yet indexed) segments covered by this node's interim indexes."},
			func() float64 { return float64(s.host.InterimRows()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "raftvec", Name: "derived_index_bytes",
			Help: "Bytes of the indexes this node's replicas built from sealed segments on first use: sparse inverted indexes and scalar (INVERTED, STL_SORT) indexes."},
			func() float64 { return float64(s.host.Memory().DerivedIndexBytes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "raftvec", Name: "scalar_index_segment_reads_total",
			Help: "Segment searches and queries this node narrowed with a scalar index (INVERTED, STL_SORT) before evaluating the filter."},
			func() float64 { return float64(s.host.ScalarIndexReads()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "raftvec", Name: "interim_segment_searches_total",
			Help: "Segment searches this node answered through an interim index."},
			func() float64 { return float64(s.host.InterimSearches()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "raftvec", Name: "replica_reads_total",
			Help:        "Searches and queries served by this node's shard replicas, by the replica's suffrage (voter, or nonvoter: a query replica).",
			ConstLabels: prometheus.Labels{"suffrage": "voter"}},
			func() float64 { return float64(s.host.ReadStats().ServedByVoters) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "raftvec", Name: "replica_reads_total",
			Help:        "Searches and queries served by this node's shard replicas, by the replica's suffrage (voter, or nonvoter: a query replica).",
			ConstLabels: prometheus.Labels{"suffrage": "nonvoter"}},
			func() float64 { return float64(s.host.ReadStats().ServedByQueryReplicas) }),
	}
}
