//go:build e2e

package e2e

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestHalfPrecisionVectors: Float16Vector and BFloat16Vector fields hold
// the same rows as a FloatVector field. Their chunk objects are half the
// size, their values read back rounded to the format, and searches
// (exact, and through HNSW and IVF_FLAT built from them) find the float32
// field's exact neighbours, after flush and restart; a value the format
// cannot hold is refused.
func TestHalfPrecisionVectors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	flags := []string{"--chunk-size", "65536", "--segment-seal-size", "262144"}
	p := startStandalone(t, data, flags...)
	const coll, dim, n = "halfs", 16, 3000
	vecField := func(name, typ string) map[string]any {
		return map[string]any{"fieldName": name, "dataType": typ, "elementTypeParams": map[string]any{"dim": dim}}
	}
	p.ok("collections/create", map[string]any{"collectionName": coll, "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		vecField("f32", "FloatVector"), vecField("f16", "Float16Vector"), vecField("bf16", "BFloat16Vector"), vecField("f16flat", "Float16Vector"),
	}}, "indexParams": []map[string]any{
		{"fieldName": "f32", "indexType": "FLAT", "metricType": "L2"},
		{"fieldName": "f16", "indexType": "HNSW", "metricType": "L2", "params": map[string]any{"M": 16, "efConstruction": 200}},
		{"fieldName": "bf16", "indexType": "IVF_FLAT", "metricType": "L2", "params": map[string]any{"nlist": 16}},
		{"fieldName": "f16flat", "indexType": "FLAT", "metricType": "L2"},
	}})
	r := rand.New(rand.NewPCG(9, 9))
	vecs := make([][]float32, n)
	for from := 0; from < n; from += 500 {
		var rows []map[string]any
		for i := from; i < from+500; i++ {
			vecs[i] = make([]float32, dim)
			for j := range vecs[i] {
				vecs[i][j] = float32(r.NormFloat64())
			}
			rows = append(rows, map[string]any{"id": i, "f32": vecs[i], "f16": vecs[i], "bf16": vecs[i], "f16flat": vecs[i]})
		}
		p.ok("entities/insert", map[string]any{"collectionName": coll, "data": rows})
	}
	gone := map[int64]bool{}
	check := func(stage string) {
		t.Helper()
		for _, tc := range []struct {
			field     string
			minRecall float64
		}{{"f16flat", 0.98}, {"f16", 0.9}, {"bf16", 0.85}} {
			var total float64
			for qi := range 20 {
				q := vecs[qi*37]
				want := exactIDs(vecs, q, 10, gone)
				got := searchIDs(t, p, coll, tc.field, q, 10, map[string]any{"ef": 64, "nprobe": 16})
				total += overlap(got, want) / 10
			}
			if recall := total / 20; recall < tc.minRecall {
				t.Fatalf("%s: %s recall@10 %.3f against the float32 exact neighbours, want ≥ %.2f", stage, tc.field, recall, tc.minRecall)
			}
		}
		env := p.ok("entities/get", map[string]any{"collectionName": coll, "id": []int{42}, "outputFields": []string{"f16", "bf16"}}) // 42 % 3 == 0: never deleted
		var got []map[string][]float64
		_ = json.Unmarshal(env.Data, &got)
		for j, x := range vecs[42] {
			if len(got) != 1 || math.Abs(got[0]["f16"][j]-float64(x)) > math.Abs(float64(x))/1024+1e-4 ||
				math.Abs(got[0]["bf16"][j]-float64(x)) > math.Abs(float64(x))/128+1e-4 {
				t.Fatalf("%s: row 42 read back as %v, inserted %v", stage, got, vecs[42])
			}
		}
	}
	check("growing")
	waitSealedFlushed(t, p, coll)
	waitIndexed(t, p, coll)
	checkTwoIndexFiles(t, p, coll)
	check("flushed")
	checkHalfObjects(t, data)
	// Compaction rewrites the half-precision chunks from the flushed ones.
	for id := 1; id < n; id += 3 {
		gone[int64(id)] = true
	}
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": "id % 3 == 1"})
	p.ok("collections/compact", map[string]any{"collectionName": coll})
	waitCompacted(t, p, coll)
	waitIndexed(t, p, coll)
	checkTwoIndexFiles(t, p, coll)
	check("compacted")
	if env := p.call("entities/insert", map[string]any{"collectionName": coll, "data": []map[string]any{
		{"id": n, "f32": vecs[0], "f16": append([]float32{70000}, vecs[0][1:]...), "bf16": vecs[0], "f16flat": vecs[0]}}}); env.Code == 0 {
		t.Fatal("a Float16Vector element beyond 65504 was accepted")
	}
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, flags...)
	check("restarted")
}

// checkTwoIndexFiles: every segment with rows carries a file of both
// per-segment indexes (HNSW on f16, IVF_FLAT on bf16) at once; a segment
// once held a single index file, and the two builds replaced each other
// forever.
func checkTwoIndexFiles(t *testing.T, p *proc, coll string) {
	t.Helper()
	for _, s := range segmentsOf(t, p, coll) {
		if s.Rows > s.Deleted && len(s.IndexFiles) != 2 {
			t.Fatalf("segment %+v: want the files of both the f16 and the bf16 index", s)
		}
	}
}

// checkHalfObjects compares the chunk objects of the f32 field (101) and
// the f16 field (102): the half-precision ones are about half the size.
func checkHalfObjects(t *testing.T, data string) {
	t.Helper()
	size := map[string]int64{}
	_ = filepath.Walk(filepath.Join(data, "objects", "insert_log"), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			parts := strings.Split(path, string(filepath.Separator))
			size[parts[len(parts)-2]] += info.Size()
		}
		return nil
	})
	f32, f16 := size["101"], size["102"]
	if f32 == 0 || float64(f16) > 0.55*float64(f32) {
		t.Fatalf("chunk bytes: FloatVector %d, Float16Vector %d (want about half)", f32, f16)
	}
}

// waitIndexed waits until indexes/describe reports every index Finished.
func waitIndexed(t *testing.T, p *proc, coll string) {
	t.Helper()
	var states []string
	for range 600 {
		env := p.ok("indexes/list", map[string]any{"collectionName": coll})
		var names []string
		_ = json.Unmarshal(env.Data, &names)
		done := true
		states = states[:0]
		for _, name := range names {
			d := p.ok("indexes/describe", map[string]any{"collectionName": coll, "indexName": name})
			states = append(states, string(d.Data))
			if !strings.Contains(string(d.Data), `"indexState":"Finished"`) {
				done = false
			}
		}
		if done {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(p.log.Name())
	t.Fatalf("%s: indexes did not finish: %s\nnode log:\n%s", coll, strings.Join(states, "\n"), log)
}

func exactIDs(vecs [][]float32, q []float32, k int, gone map[int64]bool) []int64 {
	type hit struct {
		id int64
		d  float64
	}
	hits := make([]hit, 0, len(vecs))
	for i, v := range vecs {
		if gone[int64(i)] {
			continue
		}
		var d float64
		for j := range v {
			x := float64(v[j] - q[j])
			d += x * x
		}
		hits = append(hits, hit{int64(i), d})
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].d < hits[b].d })
	out := make([]int64, k)
	for i := range out {
		out[i] = hits[i].id
	}
	return out
}

func searchIDs(t *testing.T, p *proc, coll, field string, q []float32, k int, params map[string]any) []int64 {
	t.Helper()
	env := p.ok("entities/search", map[string]any{"collectionName": coll, "annsField": field, "data": [][]float32{q},
		"limit": k, "searchParams": map[string]any{"params": params}, "consistencyLevel": "Strong"})
	var hits []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(env.Data, &hits); err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func overlap(a, b []int64) float64 {
	in := map[int64]bool{}
	for _, x := range b {
		in[x] = true
	}
	n := 0
	for _, x := range a {
		if in[x] {
			n++
		}
	}
	return float64(n)
}
