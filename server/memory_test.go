package server

import (
	"bufio"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// metric reads one sample of the node's /metrics ("name" or
// `name{label="value"}`); absent samples read as -1.
func (c client) metric(sample string) float64 {
	c.t.Helper()
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				c.t.Fatalf("metric %s: %v", sample, err)
			}
			return f
		}
	}
	return -1
}

const (
	vecHeap    = `raftvec_segment_vector_bytes{where="heap"}`
	vecStorage = `raftvec_segment_vector_bytes{where="storage"}`
	vecMapped  = `raftvec_segment_vector_bytes{where="mapped"}`
	mapped     = "raftvec_index_files_mapped_bytes"
	loaded     = "raftvec_index_files_loaded"
)

// TestSealedVectorsLeaveTheHeap: flushed segments keep their vectors in
// object storage (the local store: no second copy in the cache), HNSW
// index files are searched memory-mapped, vectors load on demand for
// output fields, a restart opens segments without reading their vectors,
// and a segment whose index file is damaged is searched exactly instead.
func TestSealedVectorsLeaveTheHeap(t *testing.T) {
	const dim, n = 16, 4000
	dir := filepath.Join(t.TempDir(), "data")
	cfg := testConfig(dir)
	cfg.Lifecycle.ChunkSize, cfg.Lifecycle.SealSize = 32<<10, 128<<10
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "m", "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}}}},
		"indexParams": []any{map[string]any{"fieldName": "vector", "indexName": "v", "metricType": "L2",
			"params": map[string]any{"index_type": "HNSW", "M": 16, "efConstruction": 100}}}})
	vecs := c.insertRandom("m", n, dim, rand.NewPCG(5, 6))
	c.ok("collections/flush", map[string]any{"collectionName": "m"})
	waitFor(t, 60*time.Second, func() bool {
		var ix []map[string]any
		_ = json.Unmarshal(c.ok("indexes/describe", map[string]any{"collectionName": "m", "indexName": "v"}), &ix)
		return len(ix) == 1 && ix[0]["indexState"] == "Finished" && ix[0]["indexedRows"] == float64(n)
	})
	// A build task for a segment that already carries the index (a
	// leader submits one right after a restart, before it applied the
	// entry recording the file) must not build it again.
	coll, err := s.Coordinator().Collection("m")
	if err != nil {
		t.Fatal(err)
	}
	seg := segments(t, c, "m")[0]
	segID, _ := seg["segmentID"].(float64)
	again := coordinator.Task{Kind: coordinator.TaskIndex, Index: seg["indexName"].(string), Collection: coll.ID,
		Segments: []int64{int64(segID)}, ID: 1 << 40, Token: 1 << 40}
	if err := s.Worker().RunIndexBuild(context.Background(), coll, again); err != nil {
		t.Fatal(err)
	}
	if now := segments(t, c, "m")[0]["indexFile"]; now != seg["indexFile"] {
		t.Fatalf("a segment with its index built it again: %v, was %v", now, seg["indexFile"])
	}
	all := float64(n * dim * 4)
	if h, st := c.metric(vecHeap), c.metric(vecStorage); h != 0 || st != all {
		t.Fatalf("indexed segments: %v vector bytes on the heap, %v in storage; want 0, %v", h, st, all)
	}
	found := func(c client) int {
		k := 0
		for _, id := range []int{0, 499, 1234, 2000, 2999, 3500, 3999, 17, 2222, 3333} {
			got := ids(c.ok("entities/search", map[string]any{"collectionName": "m", "data": [][]float32{vecs[id]}, "limit": 1}))
			if got[itoa(id)] {
				k++
			}
		}
		return k
	}
	if k := found(c); k < 9 {
		t.Fatalf("%d of 10 rows found by their own vectors", k)
	}
	if m, h := c.metric(mapped), c.metric(vecHeap); m <= 0 || h != 0 {
		t.Fatalf("after searches: %v index bytes mapped, %v vector bytes on the heap; want > 0, 0", m, h)
	}
	var got []map[string]any
	_ = json.Unmarshal(c.ok("entities/query", map[string]any{"collectionName": "m", "filter": "id == 1234", "outputFields": []string{"vector"}}), &got)
	if len(got) != 1 || !sameVector(got[0]["vector"], vecs[1234]) {
		t.Fatalf("vector of row 1234 read from storage: %v", got)
	}
	if h, m := c.metric(vecHeap), c.metric(vecMapped); h != 0 || m <= 0 {
		t.Fatalf("a vector output: %v vector bytes on the heap, %v mapped; want its segment mapped, nothing on the heap", h, m)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if k := dirCount(t, filepath.Join(dir, "cache")); k != 0 {
		t.Fatalf("%d files in the chunk cache: a second copy of the local object store", k)
	}
	// Damage one segment's index file: that segment is then scanned.
	s = mustStart(t, cfg)
	segs := segments(t, newClient(t, s), "m")
	damaged := filepath.Join(dir, "objects", filepath.FromSlash(segs[0]["indexFile"].(string)))
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(damaged, []byte("not an index"), 0o644); err != nil {
		t.Fatal(err)
	}
	s = mustStart(t, cfg)
	t.Cleanup(func() { _ = s.Stop() })
	c = newClient(t, s)
	if h, st := c.metric(vecHeap), c.metric(vecStorage); h != 0 || st != all {
		t.Fatalf("after restart: %v vector bytes on the heap, %v in storage; want 0, %v", h, st, all)
	}
	if k := found(c); k < 9 {
		t.Fatalf("after restart with a damaged index file: %d of 10 rows found", k)
	}
	if l := c.metric(loaded); l != float64(len(segs)-1) {
		t.Fatalf("%v index files loaded, want all %d but the damaged one", l, len(segs)-1)
	}
	if got := c.rowCount("m"); got != n {
		t.Fatalf("count(*) %d after restart, want %d", got, n)
	}
}

// insertRandom inserts n rows (ids 0..n-1, uniform random vectors from
// src) into coll in batches of 500 and returns the vectors.
func (c client) insertRandom(coll string, n, dim int, src rand.Source) [][]float32 {
	r := rand.New(src)
	vecs := make([][]float32, n)
	for b := 0; b < n; b += 500 {
		rows := make([]map[string]any, min(500, n-b))
		for i := range rows {
			v := make([]float32, dim)
			for j := range v {
				v[j] = r.Float32()
			}
			vecs[b+i] = v
			rows[i] = map[string]any{"id": b + i, "vector": v}
		}
		c.ok("entities/insert", map[string]any{"collectionName": coll, "data": rows})
	}
	return vecs
}

// mustStart starts a node (the caller stops it).
func mustStart(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sameVector(got any, want []float32) bool {
	g, ok := got.([]any)
	if !ok || len(g) != len(want) {
		return false
	}
	for i := range g {
		if f, ok := g[i].(float64); !ok || float32(f) != want[i] {
			return false
		}
	}
	return true
}
