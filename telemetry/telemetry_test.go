package telemetry

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func TestHistogram(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				h.Observe(time.Millisecond)       // bucket 0.001
				h.Observe(-time.Second)           // 0: the first bucket
				h.Observe(20 * time.Second)       // +Inf
				h.Observe(500 * time.Microsecond) // exactly the first bound
			}
		}()
	}
	wg.Wait()
	s := h.Snapshot()
	if s.Count != 1600 {
		t.Fatalf("count %d, want 1600", s.Count)
	}
	if got := s.Buckets[0.0005]; got != 800 {
		t.Errorf("le=0.0005: %d, want 800", got)
	}
	if got := s.Buckets[0.001]; got != 1200 {
		t.Errorf("le=0.001: %d, want 1200", got)
	}
	if got := s.Buckets[LatencyBuckets[numBuckets-1]]; got != 1200 {
		t.Errorf("top bucket: %d, want 1200 (the rest is +Inf)", got)
	}
	if want := 400 * (0.001 + 20 + 0.0005); s.Sum < want-1e-6 || s.Sum > want+1e-6 {
		t.Errorf("sum %v, want %v", s.Sum, want)
	}
	if e := (*Histogram)(nil).Snapshot(); e.Count != 0 || len(e.Buckets) != numBuckets {
		t.Errorf("nil snapshot %+v", e)
	}
}

// lint runs Prometheus's metric lint (names, units, help) over c.
func lint(t *testing.T, c prometheus.Collector) {
	t.Helper()
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestRaftCollector(t *testing.T) {
	var h Histogram
	h.Observe(3 * time.Millisecond)
	groups := []RaftGroup{
		{Group: "meta", Term: 3, Commit: 10, Applied: 9, ApplyLag: 1, Leader: true, Voter: true, LeaderChanges: 2, Snapshots: 1, LastSnapshotBytes: 100, Proposals: h.Snapshot()},
		{Group: "shard-5-0", Collection: "docs", Term: 2, Commit: 4, Applied: 6, Voter: false},
		{Group: "shard-5-0", Collection: "docs", Term: 9}, // a duplicate is dropped, not a failed scrape
	}
	c := NewRaftCollector(func() []RaftGroup { return groups })
	want := `
# HELP raftvec_raft_apply_lag ` + descHelp(descLag) + `
# TYPE raftvec_raft_apply_lag gauge
raftvec_raft_apply_lag{collection="",group="meta"} 1
raftvec_raft_apply_lag{collection="docs",group="shard-5-0"} 0
# HELP raftvec_raft_leader ` + descHelp(descLeader) + `
# TYPE raftvec_raft_leader gauge
raftvec_raft_leader{collection="",group="meta"} 1
raftvec_raft_leader{collection="docs",group="shard-5-0"} 0
# HELP raftvec_raft_term ` + descHelp(descTerm) + `
# TYPE raftvec_raft_term gauge
raftvec_raft_term{collection="",group="meta"} 3
raftvec_raft_term{collection="docs",group="shard-5-0"} 2
# HELP raftvec_raft_voter ` + descHelp(descVoter) + `
# TYPE raftvec_raft_voter gauge
raftvec_raft_voter{collection="",group="meta"} 1
raftvec_raft_voter{collection="docs",group="shard-5-0"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "raftvec_raft_apply_lag", "raftvec_raft_leader",
		"raftvec_raft_term", "raftvec_raft_voter"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c); n != 20 {
		t.Errorf("%d series, want 10 metrics for each of 2 groups", n)
	}
	if n := testutil.CollectAndCount(c, "raftvec_raft_proposal_duration_seconds"); n != 2 {
		t.Errorf("%d proposal histograms, want 2", n)
	}
	lint(t, c)
	groups = groups[:1]
	if n := testutil.CollectAndCount(c, "raftvec_raft_term"); n != 1 {
		t.Errorf("a closed group still has %d term series", n-1)
	}
}

// descHelp digs the help text out of a Desc (for expected expositions).
func descHelp(d *prometheus.Desc) string {
	s := d.String()
	i := strings.Index(s, `help: "`) + len(`help: "`)
	j := strings.Index(s[i:], `", constLabels`)
	return strings.ReplaceAll(s[i:i+j], `\"`, `"`)
}

func TestSegmentCollector(t *testing.T) {
	c := NewSegmentCollector(func() Segments {
		return Segments{Groups: []SegmentGroup{
			{Collection: "docs", State: "Flushed", Segments: 2, Rows: 200, Bytes: 2000},
			{Collection: "docs", State: "Growing", Segments: 1, Rows: 5, Bytes: 50},
			{Collection: "docs", State: "Flushed", Segments: 1, Rows: 100, Bytes: 1000}, // another shard
			{Collection: "img", State: "Sealed", Segments: 1, Rows: 7, Bytes: 70},
		}, Backlog: map[string]int64{"docs": 50, "img": 0}}
	})
	want := `
# HELP raftvec_segments ` + descHelp(descSegments) + `
# TYPE raftvec_segments gauge
raftvec_segments{collection="docs",state="Flushed"} 3
raftvec_segments{collection="docs",state="Growing"} 1
raftvec_segments{collection="img",state="Sealed"} 1
# HELP raftvec_segment_bytes ` + descHelp(descSegmentBytes) + `
# TYPE raftvec_segment_bytes gauge
raftvec_segment_bytes{collection="docs",state="Flushed"} 3000
raftvec_segment_bytes{collection="docs",state="Growing"} 50
raftvec_segment_bytes{collection="img",state="Sealed"} 70
# HELP raftvec_flush_backlog_bytes ` + descHelp(descBacklog) + `
# TYPE raftvec_flush_backlog_bytes gauge
raftvec_flush_backlog_bytes{collection="docs"} 50
raftvec_flush_backlog_bytes{collection="img"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "raftvec_segments", "raftvec_segment_bytes", "raftvec_flush_backlog_bytes"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c, "raftvec_segment_rows"); n != 3 {
		t.Errorf("%d row series, want 3", n)
	}
	lint(t, c)
}

func TestStore(t *testing.T) {
	s := NewStore()
	s.ObserveOp("put", 10, time.Millisecond, false)
	s.ObserveOp("put", 0, time.Millisecond, true)
	s.ObserveOp("get", 7, time.Millisecond, false)
	s.ObserveOp("list", 0, time.Millisecond, false)
	s.ObserveOp("copy", 0, time.Millisecond, true) // not an op: ignored
	if got := testutil.ToFloat64(s.errors.WithLabelValues("put")); got != 1 {
		t.Errorf("put errors %v", got)
	}
	if got := testutil.ToFloat64(s.bytes.WithLabelValues("put")); got != 10 {
		t.Errorf("put bytes %v", got)
	}
	if got := testutil.ToFloat64(s.bytes.WithLabelValues("get")); got != 7 {
		t.Errorf("get bytes %v", got)
	}
	if n := testutil.CollectAndCount(s.duration); n != len(StoreOps) {
		t.Errorf("%d op histograms, want every op at once", n)
	}
	for _, c := range s.collectors() {
		lint(t, c)
	}
	if n := histCount(t, s.duration, "op", "put"); n != 2 {
		t.Errorf("put latency count %d, want 2", n)
	}
}

// histCount is the sample count of the histogram child with label=value.
func histCount(t *testing.T, c prometheus.Collector, kv ...string) uint64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	var total uint64
	for m := range ch {
		var pb dtoMetric
		if err := m.Write(&pb.Metric); err != nil {
			t.Fatal(err)
		}
		if pb.matches(kv...) {
			total += pb.GetHistogram().GetSampleCount()
		}
	}
	return total
}

func TestTasks(t *testing.T) {
	tk := NewTasks()
	tk.Observe(TaskIndex, TaskOK, 2*time.Second)
	tk.Observe(TaskIndex, TaskOK, time.Second)
	tk.Observe(TaskCompaction, TaskStale, time.Second)
	if got := testutil.ToFloat64(tk.total.WithLabelValues("index", "ok")); got != 2 {
		t.Errorf("index ok %v", got)
	}
	if got := testutil.ToFloat64(tk.total.WithLabelValues("compaction", "stale")); got != 1 {
		t.Errorf("compaction stale %v", got)
	}
	if n := testutil.CollectAndCount(tk.total); n != 6 {
		t.Errorf("%d task counters, want every kind and outcome", n)
	}
	if n := histCount(t, tk.duration, "kind", "index", "outcome", "ok"); n != 2 {
		t.Errorf("index ok durations %d", n)
	}
	for _, c := range tk.collectors() {
		lint(t, c)
	}
}

func TestReads(t *testing.T) {
	r := NewReads()
	if n := testutil.CollectAndCount(r.requests); n != 0 {
		t.Fatalf("%d request series before any read", n)
	}
	r.ObserveRequest(OpSearch, "Strong", time.Millisecond)
	r.ObserveRequest(OpSearch, "Strong", time.Millisecond)
	r.ObserveRequest(OpQuery, "Bounded", time.Millisecond)
	r.ObserveRequest(OpCount, "weird", time.Millisecond)
	r.ObserveReplica(OpSearch, "Eventually", RoleQuery, time.Millisecond)
	r.ObserveReplica(OpSearch, "Session", RoleFollower, time.Millisecond)
	r.ObserveReplica(OpSearch, "Session", Role(7), time.Millisecond) // ignored
	if n := histCount(t, r.requests, "op", "search", "consistency", "Strong"); n != 2 {
		t.Errorf("Strong searches %d, want 2", n)
	}
	if n := histCount(t, r.requests, "op", "count", "consistency", "other"); n != 1 {
		t.Errorf("counts at an unknown level %d, want 1", n)
	}
	if n := histCount(t, r.replicas, "consistency", "Eventually", "role", "query"); n != 1 {
		t.Errorf("query-replica reads %d, want 1", n)
	}
	if n := testutil.CollectAndCount(r.replicas); n != 2 {
		t.Errorf("%d replica series, want 2", n)
	}
	for _, c := range r.collectors() {
		lint(t, c)
	}
	var none *Reads
	none.ObserveRequest(OpSearch, "Strong", time.Second) // a nil Reads observes nothing
	none.ObserveReplica(OpSearch, "Strong", RoleLeader, time.Second)
}

func TestNodeInfo(t *testing.T) {
	c := NodeInfo("n1", []string{"data", "query"})
	want := `
# HELP raftvec_node_info Always 1; its labels name this node (its ID) and its roles (data, query, index).
# TYPE raftvec_node_info gauge
raftvec_node_info{node="n1",roles="data,query"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}

// dtoMetric is a written metric with a label matcher.
type dtoMetric struct{ dto.Metric }

// matches reports whether every name, value pair of kv is a label of m.
func (m *dtoMetric) matches(kv ...string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == kv[i] && l.GetValue() == kv[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
