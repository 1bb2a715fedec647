package api

import (
	"testing"
)

func TestQuickCreateDefaultsAndDescribe(t *testing.T) {
	e := newEnv(t)
	e.ok("collections/create", `{"collectionName":"q","dimension":4}`)
	d := e.ok("collections/describe", `{"collectionName":"q"}`).obj(t)
	want := map[string]string{
		"collectionName": `"q"`, "collectionID": `401`, "autoId": `false`, "description": `""`,
		"load": `"LoadStateLoaded"`, "shardsNum": `1`, "partitionsNum": `1`,
		"consistencyLevel": `"Bounded"`, "enableDynamicField": `true`, "properties": `[]`,
		"indexes": `[{"fieldName":"vector","indexName":"vector","metricType":"COSINE"}]`,
		"fields": `[{"autoId":false,"description":"","id":100,"name":"id","nullable":false,"partitionKey":false,"primaryKey":true,"type":"Int64"},` +
			`{"autoId":false,"description":"","id":101,"name":"vector","nullable":false,"params":[{"key":"dim","value":"4"}],"partitionKey":false,"primaryKey":false,"type":"FloatVector"}]`,
	}
	for k, v := range want {
		if got := js(d[k]); got != v {
			t.Errorf("describe %s = %s, want %s", k, got, v)
		}
	}
	c := e.f.colls["q"].col
	if c.Indexes[0].IndexType != "AUTOINDEX" || !c.Loaded || c.ShardsNum != 1 {
		t.Errorf("backend got %+v", c)
	}
}

func TestQuickCreateOptions(t *testing.T) {
	e := newEnv(t)
	e.ok("collections/create", `{"collectionName":"v","dimension":3,"metricType":"l2","idType":"VarChar",
		"primaryFieldName":"pk","vectorFieldName":"emb","autoID":false,"params":{"max_length":"16","shardsNum":2,"consistencyLevel":"Strong"}}`)
	c := e.f.colls["v"].col
	pk := c.Schema.Primary()
	if pk.Name != "pk" || pk.MaxLength != 16 || c.Schema.Fields[1].Name != "emb" || c.Schema.Fields[1].Dim != 3 {
		t.Errorf("schema %+v", c.Schema)
	}
	if c.Indexes[0].MetricType != "L2" || c.ShardsNum != 2 || c.Consistency != "Strong" {
		t.Errorf("collection %+v", c)
	}
}

func TestFullCreateAndDescribe(t *testing.T) {
	e := newEnv(t)
	e.fullDocs()
	d := e.ok("collections/describe", `{"collectionName":"docs","dbName":"default"}`).obj(t)
	fields := d["fields"].([]any)
	if len(fields) != 10 {
		t.Fatalf("%d fields ($meta must not be listed): %s", len(fields), js(fields))
	}
	tags := fields[7].(map[string]any)
	if js(tags["params"]) != `[{"key":"max_length","value":"4"},{"key":"max_capacity","value":"2"}]` || tags["elementType"] != "VarChar" {
		t.Errorf("tags field %s", js(tags))
	}
	if js(fields[8].(map[string]any)["nullable"]) != "true" {
		t.Errorf("meta field %s", js(fields[8]))
	}
	if js(d["indexes"]) != `[{"fieldName":"emb","indexName":"emb_idx","metricType":"L2"}]` ||
		js(d["shardsNum"]) != "2" || d["consistencyLevel"] != "Strong" || d["load"] != "LoadStateLoaded" {
		t.Errorf("describe %s", js(d))
	}
	ix := e.f.colls["docs"].col.Indexes[0]
	if ix.IndexType != "HNSW" || ix.Params["M"] != "16" || ix.Params["efConstruction"] != "200" {
		t.Errorf("index %+v", ix)
	}
	if s := e.f.colls["docs"].col.Schema; s.DynamicIndex() != 10 || s.Fields[3].Default != int64(7) {
		t.Errorf("schema %+v", s)
	}
}

func TestFullCreateVariants(t *testing.T) {
	e := newEnv(t)
	// Node SDK's misspelling, no indexParams: created, not loaded.
	e.ok("collections/create", `{"collectionName":"n","schema":{"enabledDynamicField":true,"fields":[
		{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]}}`)
	c := e.f.colls["n"].col
	if !c.Schema.EnableDynamic || c.Loaded || len(c.Indexes) != 0 {
		t.Errorf("collection %+v", c)
	}
	d := e.ok("collections/get_load_state", `{"collectionName":"n"}`).obj(t)
	if d["loadState"] != "LoadStateNotLoad" {
		t.Errorf("load state %v", d)
	}
	// Case-insensitive keys and top-level indexType.
	e.ok("collections/create", `{"COLLECTIONNAME":"ci","Schema":{"AutoId":true,"Fields":[
		{"FieldName":"id","DataType":"Int64","IsPrimary":true},{"fieldname":"v","datatype":"FloatVector","ElementTypeParams":{"DIM":2}}]},
		"indexParams":[{"fieldName":"v","indexType":"IVF_FLAT","metricType":"IP","params":{"nlist":8}}]}`)
	c = e.f.colls["ci"].col
	if !c.Schema.AutoID || c.Indexes[0].IndexType != "IVF_FLAT" || c.Indexes[0].Name != "v" || !c.Loaded {
		t.Errorf("collection %+v", c)
	}
}

func TestCreateErrors(t *testing.T) {
	field := func(f string) string {
		return `{"collectionName":"x","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},` + f + `]}}`
	}
	vec := `{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}`
	tests := []struct {
		name, body string
		code       int
		want       string
	}{
		{"no name", `{"dimension":2}`, codeMissingParam, "collectionName"},
		{"no dimension", `{"collectionName":"x"}`, codeMissingParam, "dimension"},
		{"bad dimension", `{"collectionName":"x","dimension":0}`, codeInvalid, "dimension"},
		{"dimension not a number", `{"collectionName":"x","dimension":"abc"}`, codeInvalid, "abc"},
		{"dimension fraction", `{"collectionName":"x","dimension":2.5}`, codeInvalid, "2.5"},
		{"bad metric", `{"collectionName":"x","dimension":2,"metricType":"HAMMING"}`, codeInvalid, "HAMMING"},
		{"varchar id without max_length", `{"collectionName":"x","dimension":2,"idType":"VarChar"}`, codeMissingParam, "max_length"},
		{"bad idType", `{"collectionName":"x","dimension":2,"idType":"Int32"}`, codeInvalid, "Int32"},
		{"bad consistency", `{"collectionName":"x","dimension":2,"params":{"consistencyLevel":"Weak"}}`, codeInvalid, "Weak"},
		{"bad shardsNum", `{"collectionName":"x","dimension":2,"params":{"shardsNum":100}}`, codeInvalid, "shardsNum"},
		{"lowercase dataType", field(`{"fieldName":"v","dataType":"floatvector","elementTypeParams":{"dim":2}}`), codeInvalid, "floatvector"},
		{"no vector", field(`{"fieldName":"t","dataType":"VarChar","elementTypeParams":{"max_length":5}}`), codeInvalid, "vector"},
		{"no dim", field(`{"fieldName":"v","dataType":"FloatVector"}`), codeMissingParam, "dim"},
		{"varchar no max_length", field(vec + `,{"fieldName":"t","dataType":"VarChar"}`), codeInvalid, "max_length"},
		{"bad dim string", field(`{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":"abc"}}`), codeInvalid, "dim"},
		{"bad default", field(vec + `,{"fieldName":"n","dataType":"Int8","defaultValue":1000}`), codeInvalid, "defaultValue"},
		{"bad index type", `{"collectionName":"x","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},` + vec + `]},"indexParams":[{"fieldName":"v","indexType":"DISKANN"}]}`, codeInvalid, "DISKANN"},
		{"scalar index with a metric", `{"collectionName":"x","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},` + vec + `]},"indexParams":[{"fieldName":"id","metricType":"L2"}]}`, codeInvalid, "metricType"},
		{"STL_SORT on VarChar", `{"collectionName":"x","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"s","dataType":"VarChar","elementTypeParams":{"max_length":4}},` + vec + `]},"indexParams":[{"fieldName":"s","indexType":"STL_SORT"}]}`, codeInvalid, "STL_SORT"},
		{"bad M", `{"collectionName":"x","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},` + vec + `]},"indexParams":[{"fieldName":"v","params":{"index_type":"HNSW","M":1}}]}`, codeInvalid, "M"},
		{"other database", `{"collectionName":"x","dimension":2,"dbName":"prod"}`, codeDatabaseNotFound, "prod"},
		{"not json", `{"collectionName":`, codeBadJSON, "not valid JSON"},
		{"wrong json type", `{"collectionName":5}`, codeInvalid, "collectionName"},
		{"array body", `[1]`, codeBadJSON, "object"},
		{"exists", `{"collectionName":"dup","dimension":2}`, codeInvalid, "dup"},
	}
	e := newEnv(t)
	e.quick("dup", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			e.fail("collections/create", tt.body, tt.code, tt.want)
		})
	}
}

func TestCollectionRoutes(t *testing.T) {
	e := newEnv(t)
	e.quick("a", nil)
	e.quick("b", nil)
	if got := js(e.ok("collections/list", "").Data); got != `["a","b"]` {
		t.Errorf("list %s", got)
	}
	if got := js(e.ok("collections/has", `{"collectionName":"a"}`).Data); got != `{"has":true}` {
		t.Errorf("has %s", got)
	}
	if got := js(e.ok("collections/has", `{"collectionName":"zz"}`).Data); got != `{"has":false}` {
		t.Errorf("has %s", got)
	}
	e.ok("collections/release", `{"collectionName":"a"}`)
	if got := js(e.ok("collections/get_load_state", `{"collectionName":"a"}`).Data); got != `{"loadProgress":0,"loadState":"LoadStateNotLoad"}` {
		t.Errorf("load state %s", got)
	}
	e.ok("collections/load", `{"collectionName":"a"}`)
	e.ok("collections/refresh_load", `{"collectionName":"a"}`)
	if got := js(e.ok("collections/get_load_state", `{"collectionName":"a"}`).Data); got != `{"loadProgress":100,"loadState":"LoadStateLoaded"}` {
		t.Errorf("load state %s", got)
	}
	e.ok("entities/insert", `{"collectionName":"a","data":[{"id":1,"vector":[1,0]},{"id":2,"vector":[0,1]}]}`)
	if got := js(e.ok("collections/get_stats", `{"collectionName":"a"}`).Data); got != `{"rowCount":2}` {
		t.Errorf("stats %s", got)
	}
	e.ok("collections/flush", `{"collectionName":"a"}`)
	if got := js(e.ok("collections/compact", `{"collectionName":"a"}`).Data); got != `{"compactionID":77}` {
		t.Errorf("compact %s", got)
	}
	want := `{"compactionID":77,"completedPlanNumber":1,"executingPlanNumber":0,"state":"Completed"}`
	for _, body := range []string{`{"jobID":77}`, `{"compactionID":"77"}`} {
		if got := js(e.ok("collections/get_compaction_state", body).Data); got != want {
			t.Errorf("compaction state %s", got)
		}
	}
	e.fail("collections/get_compaction_state", `{}`, codeMissingParam, "jobID")
	e.ok("collections/rename", `{"collectionName":"a","newCollectionName":"c"}`)
	e.fail("collections/rename", `{"collectionName":"b"}`, codeMissingParam, "newCollectionName")
	e.fail("collections/rename", `{"collectionName":"b","newCollectionName":"c"}`, codeInvalid, "c")
	e.ok("collections/drop", `{"collectionName":"c"}`)
	for _, route := range []string{"describe", "drop", "load", "release", "get_load_state", "get_stats", "flush", "compact"} {
		e.fail("collections/"+route, `{"collectionName":"c"}`, codeCollectionNotFound, `"c"`)
		e.fail("collections/"+route, `{}`, codeMissingParam, "collectionName")
	}
}
