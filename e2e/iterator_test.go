//go:build e2e

package e2e

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestSearchIteratorREST pages a search through REST with the search
// iterator v2 params until a page is empty: every row exactly once, in
// distance order (ascending for L2, descending for IP), across ties (ten
// rows share each vector), far beyond the offset cap's reach in rows per
// request; and a forged token is refused.
func TestSearchIteratorREST(t *testing.T) {
	p := startStandalone(t, filepath.Join(t.TempDir(), "data"))
	const dim, n, distinct = 4, 1200, 120
	for _, metric := range []string{"L2", "IP"} {
		coll := "it_" + metric
		p.ok("collections/create", map[string]any{"collectionName": coll, "schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}}}},
			"indexParams": []map[string]any{{"fieldName": "v", "indexType": "FLAT", "metricType": metric}}})
		var rows []map[string]any
		for i := range n {
			rows = append(rows, map[string]any{"id": i, "v": vec(i%distinct, dim)})
		}
		p.ok("entities/insert", map[string]any{"collectionName": coll, "data": rows})
		if metric == "IP" { // pages read flushed segments too
			waitSealedFlushed(t, p, coll)
		}
		seen := map[int64]bool{}
		token, pages := "", 0
		last := 0.0
		for {
			sp := map[string]any{"iterator": true, "search_iter_v2": true, "search_iter_batch_size": 97}
			if token != "" {
				sp["search_iter_id"] = token
			}
			raw := p.callRaw("entities/search", map[string]any{"collectionName": coll, "data": [][]float32{vec(3, dim)},
				"searchParams": sp, "consistencyLevel": "Strong"})
			var env struct {
				Code int `json:"code"`
				Data []struct {
					ID       int64   `json:"id"`
					Distance float64 `json:"distance"`
				} `json:"data"`
				Iter *struct {
					Token string `json:"token"`
				} `json:"searchIteratorV2Results"`
			}
			if err := json.Unmarshal(raw, &env); err != nil || env.Code != 0 || env.Iter == nil || env.Iter.Token == "" {
				t.Fatalf("%s page %d: %s", metric, pages, raw)
			}
			if len(env.Data) == 0 {
				break
			}
			pages++
			for _, h := range env.Data {
				if seen[h.ID] {
					t.Fatalf("%s page %d: id %d twice", metric, pages, h.ID)
				}
				seen[h.ID] = true
				if len(seen) > 1 && ((metric == "L2" && h.Distance < last) || (metric == "IP" && h.Distance > last)) {
					t.Fatalf("%s page %d: distance %g after %g", metric, pages, h.Distance, last)
				}
				last = h.Distance
			}
			token = env.Iter.Token
		}
		if len(seen) != n || pages != (n+96)/97 {
			t.Fatalf("%s: %d rows in %d pages, want %d rows in %d", metric, len(seen), pages, n, (n+96)/97)
		}
	}
	env := p.call("entities/search", map[string]any{"collectionName": "it_L2", "data": [][]float32{vec(3, dim)},
		"searchParams": map[string]any{"iterator": true, "search_iter_v2": true, "search_iter_id": "bm90IGEgdG9rZW4"}})
	if env.Code == 0 {
		t.Fatalf("forged token accepted: %s", env.Data)
	}
}
