//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatabases: the real binary with two databases holding a collection
// of the same name. Inserts, deletes, searches, queries, partitions,
// aliases, flushes and the segment listing of one never see the other;
// dropping the non-empty database is refused and changes nothing; both
// databases and their data survive a restart; once its collection is
// dropped the database can be dropped.
func TestDatabases(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	flags := []string{"--chunk-size", "8192", "--segment-seal-size", "65536"}
	p := startStandalone(t, data, flags...)
	const dim = 4
	p.ok("databases/create", map[string]any{"dbName": "analytics", "properties": map[string]any{"owner": "team_a"}})
	for _, db := range []string{"default", "analytics"} {
		p.ok("collections/create", map[string]any{"dbName": db, "collectionName": "docs", "dimension": dim, "metricType": "L2"})
	}
	// default holds ids 0-99, analytics ids 1000-1049.
	insert := func(db string, from, to int) {
		var rows []map[string]any
		for i := from; i < to; i++ {
			rows = append(rows, map[string]any{"id": i, "vector": vec(i, dim), "db": db})
		}
		p.ok("entities/insert", map[string]any{"dbName": db, "collectionName": "docs", "data": rows})
	}
	insert("default", 0, 100)
	insert("analytics", 1000, 1050)
	p.ok("entities/delete", map[string]any{"dbName": "analytics", "collectionName": "docs", "filter": "id in [1000, 1001]"})
	p.ok("partitions/create", map[string]any{"dbName": "analytics", "collectionName": "docs", "partitionName": "p"})
	p.ok("aliases/create", map[string]any{"dbName": "analytics", "collectionName": "docs", "aliasName": "current"})

	check := func(when string) {
		t.Helper()
		if n := dbCount(t, p, "default", "docs"); n != 100 {
			t.Fatalf("%s: default.docs has %d rows, want 100", when, n)
		}
		if n := dbCount(t, p, "analytics", "current"); n != 48 {
			t.Fatalf("%s: analytics.docs (by its alias) has %d rows, want 48", when, n)
		}
		// A search in each database finds only its own rows, even for the
		// other database's vectors.
		for _, tc := range []struct {
			db       string
			min, max int64
		}{{"default", 0, 99}, {"analytics", 1002, 1049}} {
			env := p.ok("entities/search", map[string]any{"dbName": tc.db, "collectionName": "docs",
				"data": [][]float32{vec(5, dim), vec(1020, dim)}, "limit": 10, "outputFields": []string{"db"},
				"consistencyLevel": "Strong"})
			var hits []map[string]any
			_ = json.Unmarshal(env.Data, &hits)
			if len(hits) != 20 {
				t.Fatalf("%s: search in %s: %d hits: %s", when, tc.db, len(hits), env.Data)
			}
			for _, h := range hits {
				id, _ := h["id"].(float64)
				if int64(id) < tc.min || int64(id) > tc.max || h["db"] != tc.db {
					t.Fatalf("%s: search in %s returned %v", when, tc.db, h)
				}
			}
		}
		if env := p.ok("entities/get", map[string]any{"dbName": "analytics", "collectionName": "docs", "id": []int{1, 2, 1002}}); !strings.Contains(string(env.Data), `"id":1002`) || strings.Contains(string(env.Data), `"id":1,`) {
			t.Fatalf("%s: get in analytics: %s", when, env.Data)
		}
		if got := listOf(t, p, "partitions/list", map[string]any{"collectionName": "docs"}); got != `["_default"]` {
			t.Fatalf("%s: default.docs partitions %s", when, got)
		}
		if got := listOf(t, p, "aliases/list", map[string]any{}); got != `[]` {
			t.Fatalf("%s: default aliases %s", when, got)
		}
		if got := listOf(t, p, "databases/list", map[string]any{}); got != `["default","analytics"]` {
			t.Fatalf("%s: databases %s", when, got)
		}
		if env := p.ok("databases/describe", map[string]any{"dbName": "analytics"}); !strings.Contains(string(env.Data), `{"key":"owner","value":"team_a"}`) {
			t.Fatalf("%s: analytics: %s", when, env.Data)
		}
	}
	check("growing")
	p.ok("collections/flush", map[string]any{"dbName": "analytics", "collectionName": "docs"})
	if rows := segmentRows(t, p, "analytics", "docs"); rows != 50 {
		t.Fatalf("analytics.docs segments hold %d rows, want 50", rows)
	}
	if rows := segmentRows(t, p, "default", "docs"); rows != 100 {
		t.Fatalf("default.docs segments hold %d rows, want 100", rows)
	}
	check("flushed")

	env := p.call("databases/drop", map[string]any{"dbName": "analytics"})
	if env.Code != 1100 || !strings.Contains(env.Message, "not empty") || !strings.Contains(env.Message, "docs") {
		t.Fatalf("dropping analytics with a collection: code %d %q", env.Code, env.Message)
	}
	check("after the refused drop")

	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, flags...)
	check("restarted")

	p.ok("aliases/drop", map[string]any{"dbName": "analytics", "aliasName": "current"})
	p.ok("collections/drop", map[string]any{"dbName": "analytics", "collectionName": "docs"})
	p.ok("databases/drop", map[string]any{"dbName": "analytics"})
	if got := listOf(t, p, "databases/list", map[string]any{}); got != `["default"]` {
		t.Fatalf("databases after the drop: %s", got)
	}
	if env := p.call("collections/list", map[string]any{"dbName": "analytics"}); env.Code != 800 {
		t.Fatalf("a dropped database's collections: code %d %s", env.Code, env.Message)
	}
	if n := dbCount(t, p, "default", "docs"); n != 100 {
		t.Fatalf("default.docs after analytics was dropped: %d rows", n)
	}
}

// dbCount is count(*) of a collection of a database, at Strong.
func dbCount(t *testing.T, p *proc, db, coll string) int64 {
	t.Helper()
	env := p.ok("entities/query", map[string]any{"dbName": db, "collectionName": coll, "filter": "",
		"outputFields": []string{"count(*)"}, "consistencyLevel": "Strong"})
	var rows []map[string]int64
	if err := json.Unmarshal(env.Data, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("count of %s.%s: %s (%v)", db, coll, env.Data, err)
	}
	return rows[0]["count(*)"]
}

// listOf returns a route's list reply as JSON.
func listOf(t *testing.T, p *proc, path string, body any) string {
	t.Helper()
	return string(p.ok(path, body).Data)
}

// segmentRows sums the rows of a collection's segments, listed by
// GET /v1/collections/{name}/segments?dbName=.
func segmentRows(t *testing.T, p *proc, db, coll string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + p.http + "/v1/collections/" + coll + "/segments?dbName=" + url.QueryEscape(db))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Code int       `json:"code"`
		Data []segInfo `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 0 {
		t.Fatalf("segments of %s.%s: code %d (%v)", db, coll, env.Code, err)
	}
	var n int64
	for _, s := range env.Data {
		n += s.Rows
	}
	return n
}
