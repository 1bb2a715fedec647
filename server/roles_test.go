package server

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// roleCluster starts three data nodes (node-1..3, the voters) and one
// query-only node (node-4).
func roleCluster(t *testing.T, opts ...func(*Config)) *testCluster {
	return newCluster(t, 4, 3, append([]func(*Config){func(c *Config) {
		if c.NodeID == "node-4" {
			c.Cluster.Roles = []string{coordinator.RoleQuery}
		} else {
			c.Cluster.Roles = []string{coordinator.RoleData, coordinator.RoleIndex}
		}
	}}, opts...)...)
}

// queryReplicas returns the query replicas of every shard of a collection.
func queryReplicas(t *testing.T, s *Server, coll string) [][]string {
	t.Helper()
	c, err := s.Coordinator().Collection(coll)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, sp := range c.Shards {
		out = append(out, sp.Queries)
	}
	return out
}

// nonvoterServing waits until node's replica of every shard of coll is a
// non-voting member of its group.
func nonvoterServing(t *testing.T, tc *testCluster, node int, shardsNum int) {
	t.Helper()
	waitFor(t, 30*time.Second, func() bool {
		n := 0
		for _, g := range tc.nodes[node].groupStatus() {
			if strings.HasPrefix(g.Group, "shard-") && g.Suffrage == "Nonvoter" && g.Leader != "" {
				n++
			}
		}
		return n == shardsNum
	})
}

func TestQueryNodeServesEveryConsistencyLevel(t *testing.T) {
	tc := roleCluster(t)
	c := tc.client(0)
	c.ok("collections/create", map[string]any{"collectionName": "q", "dimension": 2, "metricType": "L2", "params": map[string]any{"shardsNum": 2}})
	for s, want := range queryReplicas(t, tc.nodes[0], "q") {
		if !slices.Equal(want, []string{"node-4"}) {
			t.Fatalf("shard %d query replicas %v, want [node-4]", s, want)
		}
	}
	coll, _ := tc.nodes[0].Coordinator().Collection("q")
	for s, sp := range coll.Shards {
		if slices.Contains(sp.Replicas, "node-4") {
			t.Fatalf("shard %d: the query node is a voter: %v", s, sp.Replicas)
		}
	}
	nonvoterServing(t, tc, 3, 2)

	// Writes from any node, including the query node (it forwards them).
	for i := 0; i < 4; i++ {
		tc.client(i).ok("entities/insert", map[string]any{"collectionName": "q", "data": rowsFrom(i*100, 100)})
	}
	before := tc.nodes[3].Host().ReadStats().ServedByQueryReplicas
	if before != 0 {
		t.Fatalf("inserts read %d times from the query replica: the write path must not depend on it", before)
	}
	for _, level := range []string{"Strong", "Session", "Bounded", "Eventually"} {
		waitFor(t, 10*time.Second, func() bool { return tc.client(1).countAt("q", level) == 400 })
	}
	if got := tc.nodes[3].Host().ReadStats().ServedByQueryReplicas - before; got < 8 {
		t.Fatalf("the query node served %d shard reads of 4 levels × 2 shards, want all", got)
	}
	for i := 0; i < 3; i++ {
		if n := tc.nodes[i].Host().ReadStats().ServedByQueryReplicas; n != 0 {
			t.Fatalf("data node %d counts %d query-replica reads", i+1, n)
		}
	}
	st := tc.client(0).getJSON("/v1/cluster/status")
	if !strings.Contains(st, `"roles":["query"]`) || !strings.Contains(st, `"suffrage":"Nonvoter"`) {
		t.Fatalf("cluster status shows no roles or suffrage: %s", st)
	}

	// The query node dies: reads move back to the voters, writes go on.
	tc.kill(3)
	tc.client(2).ok("entities/insert", map[string]any{"collectionName": "q", "data": rowsFrom(1000, 50)})
	if n := tc.client(0).countAt("q", "Strong"); n != 450 {
		t.Fatalf("after the query node died: %d rows, want 450", n)
	}
}

func TestReleaseDropsQueryReplicasAndRefusesReads(t *testing.T) {
	tc := roleCluster(t)
	c := tc.client(1)
	c.ok("collections/create", map[string]any{"collectionName": "r", "dimension": 2, "metricType": "L2"})
	nonvoterServing(t, tc, 3, 1)
	c.ok("entities/insert", map[string]any{"collectionName": "r", "data": rowsFrom(0, 20)})

	c.ok("collections/release", map[string]any{"collectionName": "r"})
	search := map[string]any{"collectionName": "r", "data": [][]float32{{1, 1}}, "limit": 3}
	if r := c.do("entities/search", search); r.Code != 101 || !strings.Contains(r.Message, "not loaded") {
		t.Fatalf("search on a released collection: code %d %q, want 101", r.Code, r.Message)
	}
	if r := c.do("entities/query", map[string]any{"collectionName": "r", "filter": "id > 0"}); r.Code != 101 {
		t.Fatalf("query on a released collection: code %d %q, want 101", r.Code, r.Message)
	}
	if st := loadState(t, c, "r"); st != "LoadStateNotLoad" {
		t.Fatalf("load state after release: %s", st)
	}
	// The query node closes and deletes its replica.
	waitFor(t, 30*time.Second, func() bool { return len(tc.nodes[3].Host().Replicas()) == 0 })
	// Writes to a released collection are accepted (as in Milvus).
	c.ok("entities/insert", map[string]any{"collectionName": "r", "data": rowsFrom(100, 5)})

	if r := c.do("collections/load", map[string]any{"collectionName": "r", "replicaNumber": 0}); r.Code != 1100 {
		t.Fatalf("load with replicaNumber 0: code %d, want 1100", r.Code)
	}
	c.ok("collections/load", map[string]any{"collectionName": "r", "replicaNumber": 1})
	waitFor(t, 30*time.Second, func() bool { return loadState(t, c, "r") == "LoadStateLoaded" })
	nonvoterServing(t, tc, 3, 1)
	if n := c.countAt("r", "Strong"); n != 25 {
		t.Fatalf("after reload: %d rows, want 25", n)
	}
}

func TestRolesFlagValidation(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Cluster.Roles = []string{"query"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "standalone node runs every role") {
		t.Fatalf("standalone query-only node: %v", err)
	}
	cfg.Cluster.Join = []string{"127.0.0.1:1"}
	cfg.Cluster.AllowLocalStorage = true
	cfg.Cluster.Roles = []string{"query", "storage"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `unknown node role "storage"`) {
		t.Fatalf("unknown role: %v", err)
	}
	cfg.Cluster.Roles = []string{"query", "index"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

func loadState(t *testing.T, c client, coll string) string {
	t.Helper()
	var st struct{ LoadState string }
	if err := json.Unmarshal(c.ok("collections/get_load_state", map[string]any{"collectionName": coll}), &st); err != nil {
		t.Fatal(err)
	}
	return st.LoadState
}

func TestLoadPastMemoryLimitIsRefused(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MemoryLimit = 1 // bytes: any sealed data is too much
	s := mustStart(t, cfg)
	defer s.Stop()
	c := newClient(t, s)
	for _, name := range []string{"big", "fresh"} {
		c.ok("collections/create", map[string]any{"collectionName": name, "dimension": 8, "metricType": "L2"})
		insertRows(c, name, 0, 500)
	}
	c.ok("collections/flush", map[string]any{"collectionName": "big"})
	for _, name := range []string{"big", "fresh"} {
		c.ok("collections/release", map[string]any{"collectionName": name})
	}
	r := c.do("collections/load", map[string]any{"collectionName": "big"})
	if r.Code != 1100 || !strings.Contains(r.Message, "--memory-limit") || !strings.Contains(r.Message, "500 sealed rows") {
		t.Fatalf("load past the memory limit: code %d %q", r.Code, r.Message)
	}
	if st := loadState(t, c, "big"); st != "LoadStateNotLoad" {
		t.Fatalf("a refused load changed the load state: %s", st)
	}
	if r := c.do("entities/search", map[string]any{"collectionName": "big", "data": [][]float32{vec8(1)}, "limit": 1}); r.Code != 101 {
		t.Fatalf("search after a refused load: code %d", r.Code)
	}
	// Growing rows are held whether loaded or not: nothing to admit.
	c.ok("collections/load", map[string]any{"collectionName": "fresh"})
	if n := c.countAt("fresh", "Strong"); n != 500 {
		t.Fatalf("fresh: %d rows", n)
	}
}

func insertRows(c client, coll string, from, n int) {
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"id": from + i, "vector": vec8(from + i)}
	}
	c.ok("entities/insert", map[string]any{"collectionName": coll, "data": rows})
}
