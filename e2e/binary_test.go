//go:build e2e

package e2e

import (
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// TestBinaryVectors: BinaryVector fields with BIN_IVF_FLAT (HAMMING) and
// BIN_FLAT (JACCARD). Searches rank as an exact scorer does (the same
// distances rank by rank, every hit's distance right), through the IVF
// lists when all are probed, in growing segments, after flush and after a
// restart; values read back as byte lists; malformed vectors are refused.
func TestBinaryVectors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	flags := []string{"--chunk-size", "16384", "--segment-seal-size", "65536"}
	p := startStandalone(t, data, flags...)
	const coll, dimBits, n, nlist = "bits", 64, 2000, 8
	p.ok("collections/create", map[string]any{"collectionName": coll, "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "h", "dataType": "BinaryVector", "elementTypeParams": map[string]any{"dim": dimBits}},
		{"fieldName": "j", "dataType": "BinaryVector", "elementTypeParams": map[string]any{"dim": dimBits}},
	}}, "indexParams": []map[string]any{
		{"fieldName": "h", "indexType": "BIN_IVF_FLAT", "metricType": "HAMMING", "params": map[string]any{"nlist": nlist}},
		{"fieldName": "j", "indexType": "BIN_FLAT", "metricType": "JACCARD"},
	}})
	r := rand.New(rand.NewPCG(4, 2))
	rows := make([][]byte, n)
	for from := 0; from < n; from += 500 {
		var batch []map[string]any
		for i := from; i < from+500; i++ {
			rows[i] = make([]byte, dimBits/8)
			for k := range rows[i] {
				rows[i][k] = byte(r.IntN(256))
			}
			batch = append(batch, map[string]any{"id": i, "h": ints(rows[i]), "j": ints(rows[i])})
		}
		p.ok("entities/insert", map[string]any{"collectionName": coll, "data": batch})
	}
	gone := map[int64]bool{}
	check := func(stage string) {
		t.Helper()
		for qi := range 5 {
			q := rows[qi*111]
			for _, tc := range []struct {
				field string
				dist  func(a, b []byte) float64
			}{{"h", hamming}, {"j", jaccard}} {
				env := p.ok("entities/search", map[string]any{"collectionName": coll, "annsField": tc.field,
					"data": [][]int{ints(q)}, "limit": 10, "consistencyLevel": "Strong",
					"searchParams": map[string]any{"params": map[string]any{"nprobe": nlist}}})
				var want []scored
				for i, row := range rows {
					if gone[int64(i)] {
						continue
					}
					want = append(want, scored{int64(i), -tc.dist(q, row)}) // sortScored: larger first
				}
				want = sortScored(want)
				for i := range want {
					want[i].score = -want[i].score
				}
				checkRanking(t, stage+" "+tc.field, env.Data, want, 10)
			}
		}
		env := p.ok("entities/get", map[string]any{"collectionName": coll, "id": []int{7}, "outputFields": []string{"h"}})
		var got []map[string]any
		_ = json.Unmarshal(env.Data, &got)
		if b, _ := json.Marshal(got[0]["h"]); string(b) != mustJSON(ints(rows[7])) {
			t.Fatalf("%s: row 7 reads back as %s, inserted %v", stage, b, ints(rows[7]))
		}
	}
	check("growing")
	waitSealedFlushed(t, p, coll)
	check("flushed")
	for id := 2; id < n; id += 3 {
		gone[int64(id)] = true
	}
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": "id % 3 == 2"})
	p.ok("collections/compact", map[string]any{"collectionName": coll})
	waitCompacted(t, p, coll)
	check("compacted")
	for _, bad := range []map[string]any{
		{"id": n, "h": []int{1, 2, 3}, "j": ints(rows[0])},                  // 3 bytes for 64 bits
		{"id": n, "h": []int{256, 0, 0, 0, 0, 0, 0, 0}, "j": ints(rows[0])}, // not a byte
	} {
		if env := p.call("entities/insert", map[string]any{"collectionName": coll, "data": []map[string]any{bad}}); env.Code == 0 {
			t.Fatalf("insert %v accepted", bad)
		}
	}
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, flags...)
	check("restarted")
	// Fewer lists probed: approximate (the rows are uniform random bits, so
	// no recall is asserted), and still a full page of hits per query.
	var found float64
	for qi := range 20 {
		q := rows[qi*97]
		env := p.ok("entities/search", map[string]any{"collectionName": coll, "annsField": "h", "data": [][]int{ints(q)},
			"limit": 10, "searchParams": map[string]any{"params": map[string]any{"nprobe": 2}}})
		var hits []hit
		_ = json.Unmarshal(env.Data, &hits)
		found += float64(len(hits))
	}
	if found < 20*10 {
		t.Fatalf("nprobe 2 of %d lists returned %v hits for 20 queries of top 10", nlist, found)
	}
}

func ints(b []byte) []int {
	out := make([]int, len(b))
	for i, x := range b {
		out[i] = int(x)
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func hamming(a, b []byte) float64 {
	d := 0
	for i := range a {
		d += bits.OnesCount8(a[i] ^ b[i])
	}
	return float64(d)
}

func jaccard(a, b []byte) float64 {
	and, or := 0, 0
	for i := range a {
		and += bits.OnesCount8(a[i] & b[i])
		or += bits.OnesCount8(a[i] | b[i])
	}
	if or == 0 {
		return 0
	}
	return 1 - float64(and)/float64(or)
}
