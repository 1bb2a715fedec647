//go:build minio

package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// TestMinIORolesSeparateStorageFromCompute runs five nodes on one MinIO:
// three data-only nodes (the voters), a query-only node and an index-only
// node. Every index build runs on the index node; the query node loads the
// sealed segments' index files (load progress reaches 100 %) and serves
// every search; the data nodes never hold a sealed vector or index file.
func TestMinIORolesSeparateStorageFromCompute(t *testing.T) {
	shared := minioConfig(t)
	roles := map[string][]string{"node-4": {coordinator.RoleQuery}, "node-5": {coordinator.RoleIndex}}
	tc := newCluster(t, 5, 3, func(c *Config) {
		c.Storage, c.Lifecycle = shared.Storage, shared.Lifecycle
		c.Cluster.Roles = roles[c.NodeID]
		if c.Cluster.Roles == nil {
			c.Cluster.Roles = []string{coordinator.RoleData}
		}
	})
	c := tc.client(0)
	c.ok("collections/create", map[string]any{"collectionName": "m", "dimension": 8, "metricType": "L2", "params": map[string]any{"shardsNum": 2}})
	for b := 0; b < 20; b++ {
		insertRange(tc.client(b%5), "m", b*200, 200)
	}
	c.ok("collections/flush", map[string]any{"collectionName": "m"})
	waitFor(t, 60*time.Second, func() bool {
		var ix []map[string]any
		_ = json.Unmarshal(c.ok("indexes/describe", map[string]any{"collectionName": "m", "indexName": "vector"}), &ix)
		return len(ix) == 1 && ix[0]["indexState"] == "Finished" && ix[0]["indexedRows"] == float64(4000)
	})
	for _, task := range tc.nodes[0].Coordinator().Tasks() {
		if task.Assignee != "node-5" {
			t.Fatalf("task %d (%q) ran on %s, not on the index node", task.ID, task.Kind, task.Assignee)
		}
	}
	waitFor(t, 60*time.Second, func() bool { return loadState(t, c, "m") == "LoadStateLoaded" })
	if n := tc.nodes[3].Host().Memory().IndexFiles; n == 0 {
		t.Fatal("the query node is loaded but holds no index file")
	}

	before := tc.nodes[3].Host().ReadStats().ServedByQueryReplicas
	for i, level := range []string{"Strong", "Session", "Bounded", "Eventually"} {
		var hits []map[string]any
		_ = json.Unmarshal(tc.client(i).ok("entities/search", map[string]any{"collectionName": "m", "data": [][]float32{vec8(1234)},
			"limit": 1, "consistencyLevel": level, "outputFields": []string{"id"}}), &hits)
		if len(hits) != 1 || hits[0]["distance"] != float64(0) { // vec8 repeats every 101 rows
			t.Fatalf("%s search for row 1234's vector via node %d: %v", level, i+1, hits)
		}
	}
	if got := tc.nodes[3].Host().ReadStats().ServedByQueryReplicas - before; got != 8 {
		t.Fatalf("the query node served %d of 8 shard searches", got)
	}
	for i := 0; i < 3; i++ {
		m := tc.nodes[i].Host().Memory()
		if m.IndexFiles != 0 || m.VectorBytesInMemory != 0 {
			t.Fatalf("data node %d holds sealed data: %+v", i+1, m)
		}
	}
	if n := len(tc.nodes[4].Host().Replicas()); n != 0 {
		t.Fatalf("the index node hosts %d replicas", n)
	}
	st := c.getJSON("/v1/cluster/status")
	for _, want := range []string{`"roles":["index"]`, `"roles":["query"]`, `"roles":["data"]`, `"suffrage":"Nonvoter"`} {
		if !strings.Contains(st, want) {
			t.Fatalf("cluster status lacks %s: %s", want, st)
		}
	}
}
