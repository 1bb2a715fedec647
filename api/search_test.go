package api

import (
	"fmt"
	"strings"
	"testing"
)

// searchEnv has collection "c" (dim 2, given metric) with ids 1..10 at
// vector [i, 0] and a dynamic key g = i % 3.
func searchEnv(t *testing.T, metric string) *env {
	e := newEnv(t)
	e.quick("c", map[string]any{"metricType": metric})
	e.ok("collections/create", `{"collectionName":"g","schema":{"fields":[
		{"fieldName":"id","dataType":"Int64","isPrimary":true},
		{"fieldName":"grp","dataType":"Int64"},
		{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},
		"indexParams":[{"fieldName":"v","metricType":"`+metric+`"}]}`)
	var rows, grows []string
	for i := 1; i <= 10; i++ {
		rows = append(rows, fmt.Sprintf(`{"id":%d,"vector":[%d,0],"g":%d}`, i, i, i%3))
		grows = append(grows, fmt.Sprintf(`{"id":%d,"v":[%d,0],"grp":%d}`, i, i, i%3))
	}
	e.ok("entities/insert", `{"collectionName":"c","data":[`+strings.Join(rows, ",")+`]}`)
	e.ok("entities/insert", `{"collectionName":"g","data":[`+strings.Join(grows, ",")+`]}`)
	return e
}

// hitIDs renders search rows as "id:distance" pairs.
func hitIDs(t *testing.T, r resp) string {
	var out []string
	for _, row := range r.rows(t) {
		out = append(out, fmt.Sprintf("%v:%v", row["id"], row["distance"]))
	}
	return strings.Join(out, " ")
}

func TestSearchReduce(t *testing.T) {
	e := searchEnv(t, "L2")
	tests := []struct {
		name, body, want, topks string
	}{
		{"top3", `{"collectionName":"c","data":[[0,0]],"limit":3}`, "1:1 2:4 3:9", "[3]"},
		{"offset", `{"collectionName":"c","data":[[0,0]],"limit":3,"offset":2}`, "3:9 4:16 5:25", "[3]"},
		{"two queries", `{"collectionName":"c","data":[[10,0],[0,0]],"limit":2}`, "10:0 9:1 1:1 2:4", "[2,2]"},
		{"flat vector", `{"collectionName":"c","data":[5,0],"limit":1}`, "5:0", "[1]"},
		{"filter", `{"collectionName":"c","data":[[0,0]],"limit":2,"filter":"g == {g}","exprParams":{"g":0}}`, "3:9 6:36", "[2]"},
		{"range", `{"collectionName":"c","data":[[0,0]],"searchParams":{"metricType":"L2","params":{"radius":30,"range_filter":4}}}`, "2:4 3:9 4:16 5:25", "[4]"},
		{"range flat", `{"collectionName":"c","data":[[0,0]],"searchParams":{"radius":5}}`, "1:1 2:4", "[2]"},
		{"by ids", `{"collectionName":"c","ids":[4],"limit":2}`, "4:0 3:1", "[2]"},
		{"none", `{"collectionName":"c","data":[[0,0]],"filter":"id > 100"}`, "", "[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			r := e.ok("entities/search", tt.body)
			if got := hitIDs(t, r); got != tt.want {
				t.Errorf("hits %q, want %q", got, tt.want)
			}
			if js(r.Topks) != tt.topks {
				t.Errorf("topks %s, want %s", js(r.Topks), tt.topks)
			}
		})
	}
	s := e.f.searches[1]
	if s.TopK != 5 || s.Metric != "L2" || s.GroupField != -1 {
		t.Errorf("shard request %+v", s)
	}
	if s := e.f.searches[5]; s.Radius == nil || *s.Radius != 30 || *s.RangeFilter != 4 || len(s.SearchParams) != 0 {
		t.Errorf("range request %+v", s)
	}
}

func TestSearchOutputAndGrouping(t *testing.T) {
	e := searchEnv(t, "IP")
	r := e.ok("entities/search", `{"collectionName":"c","data":[[1,0]],"limit":2,"outputFields":["g","vector"]}`, headerAllowInt64, "true")
	if got := js(r.Data); got != `[{"distance":10,"g":1,"id":10,"vector":[10,0]},{"distance":9,"g":0,"id":9,"vector":[9,0]}]` {
		t.Errorf("output %s", got)
	}
	r = e.ok("entities/search", `{"collectionName":"g","data":[[1,0]],"limit":2,"groupingField":"grp","groupSize":2,"outputFields":["grp"]}`)
	var got []string
	for _, row := range r.rows(t) {
		got = append(got, fmt.Sprintf("%v/%v", row["id"], row["grp"]))
	}
	// Each shard returns its best 2 groups (shard of even ids: groups 1 and
	// 2, so id 6 of group 0 is not a candidate), as in Milvus.
	if strings.Join(got, " ") != "10/1 7/1 9/0 3/0" || js(r.Topks) != "[4]" {
		t.Errorf("grouped %v topks %v", got, r.Topks)
	}
	r = e.ok("entities/search", `{"collectionName":"g","data":[[1,0]],"limit":1,"offset":1,"groupingField":"grp"}`)
	if hitIDs(t, r) != "9:9" {
		t.Errorf("grouped offset %s", hitIDs(t, r))
	}
}

func TestSearchErrors(t *testing.T) {
	e := searchEnv(t, "COSINE")
	e.ok("collections/create", `{"collectionName":"two","schema":{"fields":[
		{"fieldName":"id","dataType":"Int64","isPrimary":true},
		{"fieldName":"a","dataType":"FloatVector","elementTypeParams":{"dim":2}},
		{"fieldName":"b","dataType":"FloatVector","elementTypeParams":{"dim":2}}]}}`)
	tests := []struct {
		name, body string
		code       int
		want       string
	}{
		{"wrong dim", `{"collectionName":"c","data":[[1,2,3]]}`, codeInvalid, "data[0]: vector has 3 dimensions, want dim 2"},
		{"metric mismatch", `{"collectionName":"c","data":[[1,2]],"searchParams":{"metricType":"L2"}}`, codeInvalid, "does not match"},
		{"window", `{"collectionName":"c","data":[[1,2]],"limit":16000,"offset":385}`, codeInvalid, "16384"},
		{"no data", `{"collectionName":"c"}`, codeMissingParam, "data"},
		{"both", `{"collectionName":"c","data":[[1,2]],"ids":[1]}`, codeInvalid, "not both"},
		{"missing id", `{"collectionName":"c","ids":[1,99]}`, codeInvalid, "ids[1]"},
		{"ambiguous anns", `{"collectionName":"two","data":[[1,2]]}`, codeMissingParam, "annsField"},
		{"unknown anns", `{"collectionName":"c","data":[[1,2]],"annsField":"x"}`, codeInvalid, "x"},
		{"scalar anns", `{"collectionName":"c","data":[[1,2]],"annsField":"id"}`, codeInvalid, "not a vector"},
		{"bad filter", `{"collectionName":"c","data":[[1,2]],"filter":"g >>> 1"}`, codeInvalid, "position"},
		{"bad range", `{"collectionName":"c","data":[[1,2]],"searchParams":{"params":{"radius":0.9,"range_filter":0.1}}}`, codeInvalid, "range_filter"},
		{"bad ef", `{"collectionName":"c","data":[[1,2]],"searchParams":{"params":{"ef":0}}}`, codeInvalid, "ef"},
		{"bad group field", `{"collectionName":"c","data":[[1,2]],"groupingField":"vector"}`, codeInvalid, "vector"},
		{"unknown output", `{"collectionName":"two","annsField":"a","data":[[1,2]],"outputFields":["zz"]}`, codeInvalid, "zz"},
		{"not found", `{"collectionName":"zz","data":[[1,2]]}`, codeCollectionNotFound, "zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			e.fail("entities/search", tt.body, tt.code, tt.want)
		})
	}
}

func TestHybridSearch(t *testing.T) {
	e := newEnv(t)
	e.ok("collections/create", `{"collectionName":"h","schema":{"fields":[
		{"fieldName":"id","dataType":"Int64","isPrimary":true},
		{"fieldName":"a","dataType":"FloatVector","elementTypeParams":{"dim":2}},
		{"fieldName":"b","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},
		"indexParams":[{"fieldName":"a","metricType":"L2"},{"fieldName":"b","metricType":"IP"}]}`)
	e.ok("entities/insert", `{"collectionName":"h","data":[{"id":1,"a":[0,0],"b":[0,1]},{"id":2,"a":[1,0],"b":[1,0]},{"id":3,"a":[5,0],"b":[2,0]}]}`)
	r := e.ok("entities/hybrid_search", `{"collectionName":"h","search":[
		{"data":[[0,0]],"annsField":"a","limit":3},{"data":[[1,0]],"annsField":"b","limit":3,"params":{"params":{"ef":10}}}],
		"rerank":{"strategy":"rrf","params":{"k":10}},"limit":2,"outputFields":["a"]}`)
	rows := r.rows(t)
	// a ranks 1,2,3; b ranks 3,2,1: 2 scores 2/12, 1 and 3 score 1/11+1/13.
	if len(rows) != 2 || rows[0]["id"] != "1" || rows[1]["id"] != "3" || js(r.Topks) != "[2]" || rows[0]["a"] == nil {
		t.Fatalf("rrf rows %s topks %v", js(rows), r.Topks)
	}
	if d := rows[0]["distance"]; fmt.Sprint(d) != fmt.Sprint(float32(1.0/11+1.0/13)) {
		t.Errorf("rrf score %v", d)
	}
	r = e.ok("entities/hybrid_search", `{"collectionName":"h","search":[
		{"data":[[0,0]],"annsField":"a"},{"data":[[1,0]],"annsField":"b"}],
		"rerank":{"strategy":"weighted","params":{"weights":[1,0]}},"limit":3}`)
	if got := hitIDs(t, r); !strings.HasPrefix(got, "1:1 2:") {
		t.Errorf("weighted %s", got)
	}
	for _, bad := range []struct{ body, want string }{
		{`{"collectionName":"h","search":[{"data":[[0,0]],"annsField":"a"}],"rerank":{"strategy":"weighted","params":{"weights":[1,2]}}}`, "weights"},
		{`{"collectionName":"h","search":[{"data":[[0,0]],"annsField":"a"}],"rerank":{"strategy":"max"}}`, "max"},
		{`{"collectionName":"h","search":[{"data":[[0,0]],"annsField":"a"},{"data":[[0,0],[1,1]],"annsField":"b"}]}`, "query vectors"},
		{`{"collectionName":"h","search":[{"data":[[0,0,0]],"annsField":"a"}]}`, "search[0].data"},
	} {
		e.fail("entities/hybrid_search", bad.body, codeInvalid, bad.want)
	}
	e.fail("entities/hybrid_search", `{"collectionName":"h"}`, codeMissingParam, "search")
}
