package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/raftvec/raftvec/shards"
)

// families is one scrape of a node's /metrics.
type families map[string]*dto.MetricFamily

// scrape reads and parses the node's /metrics.
func (c client) scrape() families {
	c.t.Helper()
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		c.t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// has reports whether m carries every label name, value pair of kv.
func has(m *dto.Metric, kv ...string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == kv[i] && l.GetValue() == kv[i+1] }) {
			return false
		}
	}
	return true
}

// sum adds up the series of family name whose labels include kv: their
// values (counters, gauges) or sample counts (histograms); -1 if there is
// no such series.
func (f families) sum(name string, kv ...string) float64 {
	total, found := 0.0, false
	for _, m := range f[name].GetMetric() {
		if !has(m, kv...) {
			continue
		}
		found = true
		switch {
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		default:
			total += m.GetGauge().GetValue()
		}
	}
	if !found {
		return -1
	}
	return total
}

// TestNodeMetrics drives a standalone node through inserts, a flush, an
// HNSW build, searches, queries and a snapshot, and checks that /metrics
// reports each: the Raft groups, segments by state (as the segments route
// lists them), object store calls, index-build tasks, read latencies by
// consistency level and replica role. On the same node it then checks
// that the Grafana dashboard and the README's list name exactly what the
// node exports.
func TestNodeMetrics(t *testing.T) {
	const dim, n = 16, 3000
	cfg := testConfig(t.TempDir())
	cfg.Lifecycle.ChunkSize, cfg.Lifecycle.SealSize = 32<<10, 128<<10
	s := mustStart(t, cfg)
	t.Cleanup(func() { _ = s.Stop() })
	c := newClient(t, s)

	f := c.scrape()
	if f.sum("raftvec_raft_term", "group", "meta") < 1 || f.sum("raftvec_raft_leader", "group", "meta") != 1 ||
		f.sum("raftvec_raft_voter", "group", "meta") != 1 || f.sum("raftvec_raft_leader_changes_total", "group", "meta") < 1 {
		t.Fatalf("metadata group: term %v leader %v voter %v leader changes %v", f.sum("raftvec_raft_term", "group", "meta"),
			f.sum("raftvec_raft_leader", "group", "meta"), f.sum("raftvec_raft_voter", "group", "meta"),
			f.sum("raftvec_raft_leader_changes_total", "group", "meta"))
	}
	if f.sum("raftvec_node_info", "node", cfg.NodeID, "roles", "data,query,index") != 1 {
		t.Errorf("raftvec_node_info: %v", f["raftvec_node_info"])
	}

	c.ok("collections/create", map[string]any{"collectionName": "mx", "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}}}},
		"params": map[string]any{"shardsNum": 1},
		"indexParams": []any{map[string]any{"fieldName": "vector", "indexName": "v", "metricType": "L2",
			"params": map[string]any{"index_type": "HNSW", "M": 8, "efConstruction": 32}}}})
	coll, err := s.Coordinator().Collection("mx")
	if err != nil {
		t.Fatal(err)
	}
	group := shards.GroupName(coll.ID, 0)

	// A write is a proposal on the shard leader, applied.
	waitFor(t, 10*time.Second, func() bool { return c.scrape().sum("raftvec_raft_leader", "group", group) == 1 })
	f = c.scrape()
	applied, proposals := f.sum("raftvec_raft_applied_index", "group", group), f.sum("raftvec_raft_proposal_duration_seconds", "group", group)
	if f.sum("raftvec_raft_term", "group", group, "collection", "mx") < 1 || f.sum("raftvec_raft_leader", "group", group) != 1 || applied < 0 {
		t.Fatalf("shard group %s: term %v leader %v applied %v", group, f.sum("raftvec_raft_term", "group", group),
			f.sum("raftvec_raft_leader", "group", group), applied)
	}
	puts := f.sum("raftvec_object_store_duration_seconds", "op", "put")
	c.ok("entities/insert", map[string]any{"collectionName": "mx", "data": []map[string]any{{"id": -1, "vector": make([]float32, dim)}}})
	f = c.scrape()
	if got := f.sum("raftvec_raft_applied_index", "group", group); got <= applied {
		t.Errorf("applied index %v after an insert, was %v", got, applied)
	}
	if got := f.sum("raftvec_raft_proposal_duration_seconds", "group", group); got < proposals+1 {
		t.Errorf("%v proposals after an insert, was %v", got, proposals)
	}
	if got := f.sum("raftvec_raft_commit_index", "group", group); got < f.sum("raftvec_raft_applied_index", "group", group) {
		t.Errorf("commit index %v below the applied index", got)
	}

	// Rows past the seal size are flushed (object store puts) and indexed
	// by an index-build task.
	vecs := c.insertRandom("mx", n, dim, rand.NewPCG(1, 2))
	c.ok("collections/flush", map[string]any{"collectionName": "mx"})
	waitFor(t, 90*time.Second, func() bool {
		var ix []map[string]any
		_ = json.Unmarshal(c.ok("indexes/describe", map[string]any{"collectionName": "mx", "indexName": "v"}), &ix)
		return len(ix) == 1 && ix[0]["indexState"] == "Finished" && ix[0]["indexedRows"] == float64(n+1)
	})
	f = c.scrape()
	if got := f.sum("raftvec_object_store_duration_seconds", "op", "put"); got <= puts {
		t.Errorf("%v object store puts after a flush, was %v", got, puts)
	}
	if f.sum("raftvec_object_store_bytes_total", "op", "put") <= 0 || f.sum("raftvec_object_store_errors_total", "op", "put") != 0 {
		t.Errorf("put bytes %v, put errors %v", f.sum("raftvec_object_store_bytes_total", "op", "put"), f.sum("raftvec_object_store_errors_total", "op", "put"))
	}
	if f.sum("raftvec_index_tasks_total", "kind", "index", "outcome", "ok") < 1 ||
		f.sum("raftvec_index_task_duration_seconds", "kind", "index", "outcome", "ok") < 1 {
		t.Errorf("index tasks %v, durations %v", f.sum("raftvec_index_tasks_total", "kind", "index", "outcome", "ok"),
			f.sum("raftvec_index_task_duration_seconds", "kind", "index", "outcome", "ok"))
	}
	if f.sum("raftvec_flush_backlog_bytes", "collection", "mx") < 0 {
		t.Error("no flush backlog series for mx")
	}

	// Segments by state match the segments route (the lifecycle may still
	// merge: compare until both agree), a growing one beside the flushed.
	c.ok("entities/insert", map[string]any{"collectionName": "mx", "data": []map[string]any{{"id": -2, "vector": make([]float32, dim)}}})
	var last string
	defer func() {
		if t.Failed() {
			t.Log("segments (count, rows, bytes) by state:", last)
		}
	}()
	waitFor(t, 30*time.Second, func() bool {
		want := map[string][3]float64{}
		for _, g := range segments(t, c, "mx") {
			st, _ := g["state"].(string)
			w := want[st]
			w[0]++
			w[1] += g["rows"].(float64)
			w[2] += g["bytes"].(float64)
			want[st] = w
		}
		f := c.scrape()
		got := map[string][3]float64{}
		for _, m := range f["raftvec_segments"].GetMetric() {
			if has(m, "collection", "mx") {
				st := labelOf(m, "state")
				got[st] = [3]float64{m.GetGauge().GetValue(), f.sum("raftvec_segment_rows", "collection", "mx", "state", st),
					f.sum("raftvec_segment_bytes", "collection", "mx", "state", st)}
			}
		}
		last = fmt.Sprintf("metrics %v, route %v", got, want)
		return want["Growing"][0] > 0 && want["Flushed"][0] > 0 && fmt.Sprint(got) == fmt.Sprint(want)
	})

	// One read is one observation, labelled with its consistency level
	// and, on the replica, its role (the standalone node leads).
	for _, tc := range []struct {
		op, level, route string
		body             map[string]any
	}{
		{"search", "Strong", "entities/search", map[string]any{"data": [][]float32{vecs[7]}, "limit": 3}},
		{"query", "Eventually", "entities/query", map[string]any{"filter": "id < 5", "outputFields": []string{"id"}}},
		{"count", "Bounded", "entities/query", map[string]any{"filter": "", "outputFields": []string{"count(*)"}}},
		{"search", "Session", "entities/search", map[string]any{"data": [][]float32{vecs[8]}, "limit": 3}},
	} {
		before := c.scrape()
		tc.body["collectionName"], tc.body["consistencyLevel"] = "mx", tc.level
		c.ok(tc.route, tc.body)
		after := c.scrape()
		for _, h := range []struct {
			name string
			kv   []string
		}{
			{"raftvec_read_duration_seconds", []string{"op", tc.op, "consistency", tc.level}},
			{"raftvec_replica_read_duration_seconds", []string{"op", tc.op, "consistency", tc.level, "role", "leader"}},
		} {
			if got, was := after.sum(h.name, h.kv...), max(before.sum(h.name, h.kv...), 0); got != was+1 {
				t.Errorf("%s%v: %v after one %s, was %v", h.name, h.kv, got, tc.op, was)
			}
		}
	}
	if f := c.scrape(); f.sum("raftvec_replica_read_duration_seconds", "role", "follower") > 0 || f.sum("raftvec_replica_read_duration_seconds", "role", "query") > 0 {
		t.Error("a standalone node served reads as a follower or query replica")
	}

	// A snapshot is counted, with its size.
	for _, r := range s.Host().Replicas() {
		if r.Name == group {
			if err := r.Node().Snapshot(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A gRPC call, so that every family of the node has a series.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := dialGRPC(t, s).ShowCollections(ctx, &milvuspb.ShowCollectionsRequest{}); err != nil {
		t.Fatal(err)
	}
	f = c.scrape()
	if f.sum("raftvec_raft_snapshots_total", "group", group) < 1 || f.sum("raftvec_raft_last_snapshot_bytes", "group", group) <= 24 {
		t.Errorf("snapshots %v, last %v bytes", f.sum("raftvec_raft_snapshots_total", "group", group), f.sum("raftvec_raft_last_snapshot_bytes", "group", group))
	}
	if f.sum("raftvec_raft_apply_lag", "group", group) != 0 || f.sum("raftvec_raft_apply_lag", "group", "meta") != 0 {
		t.Errorf("apply lag %v (meta %v) on an idle node", f.sum("raftvec_raft_apply_lag", "group", group), f.sum("raftvec_raft_apply_lag", "group", "meta"))
	}

	t.Run("dashboard", func(t *testing.T) { checkDashboard(t, "../deploy/grafana/raftvec.json", f) })
	t.Run("readme", func(t *testing.T) { checkReadme(t, "../README.md", f) })

	// A dropped collection's groups and segments leave the series.
	c.ok("collections/drop", map[string]any{"collectionName": "mx"})
	waitFor(t, 30*time.Second, func() bool {
		f := c.scrape()
		return f.sum("raftvec_raft_term", "group", group) < 0 && f.sum("raftvec_segments", "collection", "mx") < 0
	})
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// labelsOf lists the label names of a family's series (le excluded).
func labelsOf(fam *dto.MetricFamily) []string {
	var out []string
	for _, m := range fam.GetMetric() {
		for _, l := range m.GetLabel() {
			if !slices.Contains(out, l.GetName()) {
				out = append(out, l.GetName())
			}
		}
	}
	sort.Strings(out)
	return out
}

// family finds the family a PromQL series name belongs to (a histogram's
// _bucket, _sum and _count series included).
func (f families) family(name string) (*dto.MetricFamily, bool) {
	if fam, ok := f[name]; ok {
		return fam, true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if fam, ok := f[base]; ok && (fam.GetType() == dto.MetricType_HISTOGRAM || fam.GetType() == dto.MetricType_SUMMARY) {
				return fam, suf != "_bucket" || fam.GetType() == dto.MetricType_HISTOGRAM
			}
		}
	}
	return nil, false
}

var (
	metricName = regexp.MustCompile(`\b(?:raftvec|go|process)_[a-zA-Z0-9_]+`)
	// selectorLabels finds the label names of the matchers in {...}.
	selector      = regexp.MustCompile(`\{([^}]*)\}`)
	matcherLabel  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	groupingLabel = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
)

// targetLabels are added by Prometheus to every series it scrapes.
var targetLabels = []string{"instance", "job"}

// checkDashboard parses the Grafana dashboard and checks that every
// metric its queries name is one the node exports, with the labels they
// select or group by, and that every query uses the ${DS_PROMETHEUS}
// data source variable.
func checkDashboard(t *testing.T, path string, f families) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if v, _ := dash["schemaVersion"].(float64); v < 36 {
		t.Errorf("schemaVersion %v: not a Grafana 10 dashboard", v)
	}
	var exprs []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if key == "datasource" {
				if x["type"] == "prometheus" && x["uid"] != "${DS_PROMETHEUS}" {
					t.Errorf("a data source %v is not ${DS_PROMETHEUS}", x)
				}
			}
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if key == "expr" || key == "query" || key == "definition" {
				exprs = append(exprs, x)
			}
		}
	}
	walk("", dash)
	panels := 0
	for _, e := range exprs {
		names := metricName.FindAllString(e, -1)
		if len(names) > 0 {
			panels++
		}
		var labels []string
		for _, name := range names {
			fam, ok := f.family(name)
			if !ok {
				t.Errorf("the dashboard queries %s, which the node does not export: %s", name, e)
				continue
			}
			labels = append(labels, labelsOf(fam)...)
			if strings.HasSuffix(name, "_bucket") {
				labels = append(labels, "le")
			}
		}
		if len(names) == 0 {
			continue
		}
		var used []string
		for _, sel := range selector.FindAllStringSubmatch(e, -1) {
			for _, m := range matcherLabel.FindAllStringSubmatch(sel[1], -1) {
				used = append(used, m[1])
			}
		}
		for _, g := range groupingLabel.FindAllStringSubmatch(e, -1) {
			for l := range strings.SplitSeq(g[1], ",") {
				used = append(used, strings.TrimSpace(l))
			}
		}
		for _, l := range used {
			if l != "" && !slices.Contains(labels, l) && !slices.Contains(targetLabels, l) {
				t.Errorf("the dashboard uses label %q, which none of %v has: %s", l, names, e)
			}
		}
	}
	if panels < 20 {
		t.Errorf("only %d queries name a metric", panels)
	}
}

// readmeRow is one line of README's metrics table:
// | `name` | type | `label`, `label` | meaning |
var readmeRow = regexp.MustCompile("^\\| `(raftvec_[a-z0-9_]+)` \\| (counter|gauge|histogram) \\| ([^|]*) \\|")

// checkReadme checks that README's "Metrics" section lists every raftvec_*
// metric the node exports, with its type and labels, and nothing else.
func checkReadme(t *testing.T, path string, f families) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Metrics\n")
	if !ok {
		t.Fatal("README has no Metrics section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	listed := map[string]bool{}
	for line := range strings.SplitSeq(section, "\n") {
		m := readmeRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, typ := m[1], m[2]
		listed[name] = true
		fam, ok := f[name]
		if !ok {
			t.Errorf("README lists %s, which the node does not export", name)
			continue
		}
		if got := strings.ToLower(fam.GetType().String()); got != typ {
			t.Errorf("README says %s is a %s; it is a %s", name, typ, got)
		}
		var labels []string
		for l := range strings.SplitSeq(m[3], ",") {
			if l = strings.Trim(strings.TrimSpace(l), "`"); l != "" && l != "—" {
				labels = append(labels, l)
			}
		}
		sort.Strings(labels)
		if got := labelsOf(fam); !slices.Equal(got, labels) {
			t.Errorf("README gives %s the labels %v; it has %v", name, labels, got)
		}
	}
	for name := range f {
		if strings.HasPrefix(name, "raftvec_") && !listed[name] {
			t.Errorf("README's Metrics section does not list %s (%s)", name, f[name].GetHelp())
		}
	}
}

// clusterSum adds up a sample over every node of a cluster (-1 if no node
// has the series).
func (tc *testCluster) clusterSum(name string, kv ...string) float64 {
	total, found := 0.0, false
	for i := range tc.nodes {
		if v := tc.client(i).scrape().sum(name, kv...); v >= 0 {
			total, found = total+v, true
		}
	}
	if !found {
		return -1
	}
	return total
}

// TestClusterMetrics: in a cluster of three data nodes and a query node,
// one node leads each group and reports its segments (sums over the nodes
// count each segment once), the query node's replica is a non-voter, and
// reads are labelled with the role of the replica that served them.
func TestClusterMetrics(t *testing.T) {
	tc := roleCluster(t)
	c := tc.client(0)
	c.ok("collections/create", map[string]any{"collectionName": "cm", "dimension": 2, "metricType": "L2", "params": map[string]any{"shardsNum": 1}})
	nonvoterServing(t, tc, 3, 1)
	c.ok("entities/insert", map[string]any{"collectionName": "cm", "data": rowsFrom(0, 100)})
	coll, err := tc.nodes[0].Coordinator().Collection("cm")
	if err != nil {
		t.Fatal(err)
	}
	group := shards.GroupName(coll.ID, 0)
	waitFor(t, 10*time.Second, func() bool {
		return tc.clusterSum("raftvec_raft_leader", "group", group) == 1 && tc.clusterSum("raftvec_raft_leader", "group", "meta") == 1
	})
	for i := range tc.nodes {
		f := tc.client(i).scrape()
		wantVoter := 1.0
		if i == 3 {
			wantVoter = 0
		}
		if got := f.sum("raftvec_raft_voter", "group", group, "collection", "cm"); got != wantVoter {
			t.Errorf("node-%d: voter %v, want %v", i+1, got, wantVoter)
		}
		if f.sum("raftvec_raft_term", "group", group) < 1 || f.sum("raftvec_raft_leader_changes_total", "group", group) < 1 {
			t.Errorf("node-%d: term %v, leader changes %v", i+1, f.sum("raftvec_raft_term", "group", group), f.sum("raftvec_raft_leader_changes_total", "group", group))
		}
	}
	waitFor(t, 10*time.Second, func() bool {
		return tc.clusterSum("raftvec_segments", "collection", "cm") == float64(len(segments(t, c, "cm"))) &&
			tc.clusterSum("raftvec_segment_rows", "collection", "cm") == 100
	})

	// A search goes to the query replica first.
	before := tc.clusterSum("raftvec_replica_read_duration_seconds", "op", "search", "role", "query")
	requests := c.scrape().sum("raftvec_read_duration_seconds", "op", "search", "consistency", "Eventually")
	c.ok("entities/search", map[string]any{"collectionName": "cm", "data": [][]float32{{1, 1}}, "limit": 3, "consistencyLevel": "Eventually"})
	if got := tc.clusterSum("raftvec_replica_read_duration_seconds", "op", "search", "role", "query"); got != max(before, 0)+1 {
		t.Errorf("%v searches served by the query replica, was %v", got, before)
	}
	if got := c.scrape().sum("raftvec_read_duration_seconds", "op", "search", "consistency", "Eventually"); got != max(requests, 0)+1 {
		t.Errorf("%v Eventually searches on the receiving node, was %v", got, requests)
	}
	// A read of the write path goes to the voters, followers first.
	before = tc.clusterSum("raftvec_replica_read_duration_seconds", "op", "count", "consistency", "Strong", "role", "follower")
	q := &shards.QueryRequest{ReadOptions: shards.ReadOptions{Collection: "cm", Consistency: "Strong"}, CountOnly: true}
	res, _, err := tc.nodes[0].Host().Read(context.Background(), coll, 0,
		shards.ReadArgs{Opts: q.ReadOptions, Query: q, VotersOnly: true})
	if err != nil || res.Count != 100 {
		t.Fatalf("voters-only count: %+v %v", res, err)
	}
	if got := tc.clusterSum("raftvec_replica_read_duration_seconds", "op", "count", "consistency", "Strong", "role", "follower"); got != max(before, 0)+1 {
		t.Errorf("%v counts served by a follower, was %v", got, before)
	}
}

// TestAsleepGroupMetrics: a group asleep has no Raft series, and its
// segments stay counted as they were when it went to sleep.
func TestAsleepGroupMetrics(t *testing.T) {
	cfg := testConfig(t.TempDir())
	sleepy(&cfg)
	s := mustStart(t, cfg)
	t.Cleanup(func() { _ = s.Stop() })
	c := newClient(t, s)
	// Auto IDs: no duplicate-key read, which would keep the leader ticking
	// (awake) for the 30 s read window.
	c.ok("collections/create", map[string]any{"collectionName": "z", "dimension": 2, "autoId": true})
	rows := rowsFrom(0, 100)
	for _, r := range rows {
		delete(r, "id")
	}
	c.ok("entities/insert", map[string]any{"collectionName": "z", "data": rows})
	coll, err := s.Coordinator().Collection("z")
	if err != nil {
		t.Fatal(err)
	}
	group := shards.GroupName(coll.ID, 0)
	waitFor(t, 40*time.Second, func() bool { return slices.Contains(s.Host().Sleeping(), group) })
	f := c.scrape()
	if f.sum("raftvec_raft_term", "group", group) != -1 || f.sum("raftvec_shard_groups_asleep") != 1 {
		t.Errorf("asleep group: term series %v, groups asleep %v", f.sum("raftvec_raft_term", "group", group), f.sum("raftvec_shard_groups_asleep"))
	}
	if got := f.sum("raftvec_segment_rows", "collection", "z"); got != 100 {
		t.Errorf("%v rows of the asleep collection, want 100", got)
	}
	if f.sum("raftvec_segments", "collection", "z") < 1 || f.sum("raftvec_flush_backlog_bytes", "collection", "z") < 0 {
		t.Errorf("asleep collection: %v segments, backlog %v", f.sum("raftvec_segments", "collection", "z"), f.sum("raftvec_flush_backlog_bytes", "collection", "z"))
	}
}
