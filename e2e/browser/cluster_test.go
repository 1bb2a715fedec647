package browser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// node is one `raftvec serve` process of the test cluster.
type node struct {
	id, http, raft string
	cmd            *exec.Cmd
	log            string
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// minioFlags returns the object storage flags of the MinIO that
// `make test-minio` started, under a key prefix of this run's own; the
// test is skipped without it (it runs only from that target).
func minioFlags(t *testing.T) []string {
	t.Helper()
	ep := os.Getenv("RAFTVEC_TEST_MINIO_ENDPOINT")
	if ep == "" {
		t.Skip("RAFTVEC_TEST_MINIO_ENDPOINT not set: run with `make test-minio`")
	}
	return []string{"--storage", "minio", "--minio-endpoint", ep, "--minio-access-key", os.Getenv("RAFTVEC_TEST_MINIO_ACCESS_KEY"),
		"--minio-secret-key", os.Getenv("RAFTVEC_TEST_MINIO_SECRET_KEY"), "--minio-bucket", "raftvec-browser",
		"--minio-root", fmt.Sprintf("console-%d", time.Now().UnixNano())}
}

// startCluster starts a 3-node cluster sharing the test MinIO, with small
// segments so flushes and index builds happen within the test.
func startCluster(t *testing.T) []*node {
	t.Helper()
	bin := os.Getenv("RAFTVEC_BIN")
	if bin == "" {
		t.Fatal("RAFTVEC_BIN is not set: run with `make test-minio`")
	}
	storage := minioFlags(t)
	dir := t.TempDir()
	nodes := make([]*node, 3)
	var join []string
	for i := range nodes {
		nodes[i] = &node{id: fmt.Sprintf("node-%d", i+1), http: freeAddr(t), raft: freeAddr(t), log: filepath.Join(dir, fmt.Sprintf("node-%d.log", i+1))}
		join = append(join, nodes[i].raft)
	}
	for _, n := range nodes {
		logf, err := os.Create(n.log)
		if err != nil {
			t.Fatal(err)
		}
		args := append([]string{"serve", "--node-id", n.id, "--data-dir", filepath.Join(dir, n.id), "--http-addr", n.http, "--raft-addr", n.raft,
			"--join", strings.Join(join, ","), "--bootstrap-expect", "3", "--chunk-size", "16384", "--segment-seal-size", "65536",
			"--raft-heartbeat-timeout", "300ms", "--raft-election-timeout", "300ms"}, storage...)
		n.cmd = exec.Command(bin, args...)
		n.cmd.Stdout, n.cmd.Stderr = logf, logf
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = n.cmd.Process.Kill()
			_ = n.cmd.Wait()
			logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(n.log)
				t.Logf("%s log (tail):\n%s", n.id, tail(b, 4000))
			}
		})
	}
	for _, n := range nodes {
		waitFor(t, 60*time.Second, n.id+" ready", func() bool {
			resp, err := http.Get("http://" + n.http + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == 200
		})
	}
	return nodes
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// envelope is the API's reply.
type envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// call POSTs body to a route (or GETs it when body is nil) and fails the
// test unless it answers code 0.
func (n *node) call(t *testing.T, path string, body any) json.RawMessage {
	t.Helper()
	var resp *http.Response
	var err error
	if body == nil {
		resp, err = http.Get("http://" + n.http + path)
	} else {
		b, _ := json.Marshal(body)
		resp, err = http.Post("http://"+n.http+path, "application/json", bytes.NewReader(b))
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 0 {
		t.Fatalf("%s: code %d %s (%v)", path, env.Code, env.Message, err)
	}
	return env.Data
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// loadCollection creates a 2-shard collection with an HNSW index, inserts
// rows ids from..to (title "doc-<id>"), and returns the rows' vectors.
func insertRows(t *testing.T, n *node, coll string, from, to int) {
	t.Helper()
	var rows []map[string]any
	for i := from; i < to; i++ {
		v := []float32{float32(i%7) + 0.5, float32(i%11) + 0.25, float32(i%13) + 0.125, float32(i % 5)}
		rows = append(rows, map[string]any{"id": i, "vector": v, "title": fmt.Sprintf("doc-%d", i)})
	}
	n.call(t, "/v2/vectordb/entities/insert", map[string]any{"collectionName": coll, "data": rows})
}

func createCollection(t *testing.T, n *node, coll string) {
	t.Helper()
	n.call(t, "/v2/vectordb/collections/create", map[string]any{"collectionName": coll, "params": map[string]any{"shardsNum": 2},
		"schema": map[string]any{"enableDynamicField": true, "fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": 4}}}},
		"indexParams": []map[string]any{{"fieldName": "vector", "indexName": "vector", "metricType": "L2", "indexType": "HNSW",
			"params": map[string]any{"M": 8, "efConstruction": 64}}}})
}

// waitIndexed waits until the index is Finished over every row.
func waitIndexed(t *testing.T, n *node, coll string) {
	t.Helper()
	waitFor(t, 120*time.Second, coll+" indexed", func() bool {
		var ix []struct {
			State string `json:"indexState"`
			Rows  int64  `json:"totalRows"`
		}
		_ = json.Unmarshal(n.call(t, "/v2/vectordb/indexes/describe", map[string]any{"collectionName": coll, "indexName": "vector"}), &ix)
		return len(ix) == 1 && ix[0].State == "Finished" && ix[0].Rows > 0
	})
}
