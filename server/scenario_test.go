package server

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return v
}

// TestEveryRoute drives every Milvus route of API.md through the real HTTP
// server and backend and checks the results.
func TestEveryRoute(t *testing.T) {
	s := startTest(t, filepath.Join(t.TempDir(), "data"))
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "docs", "schema": map[string]any{
		"enableDynamicField": true,
		"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "title", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 64}},
			{"fieldName": "year", "dataType": "Int32", "nullable": true},
			{"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar", "elementTypeParams": map[string]any{"max_capacity": 4, "max_length": 8}},
			{"fieldName": "emb", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 2}},
		}},
		"indexParams": []map[string]any{{"fieldName": "emb", "indexName": "emb_idx", "metricType": "L2", "params": map[string]any{"index_type": "HNSW", "M": 16}}},
		"params":      map[string]any{"shardsNum": 2, "consistencyLevel": "Strong"},
	})
	collectionRoutes(t, c)
	entityRoutes(t, c)
	searchRoutes(t, c)
	partitionRoutes(t, c)
	indexRoutes(t, c)
	aliasRoutes(t, c)
	c.ok("collections/rename", map[string]any{"collectionName": "docs", "newCollectionName": "docs2"})
	if has := decode[map[string]bool](t, c.ok("collections/has", map[string]any{"collectionName": "docs2"})); !has["has"] {
		t.Fatal("renamed collection missing")
	}
	c.ok("collections/drop", map[string]any{"collectionName": "docs2"})
	if names := decode[[]string](t, c.ok("collections/list", map[string]any{})); len(names) != 0 {
		t.Fatalf("collections after drop: %v", names)
	}
	if r := c.do("entities/query", map[string]any{"collectionName": "docs2", "filter": "id > 0"}); r.Code != 100 {
		t.Fatalf("query after drop: code %d", r.Code)
	}
	resp, err := http.Get(c.base + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/metrics: %v %v", err, resp)
	}
	resp.Body.Close()
}

func collectionRoutes(t *testing.T, c client) {
	if names := decode[[]string](t, c.ok("collections/list", map[string]any{})); !slices.Equal(names, []string{"docs"}) {
		t.Fatalf("list: %v", names)
	}
	d := decode[map[string]any](t, c.ok("collections/describe", map[string]any{"collectionName": "docs"}))
	if d["shardsNum"] != float64(2) || d["consistencyLevel"] != "Strong" || d["enableDynamicField"] != true {
		t.Fatalf("describe: %v", d)
	}
	if fields := d["fields"].([]any); len(fields) != 5 {
		t.Fatalf("describe fields: %v", fields)
	}
	for _, r := range []string{"collections/load", "collections/release", "collections/refresh_load"} {
		c.ok(r, map[string]any{"collectionName": "docs"})
	}
	c.ok("collections/load", map[string]any{"collectionName": "docs"})
	st := decode[map[string]any](t, c.ok("collections/get_load_state", map[string]any{"collectionName": "docs"}))
	if st["loadState"] != "LoadStateLoaded" {
		t.Fatalf("load state: %v", st)
	}
	c.ok("collections/flush", map[string]any{"collectionName": "docs"})
	job := decode[map[string]any](t, c.ok("collections/compact", map[string]any{"collectionName": "docs"}))
	cs := decode[map[string]any](t, c.ok("collections/get_compaction_state", map[string]any{"jobID": job["compactionID"]}))
	if cs["state"] != "Completed" {
		t.Fatalf("compaction state: %v", cs)
	}
}

func row(id int, title string, year any, x, y float32, extra map[string]any) map[string]any {
	r := map[string]any{"id": id, "title": title, "year": year, "tags": []string{"t" + title[:1]}, "emb": []float32{x, y}}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func entityRoutes(t *testing.T, c client) {
	ins := decode[map[string]any](t, c.ok("entities/insert", map[string]any{"collectionName": "docs", "data": []any{
		row(1, "alpha", 2001, 0, 0, map[string]any{"color": "red"}),
		row(2, "beta", 2002, 1, 0, map[string]any{"color": "blue"}),
		row(3, "gamma", nil, 0, 1, nil),
		row(4, "delta", 2001, 5, 5, map[string]any{"color": "red"}),
		row(5, "eps", 2005, 9, 9, nil),
	}}))
	if ins["insertCount"] != float64(5) || len(ins["insertIds"].([]any)) != 5 || ins["insertIds"].([]any)[0] != "1" {
		t.Fatalf("insert: %v", ins)
	}
	up := decode[map[string]any](t, c.ok("entities/upsert", map[string]any{"collectionName": "docs", "data": []any{row(5, "epsilon", 2015, 9, 9, nil)}}))
	if up["upsertCount"] != float64(1) {
		t.Fatalf("upsert: %v", up)
	}
	got := decode[[]map[string]any](t, c.ok("entities/get", map[string]any{"collectionName": "docs", "id": []int{5, 3}, "outputFields": []string{"title", "year"}}))
	if len(got) != 2 || got[0]["id"] != "3" || got[0]["year"] != nil || got[1]["title"] != "epsilon" {
		t.Fatalf("get: %v", got)
	}
	q := decode[[]map[string]any](t, c.ok("entities/query", map[string]any{"collectionName": "docs",
		"filter": `color == "red" and year >= {y}`, "exprParams": map[string]any{"y": 2000}, "outputFields": []string{"title", "color"}}))
	if len(q) != 2 || q[0]["title"] != "alpha" || q[1]["color"] != "red" {
		t.Fatalf("query: %v", q)
	}
	page := decode[[]map[string]any](t, c.ok("entities/query", map[string]any{"collectionName": "docs", "filter": "id > 0", "limit": 2, "offset": 1}))
	if len(page) != 2 || page[0]["id"] != "2" || page[1]["id"] != "3" {
		t.Fatalf("query offset/limit: %v", page)
	}
	del := decode[map[string]any](t, c.ok("entities/delete", map[string]any{"collectionName": "docs", "filter": "id in [2]"}))
	if del["deleteCount"] != float64(1) {
		t.Fatalf("delete: %v", del)
	}
	cnt := decode[[]map[string]any](t, c.ok("entities/query", map[string]any{"collectionName": "docs", "filter": "", "outputFields": []string{"count(*)"}}))
	if cnt[0]["count(*)"] != float64(4) || c.rowCount("docs") != 4 {
		t.Fatalf("count(*) %v, rowCount %d; want 4", cnt, c.rowCount("docs"))
	}
}

func searchRoutes(t *testing.T, c client) {
	r := c.do("entities/search", map[string]any{"collectionName": "docs", "data": [][]float32{{0, 0}, {9, 9}}, "limit": 2, "outputFields": []string{"title"}})
	hits := decode[[]map[string]any](t, r.Data)
	if r.Code != 0 || !slices.Equal(r.Topks, []int{2, 2}) || hits[0]["id"] != "1" || hits[1]["id"] != "3" || hits[2]["id"] != "5" || hits[2]["title"] != "epsilon" {
		t.Fatalf("search: code %d topks %v hits %v", r.Code, r.Topks, hits)
	}
	hits = decode[[]map[string]any](t, c.ok("entities/search", map[string]any{"collectionName": "docs", "data": [][]float32{{0, 0}}, "limit": 10,
		"filter": "year is not null", "searchParams": map[string]any{"metricType": "L2", "params": map[string]any{"radius": 60.0, "range_filter": 1.0}}}))
	if len(hits) != 1 || hits[0]["id"] != "4" || hits[0]["distance"] != float64(50) {
		t.Fatalf("range search: %v", hits)
	}
	hits = decode[[]map[string]any](t, c.ok("entities/search", map[string]any{"collectionName": "docs", "ids": []int{1}, "limit": 1, "offset": 1}))
	if len(hits) != 1 || hits[0]["id"] != "3" {
		t.Fatalf("search by ids with offset: %v", hits)
	}
	hits = decode[[]map[string]any](t, c.ok("entities/search", map[string]any{"collectionName": "docs", "data": [][]float32{{0, 0}}, "limit": 2,
		"filter": "year is not null", "groupingField": "year", "groupSize": 1, "outputFields": []string{"year"}}))
	if len(hits) != 2 || hits[0]["id"] != "1" || hits[1]["id"] != "5" { // 4 shares 1's group
		t.Fatalf("grouping search: %v", hits)
	}
	hits = decode[[]map[string]any](t, c.ok("entities/hybrid_search", map[string]any{"collectionName": "docs",
		"search": []map[string]any{{"data": [][]float32{{0, 0}}, "annsField": "emb", "limit": 3}, {"data": [][]float32{{9, 9}}, "annsField": "emb", "limit": 3}},
		"rerank": map[string]any{"strategy": "rrf", "params": map[string]any{"k": 60}}, "limit": 4}))
	if len(hits) != 4 {
		t.Fatalf("hybrid search: %v", hits)
	}
	if r := c.do("entities/search", map[string]any{"collectionName": "docs", "data": [][]float32{{0, 0}}, "limit": 16000, "offset": 1000}); r.Code != 1100 {
		t.Fatalf("offset+limit > 16384: code %d", r.Code)
	}
}

func partitionRoutes(t *testing.T, c client) {
	c.ok("partitions/create", map[string]any{"collectionName": "docs", "partitionName": "p1"})
	if has := decode[map[string]bool](t, c.ok("partitions/has", map[string]any{"collectionName": "docs", "partitionName": "p1"})); !has["has"] {
		t.Fatal("partition p1 missing")
	}
	c.ok("entities/insert", map[string]any{"collectionName": "docs", "partitionName": "p1", "data": []any{row(10, "p-one", 1, 3, 3, nil), row(11, "p-two", 1, 4, 4, nil)}})
	st := decode[map[string]any](t, c.ok("partitions/get_stats", map[string]any{"collectionName": "docs", "partitionName": "p1"}))
	if st["rowCount"] != float64(2) {
		t.Fatalf("partition stats: %v", st)
	}
	q := decode[[]map[string]any](t, c.ok("entities/query", map[string]any{"collectionName": "docs", "filter": "id > 0", "partitionNames": []string{"p1"}}))
	if len(q) != 2 {
		t.Fatalf("query in partition: %v", q)
	}
	if parts := decode[[]string](t, c.ok("partitions/list", map[string]any{"collectionName": "docs"})); !slices.Contains(parts, "_default") || !slices.Contains(parts, "p1") {
		t.Fatalf("partitions: %v", parts)
	}
	c.ok("partitions/load", map[string]any{"collectionName": "docs", "partitionNames": []string{"p1"}})
	c.ok("partitions/release", map[string]any{"collectionName": "docs", "partitionNames": []string{"p1"}})
	c.ok("partitions/drop", map[string]any{"collectionName": "docs", "partitionName": "p1"})
	if n := c.rowCount("docs"); n != 4 {
		t.Fatalf("rowCount after dropping p1: %d", n)
	}
	if r := c.do("entities/insert", map[string]any{"collectionName": "docs", "partitionName": "p1", "data": []any{row(12, "x", 1, 1, 1, nil)}}); r.Code != 200 {
		t.Fatalf("insert into dropped partition: code %d", r.Code)
	}
}

func indexRoutes(t *testing.T, c client) {
	ix := decode[[]map[string]any](t, c.ok("indexes/describe", map[string]any{"collectionName": "docs", "indexName": "emb_idx"}))
	if len(ix) != 1 || ix[0]["indexState"] != "Finished" || ix[0]["indexType"] != "HNSW" || ix[0]["totalRows"] != float64(4) {
		t.Fatalf("index describe: %v", ix)
	}
	c.ok("indexes/drop", map[string]any{"collectionName": "docs", "indexName": "emb_idx"})
	if names := decode[[]string](t, c.ok("indexes/list", map[string]any{"collectionName": "docs"})); len(names) != 0 {
		t.Fatalf("indexes after drop: %v", names)
	}
	if r := c.do("indexes/describe", map[string]any{"collectionName": "docs", "indexName": "emb_idx"}); r.Code != 700 {
		t.Fatalf("describe dropped index: code %d", r.Code)
	}
	c.ok("indexes/create", map[string]any{"collectionName": "docs", "indexParams": []map[string]any{{"fieldName": "emb", "indexName": "flat", "metricType": "L2", "indexType": "FLAT"}}})
	if names := decode[[]string](t, c.ok("indexes/list", map[string]any{"collectionName": "docs"})); !slices.Equal(names, []string{"flat"}) {
		t.Fatalf("indexes: %v", names)
	}
}

func aliasRoutes(t *testing.T, c client) {
	c.ok("aliases/create", map[string]any{"collectionName": "docs", "aliasName": "current"})
	d := decode[map[string]any](t, c.ok("aliases/describe", map[string]any{"aliasName": "current"}))
	if d["collectionName"] != "docs" {
		t.Fatalf("alias describe: %v", d)
	}
	if n := decode[[]map[string]any](t, c.ok("entities/query", map[string]any{"collectionName": "current", "filter": "", "outputFields": []string{"count(*)"}})); n[0]["count(*)"] != float64(4) {
		t.Fatalf("query through alias: %v", n)
	}
	if names := decode[[]string](t, c.ok("aliases/list", map[string]any{"collectionName": "docs"})); !slices.Equal(names, []string{"current"}) {
		t.Fatalf("aliases: %v", names)
	}
	c.ok("collections/create", map[string]any{"collectionName": "other", "dimension": 2})
	c.ok("aliases/alter", map[string]any{"collectionName": "other", "aliasName": "current"})
	if d := decode[map[string]any](t, c.ok("aliases/describe", map[string]any{"aliasName": "current"})); d["collectionName"] != "other" {
		t.Fatalf("altered alias: %v", d)
	}
	c.ok("aliases/drop", map[string]any{"aliasName": "current"})
	if r := c.do("aliases/describe", map[string]any{"aliasName": "current"}); r.Code == 0 || !strings.Contains(strings.ToLower(r.Message), "alias") {
		t.Fatalf("describe dropped alias: %+v", r)
	}
	c.ok("collections/drop", map[string]any{"collectionName": "other"})
}
