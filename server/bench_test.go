package server

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"testing"
)

func benchRows(r *rand.Rand, from, n, dim int) []map[string]any {
	rows := make([]map[string]any, n)
	for i := range rows {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()
		}
		rows[i] = map[string]any{"id": from + i, "vector": v}
	}
	return rows
}

func post(b *testing.B, url string, body []byte) {
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	var env struct{ Code int }
	_ = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if env.Code != 0 {
		b.Fatalf("code %d", env.Code)
	}
}

// BenchmarkInsertHTTP: one insert request of 1000 rows × dim 128 per op,
// through HTTP, validation, Raft (fsync) and apply. rows/s = 1000 / (ns/op).
func BenchmarkInsertHTTP(b *testing.B) {
	s := startTest(&testing.T{}, filepath.Join(b.TempDir(), "data"))
	defer s.Stop()
	base := "http://" + s.HTTPAddr() + "/v2/vectordb/"
	post(b, base+"collections/create", []byte(`{"collectionName":"b","dimension":128,"metricType":"L2"}`))
	r := rand.New(rand.NewPCG(1, 2))
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i], _ = json.Marshal(map[string]any{"collectionName": "b", "data": benchRows(r, i*1000, 1000, 128)})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		post(b, base+"entities/insert", bodies[i])
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSearchHTTP: one top-10 query over 100k × 128 (exact search).
func BenchmarkSearchHTTP(b *testing.B) {
	s := startTest(&testing.T{}, filepath.Join(b.TempDir(), "data"))
	defer s.Stop()
	base := "http://" + s.HTTPAddr() + "/v2/vectordb/"
	post(b, base+"collections/create", []byte(`{"collectionName":"b","dimension":128,"metricType":"L2"}`))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100; i++ {
		body, _ := json.Marshal(map[string]any{"collectionName": "b", "data": benchRows(r, i*1000, 1000, 128)})
		post(b, base+"entities/insert", body)
	}
	q := benchRows(r, 0, 1, 128)[0]["vector"]
	body, _ := json.Marshal(map[string]any{"collectionName": "b", "data": []any{q}, "limit": 10})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		post(b, base+"entities/search", body)
	}
}
