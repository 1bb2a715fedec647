//go:build minio

package server

import (
	"fmt"
	"strings"
	"testing"
)

// TestMinIOClusterBackupRestore backs up a 2-shard, 3-replica collection
// of a 3-node cluster on MinIO through one node and restores it through
// another: the segment listings come from whichever replicas answer (over
// RPC for shards the node does not lead), and the restored collection has
// the rows of the backup on every node, deletions included.
func TestMinIOClusterBackupRestore(t *testing.T) {
	shared := minioConfig(t)
	tc := newCluster(t, 3, 3, func(c *Config) {
		c.Storage = shared.Storage
		c.Lifecycle = shared.Lifecycle
		c.AdminAPI = true
		c.Storage.BackupRoot = shared.Storage.Root + "-backups" // each run its own
	})
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "src", "dimension": 8, "metricType": "L2",
		"params": map[string]any{"shardsNum": 2}})
	for b := 0; b < 10; b++ {
		insertRange(tc.client(b%3), "src", b*100, 100)
	}
	tc.client(1).ok("entities/delete", map[string]any{"collectionName": "src", "filter": "id % 5 == 0"})
	r := tc.client(1).post("/v1/backup/create", map[string]any{"collectionName": "src", "backupName": "cluster"})
	if r.Code != 0 || !strings.Contains(string(r.Data), `"liveRows":800`) {
		t.Fatalf("backup/create: %d %s %s", r.Code, r.Message, r.Data)
	}
	insertRange(tc.client(0), "src", 5000, 10) // after the backup
	r = tc.client(2).post("/v1/backup/restore", map[string]any{"backupName": "cluster", "collectionName": "dst"})
	if r.Code != 0 {
		t.Fatalf("backup/restore: %d %s", r.Code, r.Message)
	}
	for i := range 3 {
		if n := tc.client(i).countAt("dst", "Strong"); n != 800 {
			t.Fatalf("node %d: %d rows restored, want 800", i, n)
		}
	}
	got := string(tc.client(0).ok("entities/get", map[string]any{"collectionName": "dst", "id": []int{1, 5, 999, 5000}}))
	if !strings.Contains(got, `"id":"1"`) || !strings.Contains(got, `"id":"999"`) || strings.Contains(got, `"id":"5"`) || strings.Contains(got, `"id":"5000"`) {
		t.Fatalf("get 1, 5, 999, 5000: %s, want 1 and 999 only", got)
	}
	hits := string(tc.client(2).ok("entities/search", map[string]any{"collectionName": "dst", "data": [][]float32{vec8(7)}, "limit": 3,
		"consistencyLevel": "Strong"}))
	if !strings.HasPrefix(hits, fmt.Sprintf(`[{"distance":0,"id":"%d"`, 7)) {
		t.Fatalf("search for row 7: %s", hits)
	}
}
