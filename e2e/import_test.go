//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

type importRow struct {
	ID    int64     `parquet:"id"`
	Title string    `parquet:"title"`
	Vec   []float32 `parquet:"vector,list"`
}

func importVec(i int) []float32 {
	return []float32{float32(i % 17), float32(i % 29), float32(i%7) + 0.5, 1}
}

// writeImportFiles puts a JSON file (ids [0, 600)) and a Parquet file
// (ids [600, 1500)) in the standalone node's local object store.
func writeImportFiles(t *testing.T, objects string) {
	t.Helper()
	var rows []map[string]any
	for i := 0; i < 600; i++ {
		rows = append(rows, map[string]any{"id": i, "title": fmt.Sprintf("json-%d", i), "vector": importVec(i)})
	}
	js, _ := json.Marshal(map[string]any{"rows": rows})
	var pq []importRow
	for i := 600; i < 1500; i++ {
		pq = append(pq, importRow{ID: int64(i), Title: fmt.Sprintf("pq-%d", i), Vec: importVec(i)})
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, pq); err != nil {
		t.Fatal(err)
	}
	bad := `{"rows":[{"id":5000,"title":"ok","vector":[1,2,3,4]},{"id":5001,"title":"short","vector":[1,2]}]}`
	var side []map[string]any
	for i := 8000; i < 8010; i++ {
		side = append(side, map[string]any{"id": i, "title": fmt.Sprintf("side-%d", i), "vector": importVec(i)})
	}
	sideJS, _ := json.Marshal(map[string]any{"rows": side})
	for name, data := range map[string][]byte{"imports/a.json": js, "imports/b.parquet": buf.Bytes(), "imports/bad.json": []byte(bad),
		"imports/side.json": sideJS} {
		path := filepath.Join(objects, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type importProgress struct {
	State    string `json:"state"`
	Progress int    `json:"progress"`
	Reason   string `json:"reason"`
	Imported int64  `json:"importedRows"`
}

// runImport creates an import job and waits for it to end.
func runImport(t *testing.T, p *proc, coll string, files ...string) importProgress {
	t.Helper()
	var list [][]string
	for _, f := range files {
		list = append(list, []string{f})
	}
	var job struct {
		JobID string `json:"jobId"`
	}
	_ = json.Unmarshal(p.ok("jobs/import/create", map[string]any{"collectionName": coll, "files": list}).Data, &job)
	var pr importProgress
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		_ = json.Unmarshal(p.ok("jobs/import/get_progress", map[string]any{"jobId": job.JobID}).Data, &pr)
		if pr.State == "Completed" || pr.State == "Failed" {
			return pr
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("import job %s did not end: %+v", job.JobID, pr)
	return pr
}

// TestBulkImport imports a JSON and a Parquet file from the node's object
// store into a 2-shard collection: every row is found by query and
// search, the segments get indexed, a file with a bad row fails naming the
// row and field and adds nothing, and the rows survive compaction and a
// restart.
func TestBulkImport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	p := startStandalone(t, data, "--chunk-size", "16384", "--segment-seal-size", "65536")
	const coll = "imported"
	p.ok("collections/create", map[string]any{"collectionName": coll, "params": map[string]any{"shardsNum": 2},
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "title", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 32}},
			{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 4}}}},
		"indexParams": []map[string]any{{"fieldName": "vector", "indexName": "vector", "metricType": "L2", "indexType": "HNSW"}}})
	writeImportFiles(t, filepath.Join(data, "objects"))
	if pr := runImport(t, p, coll, "imports/a.json", "imports/b.parquet"); pr.State != "Completed" || pr.Imported != 1500 {
		t.Fatalf("import: %+v", pr)
	}
	check := func(stage string) {
		t.Helper()
		if n := countRows(t, p, coll, ""); n != 1500 {
			t.Fatalf("%s: count %d, want 1500", stage, n)
		}
		for _, id := range []int{0, 599, 600, 1499} {
			env := p.ok("entities/get", map[string]any{"collectionName": coll, "id": []int{id}, "outputFields": []string{"title"}, "consistencyLevel": "Strong"})
			want := fmt.Sprintf("json-%d", id)
			if id >= 600 {
				want = fmt.Sprintf("pq-%d", id)
			}
			if !strings.Contains(string(env.Data), `"`+want+`"`) {
				t.Fatalf("%s: get %d: %s, want title %s", stage, id, env.Data, want)
			}
		}
		for _, id := range []int{3, 777} {
			if got := searchIDs(t, p, coll, "vector", importVec(id), 1, nil); len(got) != 1 || importVec(int(got[0]))[0] != importVec(id)[0] {
				t.Fatalf("%s: search for row %d's vector found %v", stage, id, got)
			}
		}
	}
	check("imported")
	waitIndexed(t, p, coll)
	check("indexed")
	// A bad file fails the job; the good file imported beside it (files
	// run two at a time) is complete, the bad one left nothing.
	pr := runImport(t, p, coll, "imports/bad.json", "imports/side.json")
	if pr.State != "Failed" || !strings.Contains(pr.Reason, "bad.json") || !strings.Contains(pr.Reason, "row 1") || !strings.Contains(pr.Reason, "vector") {
		t.Fatalf("bad file: %+v, want a failure naming the file, row 1 and the field", pr)
	}
	if n := countRows(t, p, coll, "id >= 5000 and id < 8000"); n != 0 {
		t.Fatalf("a failed file left %d rows", n)
	}
	if n := countRows(t, p, coll, "id >= 8000"); n != 10 {
		t.Fatalf("the file imported beside a failed one has %d of its 10 rows", n)
	}
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": "id >= 8000"})
	if pr := runImport(t, p, coll, "imports/a.json"); pr.State != "Failed" { // the keys are live
		t.Fatalf("a second import of the same keys: %+v", pr)
	}
	// A third of the rows deleted makes compaction rewrite the imported
	// segments; the rows are then inserted again.
	var list struct {
		Records []struct {
			JobID string `json:"jobId"`
			State string `json:"state"`
		} `json:"records"`
	}
	_ = json.Unmarshal(p.ok("jobs/import/list", map[string]any{"collectionName": coll}).Data, &list)
	if len(list.Records) != 3 {
		t.Fatalf("jobs/import/list: %+v, want the 3 jobs", list.Records)
	}
	p.ok("databases/create", map[string]any{"dbName": "other"})
	_ = json.Unmarshal(p.ok("jobs/import/list", map[string]any{"dbName": "other"}).Data, &list)
	if len(list.Records) != 0 {
		t.Fatalf("jobs/import/list of another database: %+v", list.Records)
	}
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": "id % 3 == 0"})
	p.ok("collections/compact", map[string]any{"collectionName": coll})
	waitCompacted(t, p, coll)
	if n := countRows(t, p, coll, ""); n != 1000 {
		t.Fatalf("after deleting a third and compacting: %d rows, want 1000", n)
	}
	var again []map[string]any
	for i := 0; i < 1500; i += 3 {
		title := fmt.Sprintf("json-%d", i)
		if i >= 600 {
			title = fmt.Sprintf("pq-%d", i)
		}
		again = append(again, map[string]any{"id": i, "title": title, "vector": importVec(i)})
	}
	p.ok("entities/insert", map[string]any{"collectionName": coll, "data": again})
	check("compacted")
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, "--chunk-size", "16384", "--segment-seal-size", "65536")
	check("restarted")
}

// countRows counts a collection's rows matching filter at Strong.
func countRows(t *testing.T, p *proc, coll, filter string) int64 {
	t.Helper()
	return countAt(t, p, coll, filter, "Strong")
}

// countAt answers count(*) of the rows matching filter ("" for all) at a
// consistency level.
func countAt(t *testing.T, p *proc, coll, filter, level string) int64 {
	t.Helper()
	body := map[string]any{"collectionName": coll, "outputFields": []string{"count(*)"}, "consistencyLevel": level}
	if filter != "" {
		body["filter"] = filter
	}
	env := p.ok("entities/query", body)
	var rows []map[string]int64
	if err := json.Unmarshal(env.Data, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("count(*): %s (%v)", env.Data, err)
	}
	return rows[0]["count(*)"]
}
