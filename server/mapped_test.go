package server

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// TestExactScanReadsMappedVectors: a collection without an index has its
// flushed segments scanned exactly, with their vector columns mapped in
// place from the local object store: nothing on the Go heap, no copy in
// the chunk cache, the same answers before and after a restart.
func TestExactScanReadsMappedVectors(t *testing.T) {
	const dim, n = 8, 3000
	dir := filepath.Join(t.TempDir(), "data")
	cfg := testConfig(dir)
	cfg.Lifecycle.ChunkSize, cfg.Lifecycle.SealSize = 16<<10, 64<<10
	s := mustStart(t, cfg)
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "x", "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}}}}})
	vecs := c.insertRandom("x", n, dim, rand.NewPCG(7, 8))
	c.ok("collections/flush", map[string]any{"collectionName": "x"})
	waitFor(t, 30*time.Second, func() bool {
		segs := segments(t, c, "x")
		for _, g := range segs {
			if g["state"] != "Flushed" {
				return false
			}
		}
		return len(segs) > 0 && segs[0]["chunks"].(float64) > 1 // mapped in several parts
	})
	if h, m, st := c.metric(vecHeap), c.metric(vecMapped), c.metric(vecStorage); h != 0 || m != 0 || st != n*dim*4 {
		t.Fatalf("flushed: heap %v, mapped %v, storage %v; want 0, 0, %d", h, m, st, n*dim*4)
	}
	check := func(c client) {
		t.Helper()
		for _, id := range []int{0, 1, 777, 1500, 2222, 2999} {
			var got []map[string]any
			_ = json.Unmarshal(c.ok("entities/search", map[string]any{"collectionName": "x", "data": [][]float32{vecs[id]},
				"limit": 3, "outputFields": []string{"vector"}}), &got)
			if len(got) != 3 || got[0]["id"] != itoa(id) || !sameVector(got[0]["vector"], vecs[id]) {
				t.Fatalf("search for row %d's vector: %v", id, got)
			}
		}
		// Top 10 across the chunks' parts: the exact cosine ranking.
		q := []float32{0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.6}
		var got []map[string]any
		_ = json.Unmarshal(c.ok("entities/search", map[string]any{"collectionName": "x", "data": [][]float32{q}, "limit": 10}), &got)
		want := exactCosine(vecs, q, 10)
		for i := range want {
			if i >= len(got) || got[i]["id"] != itoa(want[i]) {
				t.Fatalf("top 10: got %v, want ids %v", got, want)
			}
		}
		if h, m := c.metric(vecHeap), c.metric(vecMapped); h != 0 || m != n*dim*4 {
			t.Fatalf("after exact scans: heap %v, mapped %v; want 0, %d", h, m, n*dim*4)
		}
	}
	check(c)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if k := dirCount(t, filepath.Join(dir, "cache")); k != 0 {
		t.Fatalf("%d files in the chunk cache: a second copy of the local object store", k)
	}
	s = mustStart(t, cfg)
	t.Cleanup(func() { _ = s.Stop() })
	c = newClient(t, s)
	if h, m := c.metric(vecHeap), c.metric(vecMapped); h != 0 || m != 0 {
		t.Fatalf("after restart: heap %v, mapped %v; want nothing loaded", h, m)
	}
	check(c)
	if got := c.rowCount("x"); got != n {
		t.Fatalf("count(*) %d after restart, want %d", got, n)
	}
}

// exactCosine returns the k rows most similar to q by cosine, best first.
func exactCosine(vecs [][]float32, q []float32, k int) []int {
	norm := func(v []float32) float64 {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	score := make([]float64, len(vecs))
	order := make([]int, len(vecs))
	for i, v := range vecs {
		var dot float64
		for j := range v {
			dot += float64(v[j]) * float64(q[j])
		}
		score[i], order[i] = dot/(norm(v)*norm(q)), i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	return order[:k]
}
