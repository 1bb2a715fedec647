package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzRoutes are the routes FuzzHTTPBodies sends bodies to; mutating ones
// are checked for "nothing changed" when they fail.
var fuzzRoutes = []struct {
	path   string
	mutate bool
}{
	{"entities/insert", true}, {"entities/upsert", true}, {"entities/delete", true},
	{"entities/get", false}, {"entities/query", false}, {"entities/search", false},
	{"entities/hybrid_search", false},
	{"collections/create", true}, {"collections/drop", true}, {"collections/rename", true},
	{"collections/describe", false}, {"collections/has", false}, {"collections/list", false},
	{"collections/get_stats", false}, {"collections/get_load_state", false},
	{"collections/load", true}, {"collections/release", true},
	{"partitions/create", true}, {"partitions/drop", true}, {"partitions/list", false},
	{"partitions/get_stats", false},
	{"indexes/create", true}, {"indexes/drop", true}, {"indexes/describe", false}, {"indexes/list", false},
	{"aliases/create", true}, {"aliases/alter", true}, {"aliases/drop", true},
	{"aliases/describe", false}, {"aliases/list", false},
	{"databases/create", true}, {"databases/drop", true}, {"databases/alter", true},
	{"databases/drop_properties", true}, {"databases/describe", false}, {"databases/list", false},
}

// fuzzSeeds are valid and invalid bodies per route ("fz": quick form, dim 4,
// dynamic field; "fd": full schema, dim 2).
var fuzzSeeds = map[string][]string{
	"entities/insert": {
		`{"collectionName":"fz","data":[{"id":7,"vector":[1,2,3,4],"color":"red"}]}`,
		`{"collectionName":"fz","data":[{"id":8,"vector":[3.4e38,3.4e38,3.4e38,3.4e38]}]}`,
		`{"collectionName":"fz","data":[{"id":9,"vector":[1,2,3,4]},{"id":10,"vector":[1,2,3]}]}`,
		`{"collectionName":"fz","data":[{"id":-9223372036854775809,"vector":[1,2,3,4]}]}`,
		`{"collectionName":"fz","data":[{"id":9007199254740993.0,"vector":[1,2,3,4]}]}`,
		`{"collectionName":"fd","data":[{"id":1,"title":"héllo","n8":127,"big":"9007199254740993","f":0.5,"ok":true,"tags":["a"],"meta":{"k":[1,2]},"emb":[1,2]}]}`,
		`{"collectionName":"fd","data":[{"id":2,"title":"x","n8":128,"tags":[],"emb":[1,2]}]}`,
		"{\"collectionName\":\"fz\",\"data\":[{\"id\":11,\"vector\":[1,2,3,4],\"s\":\"\xff\"}]}",
		`{"collectionName":"fz","data":[{"id":12,"vector":[1,2,3,4],"distance":"\ud800"}]}`,
	},
	"entities/upsert": {
		`{"collectionName":"fz","data":[{"id":1,"vector":[4,3,2,1],"distance":5}]}`,
		`{"collectionName":"fz","data":[{"id":1,"vector":[4,3,2,"x"]}]}`,
	},
	"entities/delete": {
		`{"collectionName":"fz","filter":"id in [1, 2]"}`,
		`{"collectionName":"fz","filter":"id / 0 == 1"}`,
		`{"collectionName":"fz","filter":"id in {ids}","exprParams":{"ids":[3]}}`,
		`{"collectionName":"fz","filter":"id >"}`,
	},
	"entities/get": {
		`{"collectionName":"fz","id":[1,2,3],"outputFields":["*"]}`,
		`{"collectionName":"fz","id":9223372036854775808}`,
	},
	"entities/query": {
		`{"collectionName":"fz","filter":"id > 0","limit":10,"offset":1,"outputFields":["*"]}`,
		`{"collectionName":"fz","filter":"id > 0","limit":9223372036854775807,"offset":1}`,
		`{"collectionName":"fz","filter":"id * 9223372036854775807 > 0","outputFields":["count(*)"]}`,
		`{"collectionName":"fd","filter":"json_contains(meta[\"k\"], 1) and title like \"h%\"","consistencyLevel":"Strong"}`,
	},
	"entities/search": {
		`{"collectionName":"fz","data":[[1,2,3,4]],"limit":100,"outputFields":["*"]}`, // meets id 8's +Inf
		`{"collectionName":"fz","data":[[1,2,3,4],[4,3,2,1]],"limit":2,"offset":1,"filter":"id > 1","groupingField":"id"}`,
		`{"collectionName":"fz","data":[[1,2,3,4]],"limit":16384,"offset":1}`,
		`{"collectionName":"fz","ids":[1],"limit":2,"searchParams":{"metricType":"L2","params":{"radius":10}}}`,
		`{"collectionName":"fd","data":[[1,2]],"annsField":"emb","searchParams":{"params":{"ef":"8"}}}`,
	},
	"entities/hybrid_search": {
		`{"collectionName":"fz","search":[{"data":[[1,2,3,4]],"limit":3},{"data":[[4,3,2,1]],"limit":3,"filter":"id > 0"}],"rerank":{"strategy":"rrf","params":{"k":10}},"limit":2}`,
		`{"collectionName":"fz","search":[{"data":[[1,2,3,4]],"limit":3}],"rerank":{"strategy":"weighted","params":{"weights":[2]}}}`,
	},
	"collections/create": {
		`{"collectionName":"fx","dimension":4,"metricType":"L2"}`,
		`{"collectionName":"fy","dimension":"4"}`,
		`{"collectionName":"../x","dimension":4}`,
		`{"collectionName":"fw","schema":{"autoID":true,"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v","metricType":"IP","params":{"index_type":"FLAT"}}]}`,
	},
	"collections/drop":          {`{"collectionName":"fx"}`, `{"collectionName":"nope"}`},
	"collections/rename":        {`{"collectionName":"fx","newCollectionName":"fx2"}`, `{"collectionName":"fz","newCollectionName":"a/b"}`},
	"collections/describe":      {`{"collectionName":"fd"}`},
	"collections/load":          {`{"collectionName":"fz"}`},
	"partitions/create":         {`{"collectionName":"fz","partitionName":"p1"}`, `{"collectionName":"fz","partitionName":"😀"}`},
	"partitions/drop":           {`{"collectionName":"fz","partitionName":"p1"}`},
	"indexes/create":            {`{"collectionName":"fd","indexParams":[{"fieldName":"emb","indexName":"i2","metricType":"L2","params":{"index_type":"HNSW","M":8}}]}`},
	"indexes/drop":              {`{"collectionName":"fd","indexName":"emb"}`},
	"aliases/create":            {`{"collectionName":"fz","aliasName":"al"}`, `{"collectionName":"fz","aliasName":"a\u0000b"}`},
	"aliases/alter":             {`{"collectionName":"fd","aliasName":"al"}`},
	"aliases/drop":              {`{"aliasName":"al"}`},
	"databases/create":          {`{"dbName":"fdb","properties":{"k":"v","n":1}}`, `{"dbName":"9x"}`, `{"dbName":"fdb","properties":{"k":[1]}}`},
	"databases/drop":            {`{"dbName":"fdb"}`, `{"dbName":"default"}`},
	"databases/alter":           {`{"dbName":"fdb","properties":{"k":"w"}}`, `{"dbName":"nope","properties":{"k":"w"}}`},
	"databases/describe":        {`{"dbName":"fdb"}`, `{"dbName":""}`},
	"databases/drop_properties": {`{"dbName":"fdb","propertyKeys":["k"]}`},
	"collections/list":          {`{}`, `{"dbName":"other"}`, `{"dbName":"fdb"}`},
}

// fuzzState is what a failed mutating request must leave unchanged: every
// collection with its row count, partitions and indexes, and the aliases.
func fuzzState(t *testing.T, c client) string {
	var b strings.Builder
	names := decode[[]string](t, c.ok("collections/list", map[string]any{}))
	slices.Sort(names)
	for _, n := range names {
		parts := decode[[]string](t, c.ok("partitions/list", map[string]any{"collectionName": n}))
		idx := decode[[]string](t, c.ok("indexes/list", map[string]any{"collectionName": n}))
		slices.Sort(parts)
		fmt.Fprintf(&b, "%s rows=%d parts=%v indexes=%v\n", n, c.rowCount(n), parts, idx)
	}
	aliases := decode[[]string](t, c.ok("aliases/list", map[string]any{}))
	slices.Sort(aliases)
	fmt.Fprintf(&b, "aliases=%v", aliases)
	for _, db := range decode[[]string](t, c.ok("databases/list", map[string]any{})) {
		fmt.Fprintf(&b, "\ndatabase %s", c.ok("databases/describe", map[string]any{"dbName": db}))
	}
	return b.String()
}

// fuzzFixtures (re)creates "fz" and "fd" when a fuzzed request dropped or
// renamed them, and drops other collections beyond a handful so that the
// node does not slow down as the fuzzer creates them.
func fuzzFixtures(t *testing.T, c client) {
	names := decode[[]string](t, c.ok("collections/list", map[string]any{}))
	if !slices.Contains(names, "fz") {
		c.ok("collections/create", map[string]any{"collectionName": "fz", "dimension": 4, "metricType": "L2"})
		c.ok("entities/insert", map[string]any{"collectionName": "fz", "data": []any{
			map[string]any{"id": 1, "vector": []float32{1, 2, 3, 4}, "color": "red"},
			map[string]any{"id": 2, "vector": []float32{4, 3, 2, 1}, "distance": 3},
			map[string]any{"id": 3, "vector": []float32{0, 0, 0, 1}}}})
	}
	if !slices.Contains(names, "fd") {
		c.ok("collections/create", map[string]any{"collectionName": "fd", "schema": map[string]any{
			"enableDynamicField": true,
			"fields": []map[string]any{
				{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
				{"fieldName": "title", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 16}},
				{"fieldName": "n8", "dataType": "Int8", "nullable": true},
				{"fieldName": "big", "dataType": "Int64", "nullable": true},
				{"fieldName": "f", "dataType": "Float", "nullable": true},
				{"fieldName": "ok", "dataType": "Bool", "nullable": true},
				{"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar", "elementTypeParams": map[string]any{"max_capacity": 4, "max_length": 8}},
				{"fieldName": "meta", "dataType": "JSON", "nullable": true},
				{"fieldName": "emb", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 2}},
			}},
			"params": map[string]any{"shardsNum": 2}})
	}
	fuzzDatabases(t, c)
	const maxColls = 6
	for _, n := range names {
		if len(names) <= maxColls {
			break
		}
		if n != "fz" && n != "fd" {
			c.ok("collections/drop", map[string]any{"collectionName": n})
			names = slices.DeleteFunc(names, func(x string) bool { return x == n })
		}
	}
	for _, coll := range []string{"fz", "fd"} {
		parts := decode[[]string](t, c.ok("partitions/list", map[string]any{"collectionName": coll}))
		for _, p := range parts[min(len(parts), 4):] {
			c.ok("partitions/drop", map[string]any{"collectionName": coll, "partitionName": p})
		}
	}
}

// fuzzDatabases drops the databases a fuzzed request created beyond a
// handful, with their collections.
func fuzzDatabases(t *testing.T, c client) {
	const maxDBs = 4
	dbs := decode[[]string](t, c.ok("databases/list", map[string]any{}))
	for _, db := range dbs[min(len(dbs), maxDBs):] {
		for _, n := range decode[[]string](t, c.ok("collections/list", map[string]any{"dbName": db})) {
			c.ok("collections/drop", map[string]any{"dbName": db, "collectionName": n})
		}
		c.ok("databases/drop", map[string]any{"dbName": db})
	}
}

// FuzzHTTPBodies sends whole random request bodies to every route of a real
// standalone node (issue 10): no crash, never code 65535 or an HTTP 5xx,
// always a JSON envelope, and a mutating request that fails changes
// nothing. `make fuzz-short` runs it for 10 s, `make fuzz` for 2 min.
func FuzzHTTPBodies(f *testing.F) {
	for i, r := range fuzzRoutes {
		f.Add(uint8(i), []byte(`{}`))
		for _, body := range fuzzSeeds[r.path] {
			f.Add(uint8(i), []byte(body))
		}
	}
	srv, err := Start(testConfig(f.TempDir()), quietLogger())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Stop() })
	base := "http://" + srv.HTTPAddr()
	hc := &http.Client{Timeout: 30 * time.Second} // a hung request fails, not stalls
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		c := client{t: t, base: base}
		fuzzFixtures(t, c)
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		var before string
		if r.mutate {
			before = fuzzState(t, c)
		}
		resp, err := hc.Post(base+"/v2/vectordb/"+r.path, "text/plain", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v (node crashed?)", r.path, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env reply
		if err := json.Unmarshal(raw, &env); err != nil || resp.StatusCode >= 500 {
			t.Fatalf("%s %q: HTTP %d, body %q is not an envelope: %v", r.path, body, resp.StatusCode, raw, err)
		}
		if env.Code == 65535 {
			t.Fatalf("%s %q: code 65535: %s", r.path, body, env.Message)
		}
		if r.mutate && env.Code != 0 && env.Code != 3 {
			if after := fuzzState(t, c); after != before {
				t.Fatalf("%s %q failed with code %d (%s) but changed the state:\nbefore %s\nafter  %s",
					r.path, body, env.Code, env.Message, before, after)
			}
		}
	})
}
