package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDatabaseRoutes: the databases/ routes in Milvus's shapes, and their
// errors.
func TestDatabaseRoutes(t *testing.T) {
	e := newEnv(t)
	if got := js(e.ok("databases/list", `{}`).Data); got != `["default"]` {
		t.Fatalf("list at first: %s", got)
	}
	e.ok("databases/create", `{"dbName":"db1","properties":{"database.replica.number":1,"owner":"team_a","on":true}}`)
	e.ok("databases/create", `{"dbName":"db2"}`)
	if got := js(e.ok("databases/list", `{}`).Data); got != `["default","db1","db2"]` {
		t.Fatalf("list: %s", got)
	}
	d := e.ok("databases/describe", `{"dbName":"db1"}`).obj(t)
	if js(d["properties"]) != `[{"key":"database.replica.number","value":"1"},{"key":"on","value":"true"},{"key":"owner","value":"team_a"}]` ||
		d["dbName"] != "db1" || d["dbID"] == nil {
		t.Fatalf("describe db1: %s", js(d))
	}
	if got := js(e.ok("databases/describe", `{"dbName":"default"}`).Data); got != `{"dbID":1,"dbName":"default","properties":[]}` {
		t.Fatalf("describe default: %s", got)
	}
	e.ok("databases/alter", `{"dbName":"db1","properties":{"owner":"team_b"}}`)
	e.ok("databases/drop_properties", `{"dbName":"db1","propertyKeys":["on","database.replica.number"]}`)
	if got := js(e.ok("databases/describe", `{"dbName":"db1"}`).obj(t)["properties"]); got != `[{"key":"owner","value":"team_b"}]` {
		t.Fatalf("after alter: %s", got)
	}
	e.ok("databases/drop", `{"dbName":"db2"}`)
	if got := js(e.ok("databases/list", `{}`).Data); got != `["default","db1"]` {
		t.Fatalf("list after drop: %s", got)
	}

	tests := []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"create exists", "databases/create", `{"dbName":"db1"}`, codeInvalid, "db1"},
		{"create default", "databases/create", `{"dbName":"default"}`, codeInvalid, "default"},
		{"create bad name", "databases/create", `{"dbName":"1db"}`, codeInvalid, "database name"},
		{"create long name", "databases/create", `{"dbName":"` + strings.Repeat("d", 256) + `"}`, codeInvalid, "longer"},
		{"create no name", "databases/create", `{}`, codeMissingParam, "dbName"},
		{"create bad property", "databases/create", `{"dbName":"db3","properties":{"k":{"a":1}}}`, codeInvalid, `"k"`},
		{"describe missing", "databases/describe", `{"dbName":"nope"}`, codeDatabaseNotFound, "nope"},
		{"describe no name", "databases/describe", `{}`, codeMissingParam, "dbName"},
		{"drop missing", "databases/drop", `{"dbName":"nope"}`, codeDatabaseNotFound, "nope"},
		{"drop default", "databases/drop", `{"dbName":"default"}`, codeInvalid, "default"},
		{"alter no properties", "databases/alter", `{"dbName":"db1"}`, codeMissingParam, "properties"},
		{"alter missing", "databases/alter", `{"dbName":"nope","properties":{"a":1}}`, codeDatabaseNotFound, "nope"},
		{"drop_properties no keys", "databases/drop_properties", `{"dbName":"db1"}`, codeMissingParam, "propertyKeys"},
		{"dbName not a string", "databases/describe", `{"dbName":1}`, codeInvalid, "dbName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			e.fail(tt.path, tt.body, tt.code, tt.want)
		})
	}
	e.t = t
	if got := js(e.ok("databases/list", `{}`).Data); got != `["default","db1"]` {
		t.Fatalf("refused requests changed the databases: %s", got)
	}
}

// TestDatabaseDropNeedsEmpty: a database with a collection cannot be
// dropped, and nothing changes; once the collection is gone it can.
func TestDatabaseDropNeedsEmpty(t *testing.T) {
	e := newEnv(t)
	e.ok("databases/create", `{"dbName":"db1"}`)
	e.ok("collections/create", `{"dbName":"db1","collectionName":"c","dimension":2}`)
	e.fail("databases/drop", `{"dbName":"db1"}`, codeInvalid, "not empty")
	if got := js(e.ok("collections/list", `{"dbName":"db1"}`).Data); got != `["c"]` {
		t.Fatalf("db1 after the refused drop: %s", got)
	}
	e.ok("collections/drop", `{"dbName":"db1","collectionName":"c"}`)
	e.ok("databases/drop", `{"dbName":"db1"}`)
	e.fail("collections/list", `{"dbName":"db1"}`, codeDatabaseNotFound, "db1")
}

// TestSameCollectionNameInTwoDatabases: "c" in default and in db1 are two
// collections; every route reaches the one of its request's database.
func TestSameCollectionNameInTwoDatabases(t *testing.T) {
	e := newEnv(t)
	e.ok("databases/create", `{"dbName":"db1"}`)
	e.ok("collections/create", `{"collectionName":"c","dimension":2}`)
	e.ok("collections/create", `{"collectionName":"c","dimension":3,"dbName":"db1"}`)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,2]}]}`)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,2,3]},{"id":2,"vector":[3,2,1]}],"dbName":"db1"}`)
	e.fail("entities/insert", `{"collectionName":"c","data":[{"id":5,"vector":[1,2]}],"dbName":"db1"}`, codeBadData, "dimension")

	count := func(hdr ...string) string {
		return js(e.ok("entities/query", `{"collectionName":"c","filter":"","outputFields":["count(*)"]}`, hdr...).Data)
	}
	if a, b := count(), count(headerDBName, "db1"); a != `[{"count(*)":1}]` || b != `[{"count(*)":2}]` {
		t.Fatalf("counts: default %s, db1 %s", a, b)
	}
	e.ok("aliases/create", `{"collectionName":"c","aliasName":"al","dbName":"db1"}`)
	e.fail("aliases/describe", `{"aliasName":"al"}`, codeAliasNotFound, "al")
	if got := js(e.ok("aliases/describe", `{"aliasName":"al","dbName":"db1"}`).Data); got != `{"aliasName":"al","collectionName":"c","dbName":"db1"}` {
		t.Fatalf("alias in db1: %s", got)
	}
	if got := js(e.ok("collections/describe", `{"collectionName":"al","dbName":"db1"}`).obj(t)["fields"]); !strings.Contains(got, `"dim","value":"3"`) {
		t.Fatalf("db1's c through its alias: %s", got)
	}
	e.ok("collections/drop", `{"collectionName":"c","dbName":"db1"}`)
	e.fail("collections/describe", `{"collectionName":"c","dbName":"db1"}`, codeCollectionNotFound, "c")
	if got := count(); got != `[{"count(*)":1}]` {
		t.Fatalf("default's c after db1's was dropped: %s", got)
	}
}

// TestDBNameOnEveryRoute: every Milvus route addresses the database of its
// request, from the body or else the DB-Name header: a database that does
// not exist is code 800 everywhere (job routes are by job ID, which is
// global, or validate their own parameters first; users and roles belong
// to no database).
func TestDBNameOnEveryRoute(t *testing.T) {
	e := newEnv(t)
	e.quick("c", nil)
	body := func(db string) string {
		b := `{"collectionName":"c","dimension":2,"partitionName":"p","partitionNames":["_default"],"aliasName":"al",` +
			`"newCollectionName":"c2","data":[[1,2]],"id":[1],"filter":"id > 0","indexName":"vector",` +
			`"indexParams":[{"fieldName":"vector","indexName":"v2","metricType":"L2"}],` +
			`"search":[{"data":[[1,2]],"limit":1}],"rerank":{"strategy":"rrf"},` +
			`"properties":{"collection.ttl.seconds":5},"propertyKeys":["collection.ttl.seconds"]`
		if db != "" {
			b += `,"dbName":"` + db + `"`
		}
		return b + "}"
	}
	for _, r := range e.s.routes() {
		if strings.HasPrefix(r.path, "databases/") || strings.HasPrefix(r.path, "jobs/") || r.path == "collections/get_compaction_state" ||
			strings.HasPrefix(r.path, "users/") || strings.HasPrefix(r.path, "roles/") { // cluster-wide, as in Milvus
			continue
		}
		t.Run(r.path, func(t *testing.T) {
			e.t = t
			if strings.HasPrefix(r.path, "entities/insert") || strings.HasPrefix(r.path, "entities/upsert") {
				e.fail(r.path, `{"collectionName":"c","data":[{"id":1,"vector":[1,2]}],"dbName":"nope"}`, codeDatabaseNotFound, "nope")
				e.fail(r.path, `{"collectionName":"c","data":[{"id":1,"vector":[1,2]}]}`, codeDatabaseNotFound, "nope", headerDBName, "nope")
				return
			}
			e.fail(r.path, body("nope"), codeDatabaseNotFound, "nope")
			e.fail(r.path, body(""), codeDatabaseNotFound, "nope", headerDBName, "nope")
		})
	}
	e.t = t
	// The body's dbName wins over the header.
	e.ok("collections/describe", body("default"), headerDBName, "nope")
}

// TestAdminRoutesTakeDBName: /v1/collections/{name}/segments and /trace
// address the database of ?dbName= (else DB-Name, else default).
func TestAdminRoutesTakeDBName(t *testing.T) {
	a := &fakeAdmin{}
	e := newEnv(t, Config{Admin: a})
	e.admin(http.MethodGet, "/v1/collections/c/segments", "")
	e.admin(http.MethodGet, "/v1/collections/c/segments?dbName=db1", "")
	e.admin(http.MethodGet, "/v1/collections/c/segments", "", headerDBName, "db2")
	e.admin(http.MethodGet, "/v1/collections/c/entities/7/trace?dbName=db1", "")
	want := "segments default.c,segments db1.c,segments db2.c,trace db1.c 7"
	if got := strings.Join(a.calls, ","); got != want {
		t.Fatalf("admin saw %s, want %s", got, want)
	}
}

// TestBodyDatabase: what route reads as a body's dbName is what
// encoding/json decodes, whichever path reads it.
func TestBodyDatabase(t *testing.T) {
	tests := []struct {
		name, body, want string
		err              bool
	}{
		{"empty", ``, "", false},
		{"absent", `{"collectionName":"c","data":[[1,2]]}`, "", false},
		{"first", `{"dbName":"a","collectionName":"c","data":[[1,2]]}`, "a", false},
		{"last", `{"collectionName":"c","data":[{"x":[1,{"y":"]"}]}],"dbName":"a"}`, "a", false},
		{"folded key", `{"DBNAME":"a"}`, "a", false},
		{"duplicates: last wins", `{"dbName":"a","x":1,"DbName":"b"}`, "b", false},
		{"null keeps the earlier", `{"dbName":"a","dbName":null}`, "a", false},
		{"nested is not top-level", `{"data":[{"dbName":"x"}],"filter":"dbName"}`, "", false},
		{"nested after top-level", `{"dbName":"a","data":[{"dbName":"x"}]}`, "a", false},
		{"in a string", `{"filter":"\"dbName\":\"x\""}`, "", false},
		{"escaped key", `{"\u0064bName":"a"}`, "a", false},
		{"escaped value", `{"dbName":"d\u0062"}`, "db", false},
		{"escape elsewhere", `{"filter":"a\\b","dbName":"a"}`, "a", false},
		{"not a string", `{"dbName":7}`, "", true},
		{"not an object", `["dbName"]`, "", false},
		// Read only as far as needed; the handler refuses the body.
		{"malformed", `{"dbName":"a",`, "a", false},
		{"whitespace", " { \"dbName\" : \"a\" , \"x\" : [ 1 , 2 ] } ", "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bodyDatabase([]byte(tt.body))
			if got != tt.want || (err != nil) != tt.err {
				t.Fatalf("bodyDatabase(%s) = %q, %v; want %q, error %v", tt.body, got, err, tt.want, tt.err)
			}
		})
	}
}

// FuzzBodyDatabase: for every JSON object, bodyDatabase reads the dbName
// encoding/json decodes.
func FuzzBodyDatabase(f *testing.F) {
	for _, s := range []string{`{"dbName":"a"}`, `{"x":[1,"]"],"dbName":"b"}`, `{"DBName":"a","dbname":null}`,
		`{"a":"\"dbName\"","dbName":"c"}`, `{"\u0044bName":"a"}`, `{"data":[{"dbName":"x"}],"dbName":"y","z":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var probe map[string]json.RawMessage
		if json.Unmarshal(body, &probe) != nil || checkText(body) != nil {
			return // only JSON objects the envelope lets through
		}
		var want dbReq
		wantErr := json.NewDecoder(bytes.NewReader(body)).Decode(&want)
		got, err := bodyDatabase(body)
		if (err != nil) != (wantErr != nil) || (err == nil && got != want.DbName) {
			t.Fatalf("bodyDatabase(%q) = %q, %v; encoding/json: %q, %v", body, got, err, want.DbName, wantErr)
		}
	})
}

// TestRenameIntoAnotherDatabase: collections/rename with newDbName moves
// a collection; a database that does not exist is code 800.
func TestRenameIntoAnotherDatabase(t *testing.T) {
	e := newEnv(t)
	e.ok("databases/create", `{"dbName":"db1"}`)
	e.quick("c", nil)
	e.fail("collections/rename", `{"collectionName":"c","newCollectionName":"c2","newDbName":"nope"}`, codeDatabaseNotFound, "nope")
	e.ok("collections/rename", `{"collectionName":"c","newCollectionName":"c2","newDbName":"db1"}`)
	if a, b := js(e.ok("collections/list", `{}`).Data), js(e.ok("collections/list", `{"dbName":"db1"}`).Data); a != `[]` || b != `["c2"]` {
		t.Fatalf("after the move: default %s, db1 %s", a, b)
	}
}
