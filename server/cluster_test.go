package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/internal/testutil"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/shards"
)

// testCluster is a set of in-process nodes on loopback.
type testCluster struct {
	t     *testing.T
	dir   string
	cfgs  []Config
	nodes []*Server
}

// freePort returns a free loopback address from this package's port range
// (the e2e tests use 26000-31999).
func freePort(t *testing.T) string { return testutil.FreeAddr(t, 20000, 26000) }

// newCluster starts n nodes: the first `expect` form the cluster together,
// the rest join it.
func newCluster(t *testing.T, n, expect int, opts ...func(*Config)) *testCluster {
	tc := &testCluster{t: t, dir: t.TempDir()}
	var join []string
	for i := 0; i < n; i++ {
		cfg := Default()
		cfg.NodeID = fmt.Sprintf("node-%d", i+1)
		cfg.DataDir = filepath.Join(tc.dir, cfg.NodeID)
		cfg.HTTPAddr, cfg.RaftAddr = freePort(t), freePort(t)
		cfg.Raft.HeartbeatTimeout, cfg.Raft.ElectionTimeout = 300*time.Millisecond, 300*time.Millisecond
		cfg.Cluster.BootstrapExpect = expect
		cfg.Cluster.NodeDownTimeout = 3 * time.Second
		cfg.Cluster.AllowLocalStorage = true // MinIO tests set Storage in opts
		for _, o := range opts {
			o(&cfg)
		}
		join = append(join, cfg.RaftAddr)
		tc.cfgs = append(tc.cfgs, cfg)
	}
	for i := range tc.cfgs {
		tc.cfgs[i].Cluster.Join = join
	}
	tc.nodes = make([]*Server, n)
	t.Cleanup(func() {
		for _, s := range tc.nodes {
			if s != nil {
				_ = s.Stop()
			}
		}
	})
	errs := make(chan error, n)
	for i := 0; i < expect; i++ {
		go func() { errs <- tc.start(i) }()
	}
	for i := 0; i < expect; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := expect; i < n; i++ {
		if err := tc.start(i); err != nil {
			t.Fatal(err)
		}
	}
	return tc
}

func (tc *testCluster) start(i int) error {
	logger := hclog.New(&hclog.LoggerOptions{Name: tc.cfgs[i].NodeID, Level: hclog.Warn, Output: io.Discard})
	s, err := Start(tc.cfgs[i], logger)
	if err != nil {
		return fmt.Errorf("starting %s: %w", tc.cfgs[i].NodeID, err)
	}
	tc.nodes[i] = s
	return nil
}

// kill stops node i abruptly: no leadership hand-off.
func (tc *testCluster) kill(i int) {
	s := tc.nodes[i]
	s.stopOnce.Do(func() {
		_ = s.mux.Close() // the network goes first, as in a crash
		s.cancel()
		s.wg.Wait()
		s.stopErr = s.closeAll()
	})
	tc.nodes[i] = nil
}

func (tc *testCluster) client(i int) client {
	return client{t: tc.t, base: "http://" + tc.nodes[i].HTTPAddr()}
}

func rowsFrom(from, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		id := from + i
		out[i] = map[string]any{"id": id, "vector": []float32{float32(id), float32(id % 7)}}
	}
	return out
}

func (c client) countAt(coll, level string) int64 {
	c.t.Helper()
	var rows []map[string]any
	r := c.do("entities/query", map[string]any{"collectionName": coll, "filter": "", "outputFields": []string{"count(*)"}, "consistencyLevel": level})
	if r.Code != 0 {
		c.t.Fatalf("count: code %d: %s", r.Code, r.Message)
	}
	_ = json.Unmarshal(r.Data, &rows)
	n, _ := rows[0]["count(*)"].(float64)
	return int64(n)
}

func TestClusterWritesAnywhereLandInTheirShard(t *testing.T) {
	tc := newCluster(t, 3, 3)
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2, "metricType": "L2", "params": map[string]any{"shardsNum": 2}})
	for i := 0; i < 3; i++ {
		tc.client(i).ok("entities/insert", map[string]any{"collectionName": "c", "data": rowsFrom(i*100, 100)})
	}
	for i := 0; i < 3; i++ {
		if n := tc.client(i).countAt("c", "Strong"); n != 300 {
			t.Fatalf("node %d counts %d rows, want 300", i+1, n)
		}
	}
	coll, err := tc.nodes[0].Coordinator().Collection("c")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tc.nodes {
		for _, r := range s.Host().Replicas() {
			if err := r.Gate(t.Context(), "Strong", ""); err != nil {
				t.Fatal(err)
			}
			q, err := r.Query(t.Context(), shards.ReadSpec{}, nil, nil, 0, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range q.Entities {
				if got := proxy.ShardOf(e.PK, coll.ShardsNum); got != r.Shard {
					t.Fatalf("key %v stored in shard %d, routes to %d", e.PK, r.Shard, got)
				}
			}
			if len(q.Entities) == 0 {
				t.Fatalf("%s on %s holds no rows", r.Name, s.cfg.NodeID)
			}
		}
	}
	// Every node holds a replica of every shard (R = 3) and shard leaders
	// are spread: not all on one node.
	leaders := map[string]bool{}
	for _, s := range tc.nodes {
		if got := len(s.Host().Replicas()); got != 2 {
			t.Fatalf("%s hosts %d replicas, want 2", s.cfg.NodeID, got)
		}
		for _, r := range s.Host().Replicas() {
			if r.Node().IsLeader() {
				leaders[s.cfg.NodeID] = true
			}
		}
	}
	if len(leaders) < 2 {
		t.Logf("shard leaders on %v (spreading is best effort)", leaders)
	}
	st := tc.client(1).getJSON("/v1/cluster/status")
	if !strings.Contains(st, `"shard-`) || !strings.Contains(st, `"node-3"`) {
		t.Fatalf("cluster status: %s", st)
	}
}

func (c client) getJSON(path string) string {
	c.t.Helper()
	resp, err := http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
