package server

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputChangesNothing sends every class of bad input through the real
// HTTP server and backend and checks the Milvus code and that the data is
// unchanged.
func TestBadInputChangesNothing(t *testing.T) {
	s := startTest(t, filepath.Join(t.TempDir(), "data"))
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "b", "schema": map[string]any{
		"enableDynamicField": false,
		"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "age", "dataType": "Int8"},
			{"fieldName": "name", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 5}},
			{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 3}},
		}},
		"params": map[string]any{"shardsNum": 2},
	})
	good := func(id int) map[string]any {
		return map[string]any{"id": id, "age": 3, "name": "ab", "v": []float32{1, 2, 3}}
	}
	c.ok("entities/insert", map[string]any{"collectionName": "b", "data": []any{good(1), good(2)}})
	with := func(k string, v any) []any {
		r := good(10)
		if v == nil {
			delete(r, k)
		} else {
			r[k] = v
		}
		return []any{good(11), r}
	}
	cases := []struct {
		name, path string
		body       any // string = raw body
		code       int
	}{
		{"unknown collection", "entities/insert", map[string]any{"collectionName": "nope", "data": []any{good(5)}}, 100},
		{"wrong dim", "entities/insert", map[string]any{"collectionName": "b", "data": with("v", []float32{1, 2})}, 1804},
		{"wrong type", "entities/insert", map[string]any{"collectionName": "b", "data": with("age", "old")}, 1804},
		{"int out of range", "entities/insert", map[string]any{"collectionName": "b", "data": with("age", 300)}, 1804},
		{"varchar too long", "entities/insert", map[string]any{"collectionName": "b", "data": with("name", "abcdef")}, 1804},
		{"missing field", "entities/insert", map[string]any{"collectionName": "b", "data": with("name", nil)}, 1804},
		{"unknown field, no dynamic", "entities/insert", map[string]any{"collectionName": "b", "data": with("extra", 1)}, 1804},
		{"duplicate pk in request", "entities/insert", map[string]any{"collectionName": "b", "data": []any{good(20), good(20)}}, 1804},
		{"existing pk", "entities/insert", map[string]any{"collectionName": "b", "data": []any{good(21), good(1)}}, -1},
		{"malformed json", "entities/insert", `{"collectionName": "b", "data": [`, 1801},
		{"missing collection name", "entities/insert", map[string]any{"data": []any{good(5)}}, 1802},
		{"malformed filter", "entities/delete", map[string]any{"collectionName": "b", "filter": "age >"}, 1100},
		{"filter on unknown field", "entities/delete", map[string]any{"collectionName": "b", "filter": "height > 1"}, 1100},
		{"search wrong dim", "entities/search", map[string]any{"collectionName": "b", "data": [][]float32{{1}}}, 1100},
		{"oversized", "entities/insert", `{"collectionName":"b","data":[` + strings.Repeat(" ", 70<<20) + `]}`, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r reply
			if raw, ok := tc.body.(string); ok {
				r = c.raw(tc.path, raw)
			} else {
				r = c.do(tc.path, tc.body)
			}
			if r.Code == 0 || (tc.code > 0 && r.Code != tc.code) {
				t.Fatalf("code %d (%s), want %d", r.Code, r.Message, tc.code)
			}
			if r.Message == "" {
				t.Fatal("error without a message")
			}
			if n := c.rowCount("b"); n != 2 {
				t.Fatalf("rowCount %d after rejected request, want 2", n)
			}
		})
	}
	var rows []map[string]any
	_ = json.Unmarshal(c.ok("entities/query", map[string]any{"collectionName": "b", "filter": "id > 0", "outputFields": []string{"*"}}), &rows)
	if len(rows) != 2 || rows[0]["name"] != "ab" {
		t.Fatalf("rows after rejected requests: %v", rows)
	}
}
