package api

import (
	"fmt"
	"strings"
	"testing"
)

func TestInsertInt64AsString(t *testing.T) {
	e := newEnv(t)
	e.fullDocs()
	big := "9007199254740993" // 2^53+1: not exact as a float64
	body := fmt.Sprintf(`{"collectionName":"docs","data":[{"id":%s,"title":"héllo","tags":[],"emb":[1,2],"big":%s,"extra":{"k":1}}]}`, big, big)
	r := e.ok("entities/insert", body)
	if got := js(r.Data); got != `{"insertCount":1,"insertIds":["9007199254740993"]}` {
		t.Errorf("insert %s", got)
	}
	if r.Header.Get(headerSessionToken) != "tok-1" {
		t.Errorf("session token header %q", r.Header.Get(headerSessionToken))
	}
	r = e.ok("entities/insert", `{"collectionName":"docs","data":{"id":"5","title":"x","tags":[],"emb":[0,0]}}`, headerAllowInt64, "true")
	if got := js(r.Data); got != `{"insertCount":1,"insertIds":[5]}` {
		t.Errorf("insert %s", got)
	}
	rows := e.ok("entities/get", `{"collectionName":"docs","id":["9007199254740993"],"outputFields":["*"]}`).rows(t)
	want := `[{"big":"9007199254740993","emb":[1,2],"extra":{"k":1},"f":null,"id":"9007199254740993","meta":null,"n32":7,"n8":null,"ok":null,"tags":[],"title":"héllo"}]`
	if got := js(rows); got != want {
		t.Errorf("get\n got %s\nwant %s", got, want)
	}
	rows = e.ok("entities/get", `{"collectionName":"docs","id":9007199254740993,"outputFields":["big","extra"]}`, headerAllowInt64, "true").rows(t)
	if got := js(rows); got != `[{"big":9007199254740993,"extra":{"k":1},"id":9007199254740993}]` {
		t.Errorf("get with int64 allowed %s", got)
	}
}

func TestInsertValuesRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.fullDocs()
	e.ok("entities/insert", `{"collectionName":"docs","data":[{"id":1,"title":"t","tags":["ab","cd"],"emb":[0.1,2],
		"n8":-128,"n32":3.0,"f":0.1,"ok":true,"meta":{"b":[1,2.5],"a":"x"},"color":"red"}]}`)
	rows := e.ok("entities/query", `{"collectionName":"docs","filter":"id == 1","outputFields":["n8","n32","f","ok","meta","tags","emb","color"]}`).rows(t)
	want := `[{"color":"red","emb":[0.1,2],"f":0.1,"id":"1","meta":{"a":"x","b":[1,2.5]},"n32":3,"n8":-128,"ok":true,"tags":["ab","cd"]}]`
	if got := js(rows); got != want {
		t.Errorf("query\n got %s\nwant %s", got, want)
	}
	w := e.f.writes[0].Rows
	s := &e.f.colls["docs"].col.Schema
	if got := string(w.Columns[s.DynamicIndex()].Raw[0]); got != `{"color":"red"}` {
		t.Errorf("$meta stored as %s", got)
	}
	if got := string(w.Columns[s.FieldIndex("meta")].Raw[0]); got != `{"a":"x","b":[1,2.5]}` {
		t.Errorf("JSON stored as %s", got)
	}
}

func TestInsertBadRowsWriteNothing(t *testing.T) {
	ok := `{"id":1,"title":"t","tags":[],"emb":[1,2]}`
	row := func(s string) string { return `{"collectionName":"docs","data":[` + ok + `,` + s + `]}` }
	tests := []struct {
		name, body string
		code       int
		want       string
	}{
		{"wrong dim", row(`{"id":2,"title":"t","tags":[],"emb":[1,2,3]}`), codeBadData, "row 1: field \"emb\": vector has 3 dimensions, want dim 2"},
		{"vector of strings", row(`{"id":2,"title":"t","tags":[],"emb":["a",2]}`), codeBadData, "emb"},
		{"string in Int32", row(`{"id":2,"title":"t","tags":[],"emb":[1,2],"n32":"5"}`), codeBadData, "n32"},
		{"fraction in Int32", row(`{"id":2,"title":"t","tags":[],"emb":[1,2],"n32":1.5}`), codeBadData, "n32"},
		{"Int8 overflow", row(`{"id":2,"title":"t","tags":[],"emb":[1,2],"n8":128}`), codeBadData, "range"},
		{"number in Bool", row(`{"id":2,"title":"t","tags":[],"emb":[1,2],"ok":1}`), codeBadData, "ok"},
		{"string in Float", row(`{"id":2,"title":"t","tags":[],"emb":[1,2],"f":"1"}`), codeBadData, "\"f\""},
		{"Float overflow", row(`{"id":2,"title":"t","tags":[],"emb":[1,2],"f":1e39}`), codeBadData, "Float range"},
		{"VarChar too long", row(`{"id":2,"title":"ééééééééé","tags":[],"emb":[1,2]}`), codeBadData, "9 characters exceeds max_length 8"},
		{"number in VarChar", row(`{"id":2,"title":5,"tags":[],"emb":[1,2]}`), codeBadData, "title"},
		{"array too long", row(`{"id":2,"title":"t","tags":["a","b","c"],"emb":[1,2]}`), codeBadData, "max_capacity"},
		{"array element type", row(`{"id":2,"title":"t","tags":[1],"emb":[1,2]}`), codeBadData, "element 0"},
		{"array element length", row(`{"id":2,"title":"t","tags":["abcde"],"emb":[1,2]}`), codeBadData, "max_length 4"},
		{"not an array", row(`{"id":2,"title":"t","tags":"a","emb":[1,2]}`), codeBadData, "tags"},
		{"missing field", row(`{"id":2,"tags":[],"emb":[1,2]}`), codeBadData, "missing required field \"title\""},
		{"missing vector", row(`{"id":2,"title":"t","tags":[]}`), codeBadData, "emb"},
		{"missing pk", row(`{"title":"t","tags":[],"emb":[1,2]}`), codeBadData, "\"id\""},
		{"null not nullable", row(`{"id":2,"title":null,"tags":[],"emb":[1,2]}`), codeBadData, "not nullable"},
		{"reserved key", row(`{"id":2,"title":"t","tags":[],"emb":[1,2],"$meta":{}}`), codeBadData, "reserved"},
		{"duplicate pk", row(ok), codeBadData, "duplicate primary key 1"},
		{"bad pk string", row(`{"id":"x1","title":"t","tags":[],"emb":[1,2]}`), codeBadData, "id"},
		{"row not object", row(`[1]`), codeBadData, "row 1"},
		{"empty data", `{"collectionName":"docs","data":[]}`, codeBadData, "empty"},
		{"no data", `{"collectionName":"docs"}`, codeMissingParam, "data"},
		{"data scalar", `{"collectionName":"docs","data":5}`, codeBadData, "data"},
		{"unknown collection", `{"collectionName":"nope","data":[` + ok + `]}`, codeCollectionNotFound, "nope"},
		{"unknown partition", `{"collectionName":"docs","partitionName":"p9","data":[` + ok + `]}`, codePartitionNotFound, "p9"},
		{"existing pk", `{"collectionName":"docs","data":[{"id":100,"title":"t","tags":[],"emb":[1,2]}]}`, codeBadData, "100"},
	}
	e := newEnv(t)
	e.fullDocs()
	e.ok("entities/insert", `{"collectionName":"docs","data":[{"id":100,"title":"t","tags":[],"emb":[1,2]}]}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			before := e.f.writeCount()
			e.fail("entities/insert", tt.body, tt.code, tt.want)
			if tt.name != "existing pk" && e.f.writeCount() != before {
				t.Errorf("a rejected insert reached the backend")
			}
		})
	}
}

func TestNoDynamicAndAutoID(t *testing.T) {
	e := newEnv(t)
	e.ok("collections/create", `{"collectionName":"s","schema":{"autoID":true,"fields":[
		{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]}}`)
	e.fail("entities/insert", `{"collectionName":"s","data":[{"v":[1,2],"other":1}]}`, codeBadData, "field \"other\" is not in the schema and the dynamic field is disabled")
	e.fail("entities/insert", `{"collectionName":"s","data":[{"id":1,"v":[1,2]}]}`, codeBadData, "autoID")
	if e.f.writeCount() != 0 {
		t.Fatal("bad inserts were written")
	}
	r := e.ok("entities/insert", `{"collectionName":"s","data":[{"v":[1,2]},{"v":[3,4]}]}`)
	if got := js(r.Data); got != `{"insertCount":2,"insertIds":["1000","1001"]}` {
		t.Errorf("auto ids %s", got)
	}
	// upsert needs the pk even with autoID.
	e.fail("entities/upsert", `{"collectionName":"s","data":[{"v":[1,2]}]}`, codeBadData, "missing required field \"id\"")
	r = e.ok("entities/upsert", `{"collectionName":"s","data":[{"id":"1000","v":[9,9]}]}`)
	if got := js(r.Data); got != `{"upsertCount":1,"upsertIds":["1000"]}` {
		t.Errorf("upsert %s", got)
	}
	rows := e.ok("entities/get", `{"collectionName":"s","id":1000}`).rows(t)
	if got := js(rows); got != `[{"id":"1000","v":[9,9]}]` {
		t.Errorf("after upsert %s", got)
	}
}

func TestQueryAcrossShards(t *testing.T) {
	e := newEnv(t)
	e.quick("c", map[string]any{"metricType": "L2"})
	var rows []string
	for i := 1; i <= 9; i++ {
		rows = append(rows, fmt.Sprintf(`{"id":%d,"vector":[%d,0],"n":%d}`, i, i, i*10))
	}
	e.ok("entities/insert", `{"collectionName":"c","data":[`+strings.Join(rows, ",")+`]}`)
	ids := func(r resp) string {
		var out []string
		for _, row := range r.rows(t) {
			out = append(out, row["id"].(string))
		}
		return strings.Join(out, ",")
	}
	tests := []struct{ body, want string }{
		{`{"collectionName":"c","filter":"n >= 30","limit":3,"offset":1}`, "4,5,6"},
		{`{"collectionName":"c","filter":"id in [9, 2, 5]"}`, "2,5,9"},
		{`{"collectionName":"c","filter":"n > {x}","exprParams":{"x":70}}`, "8,9"},
		{`{"collectionName":"c","limit":2}`, "1,2"},
		{`{"collectionName":"c","filter":"","limit":20,"offset":7}`, "8,9"},
	}
	for _, tt := range tests {
		if got := ids(e.ok("entities/query", tt.body)); got != tt.want {
			t.Errorf("%s: got %s want %s", tt.body, got, tt.want)
		}
	}
	q := e.f.queries[0]
	if q.Limit != 4 || q.Filter != "n >= 30" {
		t.Errorf("per-shard query %+v", q)
	}
	if got := js(e.ok("entities/query", `{"collectionName":"c","filter":"n > 40","outputFields":["count(*)"]}`).Data); got != `[{"count(*)":5}]` {
		t.Errorf("count %s", got)
	}
	row := e.ok("entities/query", `{"collectionName":"c","filter":"id == 3","outputFields":["n"]}`).rows(t)
	if js(row) != `[{"id":"3","n":30}]` {
		t.Errorf("dynamic output field %s", js(row))
	}
	for _, bad := range []struct {
		body string
		code int
		want string
	}{
		{`{"collectionName":"c","filter":"n >"}`, codeInvalid, "position"},
		{`{"collectionName":"c","limit":16000,"offset":1000}`, codeInvalid, "16384"},
		{`{"collectionName":"c","limit":-1}`, codeInvalid, "negative"},
		{`{"collectionName":"c","outputFields":["count(*)","n"]}`, codeInvalid, "count(*)"},
		{`{"collectionName":"c","partitionNames":["nope"]}`, codePartitionNotFound, "nope"},
		{`{"collectionName":"c","consistencyLevel":"Weak"}`, codeInvalid, "Weak"},
		{`{"collectionName":"c","limit":"ten"}`, codeInvalid, "limit"},
	} {
		e.fail("entities/query", bad.body, bad.code, bad.want)
	}
}

func TestUnknownOutputFieldWithoutDynamic(t *testing.T) {
	e := newEnv(t)
	e.quick("c", map[string]any{"params": map[string]any{"enableDynamicField": false}})
	e.fail("entities/query", `{"collectionName":"c","filter":"id > 0","outputFields":["nope"]}`, codeInvalid, "nope")
}

func TestGetAndDelete(t *testing.T) {
	e := newEnv(t)
	e.quick("c", map[string]any{"idType": "VarChar", "params": map[string]any{"max_length": 8}})
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":"a","vector":[1,0]},{"id":"bb","vector":[0,1]},{"id":"ccc","vector":[1,1]}]}`)
	if got := js(e.ok("entities/get", `{"collectionName":"c","id":["ccc","a","zz"],"outputFields":["vector"]}`).Data); got != `[{"id":"a","vector":[1,0]},{"id":"ccc","vector":[1,1]}]` {
		t.Errorf("get %s", got)
	}
	e.fail("entities/get", `{"collectionName":"c"}`, codeMissingParam, "id")
	e.fail("entities/get", `{"collectionName":"c","id":[1]}`, codeInvalid, "id[0]")
	e.fail("entities/delete", `{"collectionName":"c"}`, codeMissingParam, "filter")
	e.fail("entities/delete", `{"collectionName":"c","filter":"id in ["}`, codeInvalid, "filter")
	e.fail("entities/delete", `{"collectionName":"zz","filter":"id == \"a\""}`, codeCollectionNotFound, "zz")
	if got := js(e.ok("entities/delete", `{"collectionName":"c","filter":"id in [\"a\", \"bb\"]"}`).Data); got != `{"deleteCount":2}` {
		t.Errorf("delete %s", got)
	}
	if got := js(e.ok("collections/get_stats", `{"collectionName":"c"}`).Data); got != `{"rowCount":1}` {
		t.Errorf("stats after delete %s", got)
	}
}
