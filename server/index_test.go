package server

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIndexBuildsServeSearch: flushed segments get HNSW index files built
// by coordinator-assigned builders; indexes/describe reports them; searches
// through the index reach recall ≥ 0.95 against exact search, filters
// hold, and the index files are reloaded from object storage after a
// restart.
func TestIndexBuildsServeSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := testConfig(dir)
	cfg.Lifecycle.ChunkSize, cfg.Lifecycle.SealSize = 32<<10, 128<<10
	logger := quietLogger()
	s, err := Start(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	for _, name := range []string{"hnsw", "exact"} {
		ix := map[string]any{"fieldName": "vector", "indexName": "v", "metricType": "L2", "params": map[string]any{"index_type": "HNSW", "M": 16, "efConstruction": 100}}
		if name == "exact" {
			ix["params"] = map[string]any{"index_type": "FLAT"}
		}
		c.ok("collections/create", map[string]any{"collectionName": name, "schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 16}}}},
			"indexParams": []any{ix}})
	}
	r := rand.New(rand.NewPCG(3, 4))
	for b := 0; b < 8; b++ {
		rows := make([]map[string]any, 500)
		for i := range rows {
			v := make([]float32, 16)
			for j := range v {
				v[j] = r.Float32()
			}
			rows[i] = map[string]any{"id": b*500 + i, "vector": v}
		}
		for _, name := range []string{"hnsw", "exact"} {
			c.ok("entities/insert", map[string]any{"collectionName": name, "data": rows})
		}
	}
	c.ok("collections/flush", map[string]any{"collectionName": "hnsw"})
	// While builds run (some segments indexed, others not), every row is
	// still found: unindexed segments are searched exactly.
	for _, id := range []int{0, 777, 1999, 2500, 3999} {
		var got []map[string]any
		_ = json.Unmarshal(c.ok("entities/search", map[string]any{"collectionName": "hnsw", "limit": 1,
			"ids": []int{id}, "filter": "id == " + itoa(id)}), &got)
		if len(got) != 1 || got[0]["id"] != itoa(id) {
			t.Fatalf("row %d not found during index builds: %v", id, got)
		}
	}
	waitFor(t, 60*time.Second, func() bool {
		var ix []map[string]any
		_ = json.Unmarshal(c.ok("indexes/describe", map[string]any{"collectionName": "hnsw", "indexName": "v"}), &ix)
		return len(ix) == 1 && ix[0]["indexState"] == "Finished" && ix[0]["indexedRows"] == float64(4000)
	})
	for _, sg := range segments(t, c, "hnsw") {
		f, _ := sg["indexFile"].(string)
		if _, err := os.Stat(filepath.Join(dir, "objects", f)); f == "" || err != nil {
			t.Fatalf("segment without an index file in object storage: %v", sg)
		}
	}
	queries := make([][]float32, 50)
	for i := range queries {
		queries[i] = make([]float32, 16)
		for j := range queries[i] {
			queries[i][j] = r.Float32()
		}
	}
	recall := func(c client) float64 {
		hits, total := 0, 0
		for _, q := range queries {
			want := ids(c.ok("entities/search", map[string]any{"collectionName": "exact", "data": [][]float32{q}, "limit": 10}))
			got := ids(c.ok("entities/search", map[string]any{"collectionName": "hnsw", "data": [][]float32{q}, "limit": 10,
				"searchParams": map[string]any{"metricType": "L2", "params": map[string]any{"ef": 64}}}))
			for id := range want {
				if got[id] {
					hits++
				}
			}
			total += len(want)
		}
		return float64(hits) / float64(total)
	}
	if rc := recall(c); rc < 0.95 {
		t.Fatalf("recall@10 through the HNSW index files %.3f < 0.95", rc)
	}
	for id := range ids(c.ok("entities/search", map[string]any{"collectionName": "hnsw", "data": [][]float32{queries[0]}, "limit": 10, "filter": "id % 2 == 1"})) {
		var n int
		_ = json.Unmarshal([]byte(id), &n)
		if n%2 != 1 {
			t.Fatalf("filtered index search returned %s", id)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s, err = Start(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	c = newClient(t, s)
	if rc := recall(c); rc < 0.95 {
		t.Fatalf("recall@10 after restart %.3f < 0.95", rc)
	}
	// Dropping the index stops its use (searches become exact), and a new
	// index on existing data is built for every flushed segment, even under
	// the dropped index's name: its old files are never used for it.
	old := map[any]bool{}
	for _, sg := range segments(t, c, "hnsw") {
		old[sg["indexName"]] = true
	}
	c.ok("indexes/drop", map[string]any{"collectionName": "hnsw", "indexName": "v"})
	if rc := recall(c); rc != 1 {
		t.Fatalf("recall@10 after dropping the index %.3f, want exact results", rc)
	}
	c.ok("indexes/create", map[string]any{"collectionName": "hnsw", "indexParams": []map[string]any{{"fieldName": "vector", "indexName": "v", "metricType": "L2",
		"params": map[string]any{"index_type": "HNSW", "M": 8, "efConstruction": 64}}}})
	waitFor(t, 60*time.Second, func() bool {
		for _, sg := range segments(t, c, "hnsw") {
			name, _ := sg["indexName"].(string)
			if old[sg["indexName"]] || !strings.HasPrefix(name, "v#") {
				return false
			}
		}
		return true
	})
	if rc := recall(c); rc < 0.9 {
		t.Fatalf("recall@10 with the new index %.3f", rc)
	}
}

// ids returns the primary keys of a search reply.
func ids(raw json.RawMessage) map[string]bool {
	var hits []map[string]any
	_ = json.Unmarshal(raw, &hits)
	out := map[string]bool{}
	for _, h := range hits {
		out[h["id"].(string)] = true
	}
	return out
}
