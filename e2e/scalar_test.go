//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// scalarFilters are filters of every form a scalar index answers, and
// some it must leave to the filter (or, not, a JSON key).
var scalarFilters = []string{
	`name == "n17"`,
	`name in ["n3", "n5", "n400"] and age > 20`,
	`age >= 30 and age < 35.5`,
	`20 < age <= 22`,
	`score > 0.5 and score <= 0.75`,
	`name like "n1%"`,
	`name like "n1_"`,
	`array_contains(tags, "t3")`,
	`array_contains_all(tags, ["t1", "t2"])`,
	`array_contains_any(tags, ["t0", "t9"]) and flag == true`,
	`flag == false and age == 40`,
	`age == 40 or age == 41`,
	`age != 40 and name like "n2%"`,
	`not (age > 10)`,
	`age in [1, 2, 3.5, 1000]`,
	`age is null`,
	`name >= "n90" and name < "n95"`,
}

// TestScalarIndexesAgreeWithScans: two collections hold the same rows,
// one with INVERTED and STL_SORT indexes on every scalar field. Every
// filter returns the same rows and the same filtered search hits from
// both, in growing segments, after flush (the indexes serve sealed
// segments), after deletes and compaction, and after a restart.
func TestScalarIndexesAgreeWithScans(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	flags := []string{"--chunk-size", "8192", "--segment-seal-size", "65536"}
	p := startStandalone(t, data, flags...)
	const dim, n = 4, 3000
	fields := []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "name", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 16}},
		{"fieldName": "age", "dataType": "Int32", "nullable": true},
		{"fieldName": "score", "dataType": "Double"},
		{"fieldName": "flag", "dataType": "Bool"},
		{"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar", "elementTypeParams": map[string]any{"max_capacity": 4, "max_length": 8}},
		{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}},
	}
	vecIndex := map[string]any{"fieldName": "v", "indexType": "FLAT", "metricType": "L2"}
	p.ok("collections/create", map[string]any{"collectionName": "plain", "schema": map[string]any{"fields": fields},
		"indexParams": []any{vecIndex}})
	p.ok("collections/create", map[string]any{"collectionName": "indexed", "schema": map[string]any{"fields": fields},
		"indexParams": []any{vecIndex,
			map[string]any{"fieldName": "name", "indexType": "INVERTED"},
			map[string]any{"fieldName": "age", "indexType": "STL_SORT"},
			map[string]any{"fieldName": "tags", "indexType": "INVERTED"},
			map[string]any{"fieldName": "flag", "indexType": "AUTOINDEX"}}})
	// An index created later, on a collection with data, works too.
	var rows []map[string]any
	for i := range n {
		row := map[string]any{"id": i, "name": fmt.Sprintf("n%d", i%500), "score": float64(i%97) / 96,
			"flag": i%3 == 0, "tags": []string{fmt.Sprintf("t%d", i%5), fmt.Sprintf("t%d", i%7)}, "v": vec(i, dim)}
		if i%11 != 0 {
			row["age"] = i % 60
		}
		rows = append(rows, row)
	}
	for _, coll := range []string{"plain", "indexed"} {
		for from := 0; from < n; from += 500 {
			p.ok("entities/insert", map[string]any{"collectionName": coll, "data": rows[from : from+500]})
		}
	}
	p.ok("indexes/create", map[string]any{"collectionName": "indexed", "indexParams": []any{
		map[string]any{"fieldName": "score", "indexType": "STL_SORT"}}})

	check := func(stage string) {
		t.Helper()
		for _, f := range scalarFilters {
			q := func(coll string) string {
				env := p.ok("entities/query", map[string]any{"collectionName": coll, "filter": f, "limit": 16384,
					"outputFields": []string{"name", "age", "tags"}, "consistencyLevel": "Strong"})
				return string(env.Data)
			}
			s := func(coll string) string {
				env := p.ok("entities/search", map[string]any{"collectionName": coll, "filter": f, "limit": 7,
					"data": [][]float32{vec(5, dim)}, "consistencyLevel": "Strong"})
				return string(env.Data)
			}
			if a, b := q("plain"), q("indexed"); a != b {
				t.Fatalf("%s: query %s differs:\nscan  %.300s\nindex %.300s", stage, f, a, b)
			} else if a == "[]" && !strings.Contains(f, "not (") && f != `age in [1, 2, 3.5, 1000]` {
				t.Fatalf("%s: query %s matched nothing: a weak test", stage, f)
			}
			if a, b := s("plain"), s("indexed"); a != b {
				t.Fatalf("%s: search %s differs:\nscan  %.300s\nindex %.300s", stage, f, a, b)
			}
		}
	}
	check("growing")
	waitSealedFlushed(t, p, "plain")
	waitSealedFlushed(t, p, "indexed")
	before := scalarReads(t, p)
	check("flushed")
	if b := metricValue(t, p, "raftvec_derived_index_bytes"); b <= 0 {
		t.Fatalf("raftvec_derived_index_bytes = %d after reads through scalar indexes", b)
	}
	if after := scalarReads(t, p); after < before+int64(2*len(scalarFilters)-8) {
		t.Fatalf("the scalar indexes narrowed %d segment reads for %d filtered reads of sealed segments", after-before, 2*len(scalarFilters))
	}
	var idx struct {
		IndexType string `json:"indexType"`
		State     string `json:"indexState"`
	}
	env := p.ok("indexes/describe", map[string]any{"collectionName": "indexed", "indexName": "name"})
	var list []json.RawMessage
	_ = json.Unmarshal(env.Data, &list)
	if len(list) != 1 || json.Unmarshal(list[0], &idx) != nil || idx.IndexType != "INVERTED" || idx.State != "Finished" {
		t.Fatalf("describe scalar index: %s", env.Data)
	}
	for _, coll := range []string{"plain", "indexed"} {
		p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": `score < 0.3`})
		p.ok("collections/compact", map[string]any{"collectionName": coll})
		waitCompacted(t, p, coll)
	}
	check("compacted")
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, flags...)
	check("restarted")
	for _, bad := range []map[string]any{
		{"fieldName": "name", "indexType": "STL_SORT"},
		{"fieldName": "age", "indexType": "INVERTED", "metricType": "L2"},
		{"fieldName": "age", "indexType": "HNSW"},
	} {
		if env := p.call("indexes/create", map[string]any{"collectionName": "plain", "indexParams": []any{bad}}); env.Code == 0 {
			t.Errorf("index %v accepted", bad)
		}
	}
}

// scalarReads reads raftvec_scalar_index_segment_reads_total from /metrics.
func scalarReads(t *testing.T, p *proc) int64 {
	t.Helper()
	return metricValue(t, p, "raftvec_scalar_index_segment_reads_total")
}

// metricValue reads an unlabelled metric from /metrics.
func metricValue(t *testing.T, p *proc, name string) int64 {
	t.Helper()
	resp, err := http.Get("http://" + p.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int64(f)
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}
