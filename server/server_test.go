package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// testConfig is a standalone node's configuration on loopback ports with
// short Raft timeouts, data in dir.
func testConfig(dir string) Config {
	cfg := Default()
	cfg.DataDir = dir
	cfg.HTTPAddr, cfg.RaftAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Raft.HeartbeatTimeout, cfg.Raft.ElectionTimeout = 200*time.Millisecond, 200*time.Millisecond
	return cfg
}

// quietLogger discards everything below warnings.
func quietLogger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: io.Discard})
}

// startTest starts a standalone node on loopback ports in a temp dir.
func startTest(t *testing.T, dir string) *Server {
	t.Helper()
	s, err := Start(testConfig(dir), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

type reply struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Topks   []int           `json:"topks"`
}

type client struct {
	t    *testing.T
	base string
}

func (c client) raw(path, body string) reply {
	c.t.Helper()
	return c.postURL("/v2/vectordb/"+path, body)
}

// postURL posts body to a path of the node and decodes the envelope.
func (c client) postURL(path, body string) reply {
	c.t.Helper()
	resp, err := http.Post(c.base+path, "text/plain", strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r reply
	if err := json.Unmarshal(b, &r); err != nil {
		c.t.Fatalf("%s: HTTP %d: %s", path, resp.StatusCode, b)
	}
	return r
}

func (c client) do(path string, body any) reply {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.raw(path, string(bytes.TrimSpace(b)))
}

func (c client) ok(path string, body any) json.RawMessage {
	c.t.Helper()
	r := c.do(path, body)
	if r.Code != 0 {
		c.t.Fatalf("%s: code %d: %s", path, r.Code, r.Message)
	}
	return r.Data
}

func (c client) rowCount(coll string) int64 {
	c.t.Helper()
	var st struct{ RowCount int64 }
	if err := json.Unmarshal(c.ok("collections/get_stats", map[string]any{"collectionName": coll}), &st); err != nil {
		c.t.Fatal(err)
	}
	return st.RowCount
}

func newClient(t *testing.T, s *Server) client {
	return client{t: t, base: "http://" + s.HTTPAddr()}
}

func TestRestartKeepsData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startTest(t, dir)
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "r", "dimension": 2, "params": map[string]any{"shardsNum": 3}})
	c.ok("partitions/create", map[string]any{"collectionName": "r", "partitionName": "p1"})
	rows := []map[string]any{}
	for i := 0; i < 50; i++ {
		rows = append(rows, map[string]any{"id": i, "vector": []float32{float32(i), 1}})
	}
	c.ok("entities/insert", map[string]any{"collectionName": "r", "data": rows, "partitionName": "p1"})
	c.ok("entities/delete", map[string]any{"collectionName": "r", "filter": "id < 10"})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s = startTest(t, dir)
	c = newClient(t, s)
	if n := c.rowCount("r"); n != 40 {
		t.Fatalf("rowCount after restart %d, want 40", n)
	}
	var parts []string
	_ = json.Unmarshal(c.ok("partitions/list", map[string]any{"collectionName": "r"}), &parts)
	if len(parts) != 2 {
		t.Fatalf("partitions after restart: %v", parts)
	}
	// Auto IDs never repeat across restarts.
	c.ok("collections/create", map[string]any{"collectionName": "a", "dimension": 2, "autoID": true})
	first := c.ok("entities/insert", map[string]any{"collectionName": "a", "data": []map[string]any{{"vector": []float32{1, 2}}}})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s = startTest(t, dir)
	c = newClient(t, s)
	second := c.ok("entities/insert", map[string]any{"collectionName": "a", "data": []map[string]any{{"vector": []float32{1, 2}}}})
	if string(first) == string(second) {
		t.Fatalf("auto ID reused after restart: %s", first)
	}
	if n := c.rowCount("a"); n != 2 {
		t.Fatalf("autoID collection rowCount %d", n)
	}
}
