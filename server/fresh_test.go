package server

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/raftvec/raftvec/dataset"
)

const (
	freshRows = 10000 // above the interim index's training size (8192)
	freshDim  = 8
)

// freshInsert creates an HNSW collection "fresh" and inserts freshRows
// clustered rows (row i has id i) without flushing: they stay growing.
func freshInsert(c client) []float32 {
	base := dataset.Synthetic(freshRows, freshDim, 40, 11)
	ix := map[string]any{"fieldName": "vector", "indexName": "v", "metricType": "L2",
		"params": map[string]any{"index_type": "HNSW", "M": 8, "efConstruction": 32}}
	c.ok("collections/create", map[string]any{"collectionName": "fresh", "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": freshDim}}}},
		"indexParams": []any{ix}})
	for b := 0; b < freshRows/1000; b++ {
		rows := make([]map[string]any, 1000)
		for i := range rows {
			id := b*1000 + i
			rows[i] = map[string]any{"id": id, "vector": base[id*freshDim : (id+1)*freshDim]}
		}
		c.ok("entities/insert", map[string]any{"collectionName": "fresh", "data": rows})
	}
	return base
}

// TestFreshRowsSearchedThroughInterimIndex: growing rows past the
// training size get an interim index in the background (the node's
// raftvec_interim_indexed_rows counts them); a search over them finds a
// row's own vector first; indexes/describe reports the index lag until a
// flush gets every row into built HNSW files, then the final lag.
func TestFreshRowsSearchedThroughInterimIndex(t *testing.T) {
	cfg := testConfig(filepath.Join(t.TempDir(), "data"))
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	c := newClient(t, s)
	base := freshInsert(c)
	waitFor(t, 60*time.Second, func() bool { return c.metric("raftvec_interim_indexed_rows") == freshRows })
	before := c.metric("raftvec_interim_segment_searches_total")
	for _, id := range []int{3, 5000, freshRows - 1} {
		body := map[string]any{"collectionName": "fresh", "data": [][]float32{base[id*freshDim : (id+1)*freshDim]}, "limit": 1}
		got := ids(c.ok("entities/search", body))
		if !got[strconv.Itoa(id)] || len(got) != 1 {
			t.Fatalf("search for row %d's vector over growing rows: %v", id, got)
		}
	}
	if after := c.metric("raftvec_interim_segment_searches_total"); after < before+3 {
		t.Fatalf("interim segment searches %v -> %v: the searches did not use the interim index", before, after)
	}
	d := describeLag(c)
	if d["lastWriteTime"] == nil || d["allIndexedTime"] != nil || d["indexLagSeconds"].(float64) <= 0 {
		t.Fatalf("index lag while rows are growing: %v", d)
	}
	c.ok("collections/flush", map[string]any{"collectionName": "fresh"})
	waitFor(t, 60*time.Second, func() bool { return describeLag(c)["allIndexedTime"] != nil })
	d = describeLag(c)
	written, _ := time.Parse(time.RFC3339Nano, d["lastWriteTime"].(string))
	indexed, _ := time.Parse(time.RFC3339Nano, d["allIndexedTime"].(string))
	if lag := d["indexLagSeconds"].(float64); indexed.Before(written) || lag != indexed.Sub(written).Seconds() {
		t.Fatalf("final index lag %v: written %v, indexed %v", lag, written, indexed)
	}
	if d["indexedRows"] != float64(freshRows) {
		t.Fatalf("indexed rows after the flush: %v", d)
	}
	if c.metric("raftvec_index_lag_seconds") < 0 {
		t.Fatal("no raftvec_index_lag_seconds metric")
	}
	waitFor(t, 30*time.Second, func() bool { return c.metric("raftvec_interim_indexed_rows") == 0 })
}

func describeLag(c client) map[string]any {
	var ix []map[string]any
	if err := json.Unmarshal(c.ok("indexes/describe", map[string]any{"collectionName": "fresh", "indexName": "v"}), &ix); err != nil || len(ix) != 1 {
		c.t.Fatalf("indexes/describe: %v %v", ix, err)
	}
	return ix[0]
}
