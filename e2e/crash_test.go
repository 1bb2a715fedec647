//go:build e2e

package e2e

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"
)

// TestKill9KeepsAcknowledgedWrites writes, deletes and upserts through the
// real binary, kills it with SIGKILL, restarts it on the same data dir and
// checks that every acknowledged write is there and no deleted row is.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startStandalone(t, dir)
	const dim, n = 8, 600
	p.ok("collections/create", map[string]any{"collectionName": "crash", "dimension": dim, "metricType": "L2",
		"params": map[string]any{"shardsNum": 2}})
	for b := 0; b < n; b += 100 {
		rows := make([]map[string]any, 0, 100)
		for i := b; i < b+100; i++ {
			rows = append(rows, map[string]any{"id": i, "vector": vec(i, dim), "n": i})
		}
		p.ok("entities/insert", map[string]any{"collectionName": "crash", "data": rows})
	}
	deleted := ids(100, 150)
	if env := p.ok("entities/delete", map[string]any{"collectionName": "crash", "filter": fmtIDs(deleted)}); !json.Valid(env.Data) {
		t.Fatalf("delete data %s", env.Data)
	}
	p.ok("entities/upsert", map[string]any{"collectionName": "crash", "data": []map[string]any{{"id": 7, "vector": vec(7, dim), "n": 7000}}})

	p.kill()
	p = startStandalone(t, dir)

	got := queryIDs(t, p, "id >= 0", n)
	want := append(ids(0, 100), ids(150, n)...)
	if !equalIDs(got, want) {
		t.Fatalf("after restart: %d rows, want %d (first got %v)", len(got), len(want), head(got))
	}
	env := p.ok("entities/get", map[string]any{"collectionName": "crash", "id": 7, "outputFields": []string{"n"}})
	var rows []map[string]any
	_ = json.Unmarshal(env.Data, &rows)
	if len(rows) != 1 || rows[0]["n"] != float64(7000) {
		t.Fatalf("upserted row after restart: %s", env.Data)
	}
	stats := p.ok("collections/get_stats", map[string]any{"collectionName": "crash"})
	var st struct{ RowCount int64 }
	_ = json.Unmarshal(stats.Data, &st)
	if st.RowCount != int64(len(want)) {
		t.Fatalf("rowCount %d, want %d", st.RowCount, len(want))
	}
	// The node keeps working after recovery.
	p.ok("entities/insert", map[string]any{"collectionName": "crash", "data": []map[string]any{{"id": 100, "vector": vec(100, dim)}}})
	if err := p.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
}

func queryIDs(t *testing.T, p *proc, filter string, limit int) []int64 {
	t.Helper()
	env := p.ok("entities/query", map[string]any{"collectionName": "crash", "filter": filter, "limit": limit,
		"outputFields": []string{"id"}, "consistencyLevel": "Strong"})
	var rows []struct{ ID int64 }
	if err := json.Unmarshal(env.Data, &rows); err != nil {
		t.Fatalf("query data %s: %v", env.Data, err)
	}
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func head(a []int64) []int64 { return a[:min(len(a), 10)] }
