package server

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
)

// TestOverflowingVectorsServeSearch (issue 10, defect 5) through the real
// HTTP server and shards: a row of [3.4e38 ×4] is accepted and every search
// that has it in its top k answers code 0 with a finite distance (the
// largest float32 for an overflowed L2 or IP), never 65535 "+Inf".
func TestOverflowingVectorsServeSearch(t *testing.T) {
	s := startTest(t, filepath.Join(t.TempDir(), "data"))
	c := newClient(t, s)
	huge := []float64{3.4e38, 3.4e38, 3.4e38, 3.4e38}
	tests := []struct {
		metric string
		query  []float64
		want   map[string]float64 // id → distance
	}{
		{"L2", []float64{-3.4e38, 0, 0, 0}, map[string]float64{"1": math.MaxFloat32, "2": math.MaxFloat32}},
		{"L2", []float64{1, 2, 3, 4}, map[string]float64{"1": math.MaxFloat32, "2": 0}},
		{"IP", []float64{1, 1, 1, 1}, map[string]float64{"1": math.MaxFloat32, "2": 10}},
		{"IP", []float64{-3.4e38, -3.4e38, 1, 1}, map[string]float64{"1": -math.MaxFloat32, "2": -1.0199999e39}},
	}
	for i, tt := range tests {
		name := "c" + tt.metric + string(rune('0'+i))
		c.ok("collections/create", map[string]any{"collectionName": name, "dimension": 4, "metricType": tt.metric})
		c.ok("entities/insert", map[string]any{"collectionName": name, "data": []any{
			map[string]any{"id": 1, "vector": huge}, map[string]any{"id": 2, "vector": []float64{1, 2, 3, 4}}}})
		r := c.do("entities/search", map[string]any{"collectionName": name, "data": [][]float64{tt.query}, "limit": 5})
		if r.Code != 0 {
			t.Fatalf("%s %v: code %d %s", tt.metric, tt.query, r.Code, r.Message)
		}
		var rows []struct {
			ID       string  `json:"id"`
			Distance float64 `json:"distance"`
		}
		if err := json.Unmarshal(r.Data, &rows); err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, row := range rows {
			got[row.ID] = row.Distance
		}
		for id, d := range tt.want {
			if d < -math.MaxFloat32 {
				d = -math.MaxFloat32 // -1.02e39 overflows float32 too
			}
			if g, ok := got[id]; !ok || float32(g) != float32(d) {
				t.Errorf("%s %v: id %s distance %v (present %v), want %v; rows %s", tt.metric, tt.query, id, g, ok, float32(d), r.Data)
			}
		}
	}
}

// TestDuplicateKeyMessage (issue 10, defect 10): the message of an insert
// of an existing key names the keys once.
func TestDuplicateKeyMessage(t *testing.T) {
	s := startTest(t, filepath.Join(t.TempDir(), "data"))
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "d", "dimension": 2})
	row := map[string]any{"id": 5, "vector": []float32{1, 2}}
	c.ok("entities/insert", map[string]any{"collectionName": "d", "data": []any{row}})
	r := c.do("entities/insert", map[string]any{"collectionName": "d", "data": []any{row}})
	if r.Code != 1804 || r.Message != "duplicate primary key: 5" {
		t.Errorf("code %d message %q, want 1804 \"duplicate primary key: 5\"", r.Code, r.Message)
	}
}

// TestExactPrimaryKeys (issue 10, defect 6) through the real server: keys
// that are not exactly an int64 are refused and nothing is written; exact
// ones round-trip.
func TestExactPrimaryKeys(t *testing.T) {
	s := startTest(t, filepath.Join(t.TempDir(), "data"))
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "k", "dimension": 2})
	for _, id := range []string{"-9223372036854775809", "9007199254740993.0", "9223372036854775808", "1e19"} {
		r := c.raw("entities/insert", `{"collectionName":"k","data":[{"id":`+id+`,"vector":[1,2]}]}`)
		if r.Code != 1804 {
			t.Errorf("id %s: code %d %s, want 1804", id, r.Code, r.Message)
		}
	}
	if n := c.rowCount("k"); n != 0 {
		t.Fatalf("%d rows written by refused inserts", n)
	}
	c.ok("entities/insert", map[string]any{"collectionName": "k", "data": []any{
		map[string]any{"id": json.Number("-9223372036854775808"), "vector": []float32{1, 2}},
		map[string]any{"id": json.Number("9007199254740993"), "vector": []float32{1, 2}}}})
	got := string(c.ok("entities/query", map[string]any{"collectionName": "k", "filter": "id != 0", "outputFields": []string{"id"}}))
	if got != `[{"id":"-9223372036854775808"},{"id":"9007199254740993"}]` {
		t.Errorf("stored %s", got)
	}
}
