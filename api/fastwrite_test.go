package api

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/segment"
)

// fastSchemaCollections are the collections the fast/slow equivalence
// tests decode against: every field kind, with and without the dynamic
// field and auto IDs.
func fastSchemaCollections() map[string]*coordinator.Collection {
	all := segment.Schema{Name: "all", EnableDynamic: true, Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "vector", Type: segment.TypeFloatVector, Dim: 3},
		{Name: "name", Type: segment.TypeVarChar, MaxLength: 5, Nullable: true},
		{Name: "i8", Type: segment.TypeInt8, Default: int64(7)},
		{Name: "score", Type: segment.TypeFloat, Nullable: true},
		{Name: "ok", Type: segment.TypeBool, Nullable: true},
		{Name: "tags", Type: segment.TypeArray, ElementType: segment.TypeInt64, MaxCapacity: 3, Nullable: true},
		{Name: "doc", Type: segment.TypeJSON, Nullable: true},
		{Name: "$meta", Type: segment.TypeJSON, IsDynamic: true},
	}}
	auto := segment.Schema{Name: "auto", Fields: []segment.Field{
		{Name: "pk", Type: segment.TypeVarChar, MaxLength: 8, PrimaryKey: true},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 2},
	}}
	autoID := segment.Schema{Name: "autoid", Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true, AutoID: true},
		{Name: "vector", Type: segment.TypeFloatVector, Dim: 2},
	}}
	out := map[string]*coordinator.Collection{}
	for _, s := range []segment.Schema{all, auto, autoID} {
		out[s.Name] = &coordinator.Collection{Name: s.Name, Schema: s,
			Partitions: []coordinator.Partition{{Name: "_default"}, {Name: "p1"}}}
	}
	return out
}

var fastCols = fastSchemaCollections()

func fastDescribe(name string) (*coordinator.Collection, error) {
	if c, ok := fastCols[name]; ok {
		return c, nil
	}
	return nil, errors.New("collection not found")
}

// checkFastMatchesSlow fails when the fast path accepts a body the slow
// path refuses or decodes it differently; it reports whether the fast
// path accepted it.
func checkFastMatchesSlow(t *testing.T, body string, upsert bool) bool {
	t.Helper()
	fast, ok := decodeWriteFast([]byte(body), fastDescribe, upsert)
	if !ok {
		return false
	}
	if checkText([]byte(body)) != nil {
		return false // the envelope refuses these before any decoding
	}
	slow, err := decodeWriteSlow([]byte(body), fastDescribe, upsert)
	if err != nil {
		if checkPartitions(fast.col, fast.partition) != nil {
			return true // write() falls back for an unknown partition
		}
		t.Fatalf("fast path accepted what the slow path refuses (%v): %q", err, body)
	}
	if fast.col != slow.col || fast.partition != slow.partition || !reflect.DeepEqual(fast.vals, slow.vals) {
		t.Fatalf("fast and slow paths differ for %q:\nfast %#v %q\nslow %#v %q", body, fast.vals, fast.partition, slow.vals, slow.partition)
	}
	// The batch built on the fast path's contiguous vectors is the batch
	// of the rows.
	fb, sb := buildBatch(&fast.col.Schema, fast.vals, fast.vectors), buildBatch(&slow.col.Schema, slow.vals, nil)
	if !reflect.DeepEqual(fb.Columns, sb.Columns) {
		t.Fatalf("batches differ for %q:\nfast %+v\nslow %+v", body, fb.Columns, sb.Columns)
	}
	return true
}

var fastWriteCases = []struct {
	name   string
	body   string
	upsert bool
	fast   bool // the fast path takes it
}{
	{"plain", `{"collectionName":"all","data":[{"id":1,"vector":[1,2.5,-3e-2]}]}`, false, true},
	{"every field", `{"collectionName":"all","data":[{"id":"9","vector":[0,0,0],"name":"héllo","i8":-128,"score":1.5,"ok":true,"tags":[1,2],"doc":{"b":1,"a":[1.0,"x"]},"extra":{"z":1e2}}]}`, false, true},
	{"nulls and defaults", `{"collectionName":"all","data":[{"id":2,"vector":[1,2,3],"name":null,"ok":null}]}`, false, true},
	{"data first", ` { "data" : [ {"vector":[1,2,3] , "id":3} ] , "collectionName" : "all" , "dbName":"default"} `, false, true},
	{"partition and unknown key", `{"collectionName":"all","partitionName":"p1","other":[{"x":"\u00e9"}],"data":[{"id":1,"vector":[1,2,3]},{"id":2,"vector":[4,5,6]}]}`, false, true},
	{"varchar pk", `{"collectionName":"auto","data":[{"pk":"a","v":[1,2]},{"pk":"b","v":[3,4]}]}`, false, true},
	{"auto id", `{"collectionName":"autoid","data":[{"vector":[1,2]}]}`, false, true},
	{"vector missing in a row", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,3]},{"id":2,"vector":null},{"id":3,"vector":[7,8,9]}]}`, false, false},
	{"vector as a generic value", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,3]},{"id":2,"vector":[4,5, 6]}]}`, false, true},
	{"auto id upsert", `{"collectionName":"autoid","data":[{"id":5,"vector":[1,2]}]}`, true, true},
	// dbName is read before the handler (dbname.go): any database's body
	// takes the fast path.
	{"other db", `{"dbName":"x","collectionName":"all","data":[{"id":1,"vector":[1,2,3]}]}`, false, true},
	{"escaped string value", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,3],"name":"a\"b"}]}`, false, true},
	// Everything below falls back (and the slow path words the error or
	// handles the shape).
	{"single row object", `{"collectionName":"all","data":{"id":1,"vector":[1,2,3]}}`, false, false},
	{"empty data", `{"collectionName":"all","data":[]}`, false, false},
	{"duplicate key", `{"collectionName":"all","data":[{"id":1,"id":2,"vector":[1,2,3]}]}`, false, false},
	{"duplicate pk", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,3]},{"id":1,"vector":[1,2,3]}]}`, false, false},
	{"wrong dim", `{"collectionName":"all","data":[{"id":1,"vector":[1,2]}]}`, false, false},
	{"float32 overflow", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,1e39]}]}`, false, false},
	{"auto id given", `{"collectionName":"autoid","data":[{"id":5,"vector":[1,2]}]}`, false, false},
	{"folded key", `{"CollectionName":"all","data":[{"id":1,"vector":[1,2,3]}]}`, false, false},
	{"trailing data", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,3]}]} x`, false, false},
	{"bad number", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,03]}]}`, false, false},
	{"reserved key", `{"collectionName":"all","data":[{"id":1,"vector":[1,2,3],"$x":1}]}`, false, false},
	{"missing field", `{"collectionName":"auto","data":[{"pk":"a"}]}`, false, false},
	{"unknown collection", `{"collectionName":"nope","data":[{"id":1}]}`, false, false},
	{"unknown partition", `{"collectionName":"all","partitionName":"zz","data":[{"id":1,"vector":[1,2,3]}]}`, false, true},
}

func TestWriteFastPathMatchesSlowPath(t *testing.T) {
	for _, tc := range fastWriteCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkFastMatchesSlow(t, tc.body, tc.upsert); got != tc.fast {
				t.Fatalf("fast path taken = %v, want %v", got, tc.fast)
			}
		})
	}
}

func TestWriteFastPathDeepNestingFallsBack(t *testing.T) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	body := `{"collectionName":"all","x":` + deep + `,"data":[{"id":1,"vector":[1,2,3]}]}`
	if checkFastMatchesSlow(t, body, false) {
		t.Fatal("fast path accepted nesting deeper than encoding/json allows")
	}
}

// FuzzWriteFastMatchesSlow checks that whenever the fast insert decoder
// accepts a body, encoding/json decodes it to the same rows.
func FuzzWriteFastMatchesSlow(f *testing.F) {
	for _, tc := range fastWriteCases {
		f.Add(tc.body, tc.upsert)
	}
	f.Fuzz(func(t *testing.T, body string, upsert bool) {
		checkFastMatchesSlow(t, body, upsert)
	})
}

// FuzzVectorsFastMatchesSlow checks the fast query-vector parser against
// encoding/json: same vectors whenever it accepts.
func FuzzVectorsFastMatchesSlow(f *testing.F) {
	for _, s := range []string{`[1,2,3]`, `[[1,2,3],[4,5.5,-6e-1]]`, ` [ [0,0,0] ] `, `[[1,2]]`, `[]`, `[[1,2,3],]`, `[1,2,1e39]`} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, raw string, dim int) {
		dim = dim%5 + 1
		fast, ok := parseVectorsFast([]byte(raw), dim)
		if !ok {
			return
		}
		slow, err := parseVectors(json.RawMessage(raw), dim, "data")
		if err != nil || !reflect.DeepEqual(fast, slow) {
			t.Fatalf("parseVectorsFast(%q, %d) = %v; encoding/json: %v, %v", raw, dim, fast, slow, err)
		}
	})
}

// insertBody is a 1000-row insert of 128-d vectors as bench insert sends.
func insertBody(b *testing.B) []byte {
	b.Helper()
	cols := map[string]*coordinator.Collection{"bench": {Name: "bench", Schema: segment.Schema{Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "vector", Type: segment.TypeFloatVector, Dim: 128},
		{Name: "$meta", Type: segment.TypeJSON, IsDynamic: true}}, EnableDynamic: true}}}
	fastCols["bench"] = cols["bench"]
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([]map[string]any, 1000)
	for i := range rows {
		v := make([]float32, 128)
		for j := range v {
			v[j] = r.Float32()
		}
		rows[i] = map[string]any{"id": i, "vector": v}
	}
	body, err := json.Marshal(map[string]any{"collectionName": "bench", "data": rows})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeInsert compares the one-pass insert decoder with the
// encoding/json path on a 1000 × 128 body (bytes/s is body bytes).
func BenchmarkDecodeInsert(b *testing.B) {
	body := insertBody(b)
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ok := decodeWriteFast(body, fastDescribe, false); !ok {
				b.Fatal("fast path declined")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := decodeWriteSlow(body, fastDescribe, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
