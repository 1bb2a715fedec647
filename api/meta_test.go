package api

import "testing"

func TestPartitions(t *testing.T) {
	e := newEnv(t)
	e.quick("c", nil)
	e.ok("partitions/create", `{"collectionName":"c","partitionName":"p1"}`)
	e.fail("partitions/create", `{"collectionName":"c","partitionName":"p1"}`, codeInvalid, "p1")
	e.fail("partitions/create", `{"collectionName":"c"}`, codeMissingParam, "partitionName")
	e.fail("partitions/create", `{"collectionName":"zz","partitionName":"p"}`, codeCollectionNotFound, "zz")
	if got := js(e.ok("partitions/list", `{"collectionName":"c"}`).Data); got != `["_default","p1"]` {
		t.Errorf("list %s", got)
	}
	if got := js(e.ok("partitions/has", `{"collectionName":"c","partitionName":"p1"}`).Data); got != `{"has":true}` {
		t.Errorf("has %s", got)
	}
	if got := js(e.ok("partitions/has", `{"collectionName":"c","partitionName":"p2"}`).Data); got != `{"has":false}` {
		t.Errorf("has %s", got)
	}
	e.ok("entities/insert", `{"collectionName":"c","partitionName":"p1","data":[{"id":1,"vector":[1,1]}]}`)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":2,"vector":[1,1]}]}`)
	if got := js(e.ok("partitions/get_stats", `{"collectionName":"c","partitionName":"p1"}`).Data); got != `{"rowCount":1}` {
		t.Errorf("stats %s", got)
	}
	rows := e.ok("entities/query", `{"collectionName":"c","partitionNames":["p1"],"outputFields":["id"]}`).rows(t)
	if js(rows) != `[{"id":"1"}]` {
		t.Errorf("partition query %s", js(rows))
	}
	e.ok("partitions/load", `{"collectionName":"c","partitionNames":["p1","_default"]}`)
	e.ok("partitions/release", `{"collectionName":"c","partitionNames":["p1"]}`)
	e.fail("partitions/load", `{"collectionName":"c","partitionNames":["p9"]}`, codePartitionNotFound, "p9")
	e.fail("partitions/load", `{"collectionName":"c"}`, codeMissingParam, "partitionNames")
	e.fail("partitions/get_stats", `{"collectionName":"c","partitionName":"p9"}`, codePartitionNotFound, "p9")
	e.fail("partitions/drop", `{"collectionName":"c","partitionName":"_default"}`, codeInvalid, "_default")
	e.ok("partitions/drop", `{"collectionName":"c","partitionName":"p1"}`)
	e.fail("partitions/drop", `{"collectionName":"c","partitionName":"p1"}`, codePartitionNotFound, "p1")
}

func TestIndexes(t *testing.T) {
	e := newEnv(t)
	e.ok("collections/create", `{"collectionName":"c","schema":{"fields":[
		{"fieldName":"id","dataType":"Int64","isPrimary":true},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]}}`)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"v":[1,1]},{"id":2,"v":[1,2]}]}`)
	e.ok("indexes/create", `{"collectionName":"c","indexParams":[{"fieldName":"v","indexName":"vi","metricType":"ip","params":{"index_type":"HNSW","M":"8","efConstruction":64}}]}`)
	ix := e.f.colls["c"].col.Indexes[0]
	if ix.MetricType != "IP" || ix.IndexType != "HNSW" || ix.Params["M"] != "8" || ix.Params["efConstruction"] != "64" {
		t.Errorf("index %+v", ix)
	}
	want := `[{"failReason":"","fieldName":"v","indexLagSeconds":0,"indexName":"vi","indexState":"Finished","indexType":"HNSW","indexedRows":2,"metricType":"IP","pendingRows":0,"totalRows":2}]`
	if got := js(e.ok("indexes/describe", `{"collectionName":"c","indexName":"vi"}`).Data); got != want {
		t.Errorf("describe\n got %s\nwant %s", got, want)
	}
	if got := js(e.ok("indexes/list", `{"collectionName":"c"}`).Data); got != `["vi"]` {
		t.Errorf("list %s", got)
	}
	e.fail("indexes/create", `{"collectionName":"c","indexParams":[{"fieldName":"v"}]}`, codeInvalid, "v")
	e.fail("indexes/create", `{"collectionName":"c"}`, codeMissingParam, "indexParams")
	e.fail("indexes/create", `{"collectionName":"c","indexParams":[{"fieldName":"v","params":{"index_type":"IVF_FLAT","nlist":0}}]}`, codeInvalid, "nlist")
	e.fail("indexes/describe", `{"collectionName":"c","indexName":"nope"}`, codeIndexNotFound, "nope")
	e.fail("indexes/drop", `{"collectionName":"c"}`, codeMissingParam, "indexName")
	e.ok("indexes/drop", `{"collectionName":"c","indexName":"vi"}`)
	e.fail("indexes/drop", `{"collectionName":"c","indexName":"vi"}`, codeIndexNotFound, "vi")
	if got := js(e.ok("indexes/list", `{"collectionName":"c"}`).Data); got != `[]` {
		t.Errorf("list after drop %s", got)
	}
}

func TestAliases(t *testing.T) {
	e := newEnv(t)
	e.quick("a", nil)
	e.quick("b", nil)
	e.ok("aliases/create", `{"aliasName":"al","collectionName":"a"}`)
	e.fail("aliases/create", `{"aliasName":"al","collectionName":"a"}`, codeInvalid, "al")
	e.fail("aliases/create", `{"aliasName":"x"}`, codeMissingParam, "collectionName")
	e.fail("aliases/create", `{"collectionName":"a"}`, codeMissingParam, "aliasName")
	if got := js(e.ok("aliases/describe", `{"aliasName":"al"}`).Data); got != `{"aliasName":"al","collectionName":"a","dbName":"default"}` {
		t.Errorf("describe %s", got)
	}
	if d := e.ok("collections/describe", `{"collectionName":"al"}`).obj(t); d["collectionName"] != "a" {
		t.Errorf("describe via alias %v", d["collectionName"])
	}
	e.ok("aliases/alter", `{"aliasName":"al","collectionName":"b"}`)
	if got := js(e.ok("aliases/list", `{"collectionName":"b"}`).Data); got != `["al"]` {
		t.Errorf("list %s", got)
	}
	if got := js(e.ok("aliases/list", `{"collectionName":"a"}`).Data); got != `[]` {
		t.Errorf("list %s", got)
	}
	e.ok("aliases/drop", `{"aliasName":"al"}`)
	e.fail("aliases/describe", `{"aliasName":"al"}`, codeAliasNotFound, "al")
	e.fail("aliases/alter", `{"aliasName":"al","collectionName":"a"}`, codeAliasNotFound, "al")
}
