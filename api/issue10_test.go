package api

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// vecs renders n query vectors of dim 2.
func vecs(n int) string {
	v := make([]string, n)
	for i := range v {
		v[i] = "[1,0]"
	}
	return "[" + strings.Join(v, ",") + "]"
}

// TestSearchResultsBounded (issue 10, defect 4): nq × (offset+limit) is
// bounded per request, and nothing is sent to a shard when it is exceeded.
func TestSearchResultsBounded(t *testing.T) {
	e := searchEnv(t, "L2")
	tests := []struct {
		name, path, body string
		ok               bool
	}{
		{"issue: nq 10000 × limit 1000", "entities/search", `{"collectionName":"c","data":` + vecs(10000) + `,"limit":1000}`, false},
		{"at the bound", "entities/search", `{"collectionName":"c","data":` + vecs(16) + `,"limit":16384}`, true},
		{"one vector over", "entities/search", `{"collectionName":"c","data":` + vecs(17) + `,"limit":16384}`, false},
		{"offset counts", "entities/search", `{"collectionName":"c","data":` + vecs(16) + `,"limit":16000,"offset":384}`, true},
		{"offset over", "entities/search", `{"collectionName":"c","data":` + vecs(17) + `,"limit":16000,"offset":384}`, false},
		{"by ids", "entities/search", `{"collectionName":"c","ids":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17],"limit":16384}`, false},
		{"hybrid sub-searches add up", "entities/hybrid_search", `{"collectionName":"c","search":[
			{"data":` + vecs(10) + `,"limit":16384},{"data":` + vecs(10) + `,"limit":16384}],"limit":10}`, false},
		{"hybrid final window", "entities/hybrid_search", `{"collectionName":"c","search":[
			{"data":` + vecs(17) + `,"limit":10}],"limit":16384}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			before := len(e.f.searches) + len(e.f.queries)
			if tt.ok {
				e.ok(tt.path, tt.body)
				return
			}
			e.fail(tt.path, tt.body, codeInvalid, "at most 262144")
			if n := len(e.f.searches) + len(e.f.queries); n != before {
				t.Errorf("%d shard requests sent for a refused search", n-before)
			}
		})
	}
}

// TestReplySizeBounded (issue 10, defect 4): the rows of a query, get or
// search reply are bounded in size; get is bounded in ids.
func TestReplySizeBounded(t *testing.T) {
	e := searchEnv(t, "L2")
	defer func(n int) { maxReplyBytes = n }(maxReplyBytes)
	maxReplyBytes = 200
	e.fail("entities/query", `{"collectionName":"c","filter":"id > 0","limit":10}`, codeInvalid, "reply too large")
	e.fail("entities/get", `{"collectionName":"c","id":[1,2,3,4,5,6,7,8]}`, codeInvalid, "reply too large")
	e.fail("entities/search", `{"collectionName":"c","data":[[0,0]],"limit":10,"outputFields":["*"]}`, codeInvalid, "reply too large")
	e.ok("entities/query", `{"collectionName":"c","filter":"id > 0","limit":1}`)
	maxReplyBytes = defaultMaxReplyBytes
	ids := strings.TrimSuffix(strings.Repeat("1,", maxWindow+1), ",")
	e.fail("entities/get", `{"collectionName":"c","id":[`+ids+`]}`, codeInvalid, "too many primary keys")
}

// TestWindowOverflow (issue 10, defect 7): offset+limit cannot overflow past
// the window check.
func TestWindowOverflow(t *testing.T) {
	e := searchEnv(t, "L2")
	for _, path := range []string{"entities/query", "entities/search"} {
		for _, w := range []string{
			`"limit":9223372036854775807,"offset":1`,
			`"limit":1,"offset":9223372036854775807`,
			`"limit":4611686018427387904,"offset":4611686018427387904`,
		} {
			body := `{"collectionName":"c","filter":"id > 0","data":[[0,0]],` + w + `}`
			before := len(e.f.searches) + len(e.f.queries)
			e.fail(path, body, codeInvalid, "must be at most 16384")
			if n := len(e.f.searches) + len(e.f.queries); n != before {
				t.Errorf("%s %s: shard request sent", path, w)
			}
		}
	}
	e.fail("entities/hybrid_search", `{"collectionName":"c","search":[{"data":[[0,0]],"limit":9223372036854775807}],"limit":1,"offset":1}`,
		codeInvalid, "must be at most 16384")
}

// TestOverflowingDistance (issue 10, defect 5): a distance beyond the
// float32 range is answered as the largest float32, never a 65535.
func TestOverflowingDistance(t *testing.T) {
	tests := []struct {
		metric string
		want   float64 // every hit's distance
	}{
		{"L2", math.MaxFloat32},  // +Inf: squared L2 overflows
		{"IP", -math.MaxFloat32}, // -Inf: inner product overflows
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			e := newEnv(t)
			e.quick("c", map[string]any{"metricType": tt.metric})
			e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[3.4e38,3.4e38]},{"id":2,"vector":[1,1]}]}`)
			rows := e.ok("entities/search", `{"collectionName":"c","data":[[-3.4e38,-3.4e38]],"limit":2}`).rows(t)
			if len(rows) != 2 {
				t.Fatalf("rows %v", rows)
			}
			for _, row := range rows {
				d, err := strconv.ParseFloat(fmt.Sprint(row["distance"]), 64)
				if err != nil || float32(d) != float32(tt.want) {
					t.Errorf("id %v distance %v, want %v", row["id"], row["distance"], float32(tt.want))
				}
			}
		})
	}
	e := newEnv(t)
	e.quick("c", nil)
	e.fail("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[3.5e38,1]}]}`, codeBadData, "out of the Float range")
	e.fail("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1e400,1]}]}`, codeBadData, "out of range")
	e.fail("entities/search", `{"collectionName":"c","data":[[3.5e38,1]]}`, codeInvalid, "out of the Float range")
	if e.f.writeCount() != 0 {
		t.Errorf("a bad vector was written")
	}
}

// TestInt64Exact (issue 10, defect 6): an Int64 value (primary key, Int64
// field, id of get/search) that is not exactly an int64 is refused, never
// rounded through float64.
func TestInt64Exact(t *testing.T) {
	e := newEnv(t)
	e.fullDocs()
	row := func(id, big string) string {
		return `{"collectionName":"docs","data":[{"id":` + id + `,"title":"t","tags":[],"emb":[1,2],"big":` + big + `}]}`
	}
	bad := []struct{ name, body, want string }{
		{"pk below MinInt64", row("-9223372036854775809", "1"), "out of the Int64 range"},
		{"pk above MaxInt64", row("9223372036854775808", "1"), "out of the Int64 range"},
		{"pk 2^53+1 as float", row("9007199254740993.0", "1"), "not exact"},
		{"pk exponent beyond 2^53", row("1e19", "1"), "not exact"},
		{"pk huge exponent", row("1e1000000000", "1"), "not an exact integer"},
		{"pk nearly integral", row("1.0000000000000000001", "1"), "not an integer"},
		{"pk fraction", row("1.5", "1"), "not an integer"},
		{"pk underflow", row("1e-400", "1"), "not an integer"},
		{"Int64 field as float", row("1", "9007199254740993.0"), "not exact"},
		{"Int64 field out of range", row("1", "-9223372036854775809"), "out of the Int64 range"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			e.fail("entities/insert", tt.body, codeBadData, tt.want)
			e.fail("entities/upsert", tt.body, codeBadData, tt.want)
		})
	}
	e.t = t
	if n := e.f.writeCount(); n != 0 {
		t.Fatalf("%d writes for refused rows", n)
	}
	e.fail("entities/get", `{"collectionName":"docs","id":[9007199254740993.0]}`, codeInvalid, "not exact")
	e.fail("entities/get", `{"collectionName":"docs","id":-9223372036854775809}`, codeInvalid, "out of the Int64 range")
	e.fail("entities/search", `{"collectionName":"docs","ids":[18446744073709551616]}`, codeInvalid, "out of the Int64 range")
	// exact forms are accepted and kept exactly
	e.ok("entities/insert", row("-9223372036854775808", "9007199254740993"))
	e.ok("entities/insert", row("3.0", "1e3"))
	rows := e.ok("entities/query", `{"collectionName":"docs","filter":"id < 10","outputFields":["big"]}`).rows(t)
	if got := js(rows); got != `[{"big":"9007199254740993","id":"-9223372036854775808"},{"big":"1000","id":"3"}]` {
		t.Errorf("stored %s", got)
	}
}

// TestNamesValidated (issue 10, defect 10): the names a request creates
// follow Milvus's rules.
func TestNamesValidated(t *testing.T) {
	e := newEnv(t)
	e.quick("c", nil)
	long := strings.Repeat("a", 256)
	bad := []string{"../x", "a/b", "a\x00b", "é", "😀", "1abc", "a-b", "a b", "", long, strings.Repeat("x", 10000)}
	for _, name := range bad {
		q := js(name)
		cases := []struct{ path, body string }{
			{"collections/create", `{"collectionName":` + q + `,"dimension":2}`},
			{"collections/create", `{"collectionName":"ok","dimension":2,"primaryFieldName":` + q + `}`},
			{"collections/create", `{"collectionName":"ok","dimension":2,"vectorFieldName":` + q + `}`},
			{"collections/create", `{"collectionName":"ok","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},
				{"fieldName":` + q + `,"dataType":"FloatVector","elementTypeParams":{"dim":2}}]}}`},
			{"collections/create", `{"collectionName":"ok","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},
				{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]},"indexParams":[{"fieldName":"v","indexName":` + q + `}]}`},
			{"collections/rename", `{"collectionName":"c","newCollectionName":` + q + `}`},
			{"partitions/create", `{"collectionName":"c","partitionName":` + q + `}`},
			{"aliases/create", `{"collectionName":"c","aliasName":` + q + `}`},
			{"aliases/alter", `{"collectionName":"c","aliasName":` + q + `}`},
			{"indexes/create", `{"collectionName":"c","indexParams":[{"fieldName":"vector","indexName":` + q + `}]}`},
		}
		if name == "" { // empty field and index names take their defaults
			cases = append(cases[:1], cases[5:9]...)
		}
		for _, c := range cases {
			r := e.post(c.path, c.body)
			if r.Code != codeInvalid && r.Code != codeMissingParam {
				t.Errorf("%s with name %.40q: code %d %q, want 1100 or 1802", c.path, name, r.Code, r.Msg)
			}
		}
	}
	e.fail("collections/create", `{"collectionName":"ok","schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},
		{"fieldName":"distance","dataType":"Float"},{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}}]}}`,
		codeInvalid, "reserved")
	if names := js(e.ok("collections/list", `{}`).Data); names != `["c"]` {
		t.Errorf("collections %s", names)
	}
	for _, good := range []string{"_x", "A1_b", strings.Repeat("z", 255)} {
		e.ok("collections/create", `{"collectionName":"`+good+`","dimension":2}`)
		e.ok("partitions/create", `{"collectionName":"c","partitionName":"`+good+`"}`)
	}
}

// TestStrictRequestText (issue 10, defect 10): a string dimension, invalid
// UTF-8, a lone surrogate escape and a garbage session token are refused.
func TestStrictRequestText(t *testing.T) {
	e := newEnv(t)
	e.fail("collections/create", `{"collectionName":"c","dimension":"4"}`, codeInvalid, `"dimension": want a JSON integer`)
	e.fail("collections/create", `{"collectionName":"c","dimension":4.5}`, codeInvalid, `"dimension"`)
	e.quick("c", nil)
	tests := []struct{ name, body, want string }{
		{"invalid UTF-8 in a value", "{\"collectionName\":\"c\",\"data\":[{\"id\":1,\"vector\":[1,2],\"s\":\"a\xffb\"}]}", "invalid UTF-8 at byte 59"},
		{"invalid UTF-8 in a key", "{\"collectionName\":\"c\",\"data\":[{\"id\":1,\"vector\":[1,2],\"\xc3\":1}]}", "invalid UTF-8"},
		{"lone high surrogate", `{"collectionName":"c","data":[{"id":1,"vector":[1,2],"s":"\ud800x"}]}`, "lone high surrogate"},
		{"lone low surrogate", `{"collectionName":"c","data":[{"id":1,"vector":[1,2],"s":"\udc00"}]}`, "lone low surrogate"},
	}
	for _, tt := range tests {
		e.fail("entities/insert", tt.body, codeBadJSON, tt.want)
	}
	if e.f.writeCount() != 0 {
		t.Fatal("a refused body was written")
	}
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,2],"s":"\ud83d\ude00 \\ud800 é"}]}`)
	for _, tok := range []string{"garbage", "0=", "=5", "0=0", "0=1,0=2", "16=1", "-1=3", "0=1;1=2", "00=1", "0=1,"} {
		e.fail("entities/query", `{"collectionName":"c","filter":"id > 0","consistencyLevel":"Session"}`, codeInvalid,
			headerSessionToken, headerSessionToken, tok)
	}
	for _, tok := range []string{"", "0=7", "0=7,3=12"} {
		e.ok("entities/query", `{"collectionName":"c","filter":"id > 0","consistencyLevel":"Session"}`, headerSessionToken, tok)
	}
}

// TestDistanceKeyKept (issue 10, defect 10): a dynamic key named "distance"
// is returned under "$meta" instead of being overwritten by the score.
func TestDistanceKeyKept(t *testing.T) {
	e := newEnv(t)
	e.quick("c", map[string]any{"metricType": "L2"})
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,0],"distance":"far","k":1}]}`)
	for _, out := range []string{`["*"]`, `["distance","k"]`} {
		rows := e.ok("entities/search", `{"collectionName":"c","data":[[0,0]],"outputFields":`+out+`}`, headerAllowInt64, "true").rows(t)
		if got := js(rows); got != `[{"$meta":{"distance":"far"},"distance":1,"id":1,"k":1}]` &&
			got != `[{"$meta":{"distance":"far"},"distance":1,"id":1,"k":1,"vector":[1,0]}]` {
			t.Errorf("outputFields %s: %s", out, got)
		}
	}
	rows := e.ok("entities/query", `{"collectionName":"c","filter":"id == 1"}`, headerAllowInt64, "true").rows(t)
	if got := js(rows); got != `[{"distance":"far","id":1,"k":1,"vector":[1,0]}]` {
		t.Errorf("query %s", got)
	}
}

// TestUnknownRouteNeedsAuth (issue 10, defect 10): with auth on, an unknown
// path answers the auth error to an unauthenticated client.
func TestUnknownRouteNeedsAuth(t *testing.T) {
	e := newEnv(t, Config{AuthEnabled: true, APIKeys: []string{"key-1"}})
	for _, path := range []string{"/v2/vectordb/nope/verb", "/v1/cluster/nodes/add", "/v1/test/faults", "/x"} {
		r := e.do(httptest.NewRequest(http.MethodPost, path, nil))
		if r.Status != http.StatusUnauthorized || r.Code != codeUnauthenticated {
			t.Errorf("%s unauthenticated: status %d code %d", path, r.Status, r.Code)
		}
		req := httptest.NewRequest(http.MethodPost, path, nil)
		req.Header.Set("Authorization", "Bearer key-1")
		if r := e.do(req); r.Status != http.StatusNotFound {
			t.Errorf("%s authenticated: status %d, want 404", path, r.Status)
		}
	}
}

// TestSecretEqual: keys are compared through fixed-size digests, so keys of
// any length are compared with the same work (issue 10: the comparison
// leaked a key's length).
func TestSecretEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"key", "key", 1}, {"key", "key1", 0}, {"key", "", 0}, {"", "", 1},
		{strings.Repeat("k", 1000), strings.Repeat("k", 1000), 1}, {"k", strings.Repeat("k", 1000), 0},
	}
	for _, tt := range tests {
		if got := secretEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("secretEqual(%.10q, %.10q) = %d", tt.a, tt.b, got)
		}
	}
	allocs := testing.AllocsPerRun(10, func() { secretEqual("short", strings.Repeat("x", 64)) })
	if allocs > 2 {
		t.Errorf("allocs %v", allocs)
	}
}
