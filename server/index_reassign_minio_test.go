//go:build minio

package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/builder"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/storage"
)

const (
	reassignRows = 12000
	reassignDim  = 32
)

// TestMinIOIndexBuildReassignedWhenBuilderDies runs a 3-node cluster on one
// MinIO: an HNSW build of one large flushed segment is assigned to some
// node, which is killed as soon as the assignment is seen (its build is
// loading or running). The coordinator marks it down and reassigns the task
// with a higher fencing token; the new builder finishes the index
// (describe: Finished over every row) and search is served through it. A
// late report of the dead builder's assignment is refused.
func TestMinIOIndexBuildReassignedWhenBuilderDies(t *testing.T) {
	shared := minioConfig(t)
	tc := newCluster(t, 3, 3, func(c *Config) {
		c.Storage = shared.Storage
		c.Lifecycle = shared.Lifecycle
		// One segment of every row: a single build that takes a while.
		c.Lifecycle.ChunkSize, c.Lifecycle.SealSize = 1<<20, 64<<20
	})
	base := insertReassignData(t, tc.client(0))
	tc.client(1).ok("collections/flush", map[string]any{"collectionName": "r"})
	task := waitIndexTask(t, tc, func(coordinator.Task) bool { return true })
	victim := slices.IndexFunc(tc.cfgs, func(c Config) bool { return c.NodeID == task.Assignee })
	waitBuildLoaded(t, tc, victim)
	start := time.Now()
	tc.kill(victim) // waits for the victim's running build to return
	t.Logf("killed builder %s (task %d, token %d) in %v", task.Assignee, task.ID, task.Token, time.Since(start))
	alive := (victim + 1) % 3
	for _, x := range tc.nodes[alive].Coordinator().Tasks() {
		if x.ID == task.ID && x.State == coordinator.TaskDone {
			t.Fatalf("the builder finished before it was killed: the data set is too small for this machine")
		}
	}
	moved := waitIndexTask(t, tc, func(x coordinator.Task) bool { return x.ID == task.ID && x.Assignee != task.Assignee })
	t.Logf("task %d reassigned to %s with token %d", moved.ID, moved.Assignee, moved.Token)
	if moved.Token <= task.Token {
		t.Fatalf("reassigned task token %d, not above the dead builder's %d", moved.Token, task.Token)
	}
	c := tc.client(alive)
	waitFor(t, 120*time.Second, func() bool {
		var ix []map[string]any
		_ = json.Unmarshal(c.ok("indexes/describe", map[string]any{"collectionName": "r", "indexName": "v"}), &ix)
		return len(ix) == 1 && ix[0]["indexState"] == "Finished" && ix[0]["indexedRows"] == float64(reassignRows)
	})
	seg := segments(t, c, "r")
	if len(seg) != 1 || !strings.Contains(seg[0]["indexFile"].(string), "/"+strconv.FormatInt(moved.Token, 10)+"/") {
		t.Fatalf("segments %v: want one, indexed under the new token %d", seg, moved.Token)
	}
	checkSelfSearch(t, c, base)
	checkStaleReportRefused(t, tc, alive, task, seg[0]["indexFile"].(string))
}

// insertReassignData creates collection "r" (one shard, HNSW index "v")
// and inserts clustered vectors; row i has id i.
func insertReassignData(t *testing.T, c client) []float32 {
	t.Helper()
	c.ok("collections/create", map[string]any{"collectionName": "r", "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": reassignDim}}}},
		"params": map[string]any{"shardsNum": 1},
		"indexParams": []any{map[string]any{"fieldName": "vector", "indexName": "v", "metricType": "L2",
			"params": map[string]any{"index_type": "HNSW", "M": 16, "efConstruction": 200}}}})
	base := dataset.Synthetic(reassignRows, reassignDim, 50, 11)
	for b := 0; b < reassignRows/1000; b++ {
		rows := make([]map[string]any, 1000)
		for i := range rows {
			id := b*1000 + i
			rows[i] = map[string]any{"id": id, "vector": base[id*reassignDim : (id+1)*reassignDim]}
		}
		c.ok("entities/insert", map[string]any{"collectionName": "r", "data": rows})
	}
	return base
}

// waitIndexTask polls the live nodes' coordinator state for an assigned
// index-build task accepted by match.
func waitIndexTask(t *testing.T, tc *testCluster, match func(coordinator.Task) bool) coordinator.Task {
	t.Helper()
	var found coordinator.Task
	deadline := time.Now().Add(60 * time.Second)
	for found.ID == 0 {
		for _, s := range tc.nodes {
			if s == nil {
				continue
			}
			for _, x := range s.Coordinator().Tasks() {
				if x.Kind == coordinator.TaskIndex && x.State == coordinator.TaskAssigned && match(x) {
					found = x
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no matching index-build task assigned in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return found
}

// waitBuildLoaded waits until the builder on node i has fetched every
// vector chunk of the segment from object storage (they appear in its
// local chunk cache; a build reads only its field): its build is then
// running.
func waitBuildLoaded(t *testing.T, tc *testCluster, i int) {
	t.Helper()
	coll, err := tc.nodes[i].Coordinator().Collection("r")
	if err != nil {
		t.Fatal(err)
	}
	vf := coll.Schema.Fields[coll.Schema.FieldIndex("vector")].ID
	var keys []string
	for _, k := range segments(t, tc.client(i), "r")[0]["objectKeys"].([]any) {
		if id, err := storage.ParseInsertLogKey("", k.(string)); err == nil && id.Field == vf {
			keys = append(keys, k.(string))
		}
	}
	loaded := func() bool {
		for _, k := range keys {
			if _, err := os.Stat(filepath.Join(tc.cfgs[i].DataDir, "cache", filepath.FromSlash(k))); err != nil {
				return false
			}
		}
		return len(keys) > 0
	}
	deadline := time.Now().Add(60 * time.Second)
	for !loaded() { // polled often: the build that follows is short without -race
		if time.Now().After(deadline) {
			t.Fatalf("builder on %s did not load the segment", tc.cfgs[i].NodeID)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkSelfSearch asserts that searching with stored vectors finds their
// rows first.
func checkSelfSearch(t *testing.T, c client, base []float32) {
	t.Helper()
	for _, id := range []int{0, 4321, reassignRows - 1} {
		var hits []map[string]any
		_ = json.Unmarshal(c.ok("entities/search", map[string]any{"collectionName": "r", "limit": 10,
			"data": [][]float32{base[id*reassignDim : (id+1)*reassignDim]}}), &hits)
		if len(hits) != 10 || hits[0]["id"] != strconv.Itoa(id) {
			t.Fatalf("search for row %d: %v", id, hits)
		}
	}
}

// checkStaleReportRefused replays the dead builder's assignment on a live
// node, as a builder that comes back late would: it must not replace the
// index recorded under the newer token.
func checkStaleReportRefused(t *testing.T, tc *testCluster, alive int, stale coordinator.Task, file string) {
	t.Helper()
	coll, err := tc.nodes[alive].Coordinator().Collection("r")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := tc.nodes[alive].Worker().RunIndexBuild(ctx, coll, stale); !errors.Is(err, builder.ErrStaleBuild) {
		t.Fatalf("late report of token %d: %v, want ErrStaleBuild", stale.Token, err)
	}
	if seg := segments(t, tc.client(alive), "r"); seg[0]["indexFile"] != file {
		t.Fatalf("index file changed by a stale report: %v, want %s", seg[0]["indexFile"], file)
	}
}
