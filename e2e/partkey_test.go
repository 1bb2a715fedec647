//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestPartitionKey: a VarChar partition key with partitionsNum 4 over two
// shards. Rows land in the partition of their key (checked in the segment
// listing), reads filtered on the key return exactly the rows a scan
// would, an upsert that changes a row's key moves it, named partitions
// are refused, and all of it holds after flush and restart.
func TestPartitionKey(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	flags := []string{"--chunk-size", "4096", "--segment-seal-size", "16384"}
	p := startStandalone(t, data, flags...)
	const coll, dim, n = "tenants", 4, 300
	p.ok("collections/create", map[string]any{"collectionName": coll,
		"params": map[string]any{"shardsNum": 2, "partitionsNum": 4},
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "tenant", "dataType": "VarChar", "isPartitionKey": true, "elementTypeParams": map[string]any{"max_length": 16}},
			{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}},
		}},
		"indexParams": []map[string]any{{"fieldName": "v", "indexType": "FLAT", "metricType": "L2"}}})
	tenant := map[int64]string{}
	var rows []map[string]any
	for i := range n {
		tenant[int64(i)] = fmt.Sprintf("t%d", i%7)
		rows = append(rows, map[string]any{"id": i, "tenant": tenant[int64(i)], "v": vec(i, dim)})
	}
	p.ok("entities/insert", map[string]any{"collectionName": coll, "data": rows})

	var desc struct {
		PartitionsNum int `json:"partitionsNum"`
		Fields        []struct {
			Name         string `json:"name"`
			PartitionKey bool   `json:"partitionKey"`
		} `json:"fields"`
	}
	_ = json.Unmarshal(p.ok("collections/describe", map[string]any{"collectionName": coll}).Data, &desc)
	if desc.PartitionsNum != 4 || !desc.Fields[1].PartitionKey {
		t.Fatalf("describe: %+v", desc)
	}
	// Upsert row 0 into another tenant: it moves (one row, new key).
	tenant[0] = "t6"
	p.ok("entities/upsert", map[string]any{"collectionName": coll, "data": []map[string]any{{"id": 0, "tenant": "t6", "v": vec(0, dim)}}})

	check := func(stage string) {
		t.Helper()
		for _, filter := range []string{`tenant == "t3"`, `tenant in ["t0", "t6"] and id < 200`, `tenant == "t1" or tenant == "t5"`} {
			env := p.ok("entities/query", map[string]any{"collectionName": coll, "filter": filter,
				"outputFields": []string{"tenant"}, "limit": 1000, "consistencyLevel": "Strong"})
			var got []struct {
				ID     int64  `json:"id"`
				Tenant string `json:"tenant"`
			}
			_ = json.Unmarshal(env.Data, &got)
			want := 0
			for id, tn := range tenant {
				if matchTenantFilter(filter, id, tn) {
					want++
				}
			}
			if len(got) != want {
				t.Fatalf("%s: %s found %d rows, want %d", stage, filter, len(got), want)
			}
			for _, r := range got {
				if r.Tenant != tenant[r.ID] || !matchTenantFilter(filter, r.ID, r.Tenant) {
					t.Fatalf("%s: %s returned %+v", stage, filter, r)
				}
			}
		}
		env := p.ok("entities/search", map[string]any{"collectionName": coll, "data": [][]float32{vec(3, dim)},
			"filter": `tenant == "t3"`, "limit": 5, "outputFields": []string{"tenant"}, "consistencyLevel": "Strong"})
		var hits []struct {
			ID     int64  `json:"id"`
			Tenant string `json:"tenant"`
		}
		_ = json.Unmarshal(env.Data, &hits)
		if len(hits) != 5 || hits[0].ID != 3 {
			t.Fatalf("%s: search in tenant t3: %s", stage, env.Data)
		}
		for _, h := range hits {
			if h.Tenant != "t3" {
				t.Fatalf("%s: search in tenant t3 returned %+v", stage, h)
			}
		}
		checkKeyPlacement(t, p, coll, tenant, stage)
	}
	check("growing")
	waitSealedFlushed(t, p, coll)
	check("flushed")
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": "id % 3 == 1"})
	for id := range tenant {
		if id%3 == 1 {
			delete(tenant, id)
		}
	}
	p.ok("collections/compact", map[string]any{"collectionName": coll})
	waitCompacted(t, p, coll)
	check("compacted")

	for _, tc := range []struct {
		path string
		body map[string]any
	}{
		{"entities/insert", map[string]any{"collectionName": coll, "partitionName": "_default_1",
			"data": []map[string]any{{"id": 9999, "tenant": "t1", "v": vec(1, dim)}}}},
		{"entities/search", map[string]any{"collectionName": coll, "partitionNames": []string{"_default_1"}, "data": [][]float32{vec(1, dim)}}},
		{"partitions/create", map[string]any{"collectionName": coll, "partitionName": "extra"}},
		{"partitions/drop", map[string]any{"collectionName": coll, "partitionName": "_default_1"}},
		{"collections/create", map[string]any{"collectionName": "two_keys", "schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "a", "dataType": "Int64", "isPartitionKey": true},
			{"fieldName": "b", "dataType": "Int64", "isPartitionKey": true},
			{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 2}}}}}},
	} {
		if env := p.call(tc.path, tc.body); env.Code == 0 {
			t.Errorf("%s %v: accepted", tc.path, tc.body)
		}
	}
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, flags...)
	check("restarted")
}

// matchTenantFilter evaluates the test's three filters.
func matchTenantFilter(filter string, id int64, tn string) bool {
	switch {
	case strings.HasPrefix(filter, `tenant == "t3"`):
		return tn == "t3"
	case strings.HasPrefix(filter, `tenant in`):
		return (tn == "t0" || tn == "t6") && id < 200
	}
	return tn == "t1" || tn == "t5"
}

// checkKeyPlacement traces every row (GET …/entities/{pk}/trace) and
// checks that all rows of a tenant are in one partition, that the 7
// tenants use more than one of the 4 partitions, and that the partition
// count of the listing is 4 at most.
func checkKeyPlacement(t *testing.T, p *proc, coll string, tenant map[int64]string, stage string) {
	t.Helper()
	partOf := map[string]int64{}
	used := map[int64]bool{}
	for id, tn := range tenant {
		resp, err := http.Get(fmt.Sprintf("http://%s/v1/collections/%s/entities/%d/trace", p.http, coll, id))
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Data struct {
				Found     bool  `json:"found"`
				Partition int64 `json:"partitionID"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || !env.Data.Found {
			t.Fatalf("%s: trace of %d: %+v %v", stage, id, env, err)
		}
		if prev, ok := partOf[tn]; ok && prev != env.Data.Partition {
			t.Fatalf("%s: tenant %s is in partitions %d and %d", stage, tn, prev, env.Data.Partition)
		}
		partOf[tn] = env.Data.Partition
		used[env.Data.Partition] = true
	}
	if len(used) < 2 || len(used) > 4 {
		t.Fatalf("%s: 7 tenants in %d partitions, want 2 to 4", stage, len(used))
	}
}
