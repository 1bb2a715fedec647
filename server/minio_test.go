//go:build minio

package server

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/storage/minio"
)

// minioConfig returns a node configuration on the MinIO started by
// `make test-minio`, under a root unique to the test.
func minioConfig(t *testing.T) Config {
	ep := os.Getenv("RAFTVEC_TEST_MINIO_ENDPOINT")
	if ep == "" {
		t.Fatal("RAFTVEC_TEST_MINIO_ENDPOINT is not set: run these tests with `make test-minio`")
	}
	cfg := testConfig(filepath.Join(t.TempDir(), "data"))
	cfg.Storage = StorageConfig{Kind: "minio", Endpoint: ep, Access: os.Getenv("RAFTVEC_TEST_MINIO_ACCESS_KEY"),
		Secret: os.Getenv("RAFTVEC_TEST_MINIO_SECRET_KEY"), Bucket: "raftvec-server-test",
		Root: fmt.Sprintf("%s-%d", strings.ToLower(t.Name()), time.Now().UnixNano())}
	cfg.Lifecycle.ChunkSize, cfg.Lifecycle.SealSize = 64<<10, 256<<10
	cfg.Lifecycle.GCTolerance, cfg.Lifecycle.GCInterval = 2*time.Second, 500*time.Millisecond
	return cfg
}

func startWith(t *testing.T, cfg Config) *Server {
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func insertRange(c client, coll string, from, n int) {
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"id": from + i, "vector": vec8(from + i), "note": strings.Repeat("n", (from+i)%50)}
	}
	c.ok("entities/insert", map[string]any{"collectionName": coll, "data": rows})
}

// TestMinIOLifecycleAndRestart flushes chunks to real MinIO under the
// documented keys, restarts the node from its small snapshot and checks
// that every row comes back from MinIO.
func TestMinIOLifecycleAndRestart(t *testing.T) {
	cfg := minioConfig(t)
	s := startWith(t, cfg)
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "m", "dimension": 8, "metricType": "L2", "params": map[string]any{"shardsNum": 2}})
	for b := 0; b < 30; b++ {
		insertRange(c, "m", b*100, 100)
	}
	c.ok("entities/delete", map[string]any{"collectionName": "m", "filter": "id % 7 == 0"})
	c.ok("collections/flush", map[string]any{"collectionName": "m"})
	store, err := minio.New(context.Background(), minio.Config{Endpoint: cfg.Storage.Endpoint, AccessKey: cfg.Storage.Access,
		SecretKey: cfg.Storage.Secret, Bucket: cfg.Storage.Bucket, Root: cfg.Storage.Root})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	objs, err := store.List(context.Background(), "insert_log/")
	if err != nil || len(objs) == 0 {
		t.Fatalf("no chunk objects in MinIO: %v", err)
	}
	before := string(c.ok("entities/query", map[string]any{"collectionName": "m", "filter": "id >= 0", "limit": 5000, "outputFields": []string{"*"}}))
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	snap := dirSize(t, filepath.Join(cfg.DataDir, "shards"), "state.bin")
	var data int64
	for _, o := range objs {
		data += o.Size
	}
	t.Logf("%d chunk objects, %d bytes in MinIO; snapshots %d bytes", len(objs), data, snap)
	s = startWith(t, cfg)
	defer s.Stop()
	c = newClient(t, s)
	if after := string(c.ok("entities/query", map[string]any{"collectionName": "m", "filter": "id >= 0", "limit": 5000, "outputFields": []string{"*"}})); after != before {
		t.Fatal("rows differ after restoring from MinIO")
	}
	// GC: after a drop, every object of the collection leaves the bucket.
	c.ok("collections/drop", map[string]any{"collectionName": "m"})
	waitFor(t, 30*time.Second, func() bool {
		left, err := store.List(context.Background(), "")
		return err == nil && len(left) == 0
	})
}

func minioScript(t *testing.T, args ...string) {
	t.Helper()
	script := os.Getenv("RAFTVEC_TEST_MINIO_SCRIPT")
	out, err := exec.Command("bash", append([]string{script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("minio.sh %v: %v\n%s", args, err, out)
	}
}

// TestMinIOKilledDuringFlushing stops MinIO while rows are being written and
// flushed: writes keep being accepted, a flush cannot finish, and once MinIO
// is back every acknowledged row is flushed and survives a restart.
func TestMinIOKilledDuringFlushing(t *testing.T) {
	cfg := minioConfig(t)
	s := startWith(t, cfg)
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "k", "dimension": 8, "metricType": "L2"})
	insertRange(c, "k", 0, 1000)
	dir, port := os.Getenv("RAFTVEC_TEST_MINIO_DIR"), os.Getenv("RAFTVEC_TEST_MINIO_PORT")
	minioScript(t, "stop", dir)
	restarted := false
	defer func() {
		if !restarted {
			minioScript(t, "start", dir, port)
		}
	}()
	for b := 10; b < 30; b++ {
		insertRange(c, "k", b*100, 100) // accepted: the rows are in the Raft log
	}
	req, _ := http.NewRequest("POST", c.base+"/v2/vectordb/collections/flush", strings.NewReader(`{"collectionName":"k"}`))
	req.Header.Set("Request-Timeout", "2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("flush with MinIO down: HTTP %d, want 408", resp.StatusCode)
	}
	if n := c.rowCount("k"); n != 3000 {
		t.Fatalf("rowCount %d with MinIO down, want 3000", n)
	}
	if st := c.getJSON("/v1/cluster/status"); !strings.Contains(st, `"unflushedBytes"`) {
		t.Fatalf("cluster status does not show the flush backlog: %s", st)
	}
	minioScript(t, "start", dir, port)
	restarted = true
	c.ok("collections/flush", map[string]any{"collectionName": "k"})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s = startWith(t, cfg)
	defer s.Stop()
	c = newClient(t, s)
	if n := c.rowCount("k"); n != 3000 {
		t.Fatalf("rowCount %d after MinIO outage and restart, want 3000", n)
	}
	for _, sg := range segments(t, c, "k") {
		if sg["state"] != "Flushed" {
			t.Fatalf("segment not flushed after MinIO came back: %v", sg)
		}
	}
}
