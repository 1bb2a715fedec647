package server

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// post sends a JSON body to a raftvec (non-Milvus) route and decodes the
// envelope.
func (c client) post(path string, body any) reply {
	c.t.Helper()
	b, _ := json.Marshal(body)
	return c.postURL(path, string(b))
}

// get returns the HTTP status and body of a GET.
func (c client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAddingAnUnreachableNodeDoesNotBrickStandalone reproduces issue 10,
// defect 2: nodes/add of a node that does not exist used to add it as a
// voter of a standalone node's metadata group, after which every metadata
// operation failed with "no metadata leader" and, after a restart, the
// HTTP port never answered. Now the add is refused (nothing changes), the
// metadata group keeps its one voter, and the node restarts and serves.
func TestAddingAnUnreachableNodeDoesNotBrickStandalone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := testConfig(dir)
	cfg.AdminAPI = true
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2})
	c.ok("entities/insert", map[string]any{"collectionName": "c", "data": []map[string]any{{"id": 1, "vector": []float32{1, 2}}}})

	r := c.post("/v1/cluster/nodes/add", map[string]any{"nodeID": "evil", "raftAddr": "127.0.0.1:1"})
	if r.Code != 1100 || !strings.Contains(r.Message, "does not answer") {
		t.Fatalf("nodes/add of an unreachable node: code %d: %s", r.Code, r.Message)
	}
	members, err := s.Coordinator().Members()
	if err != nil || len(members) != 1 || string(members[0].ID) != cfg.NodeID {
		t.Fatalf("metadata group after the refused add: %v %v", members, err)
	}
	c.ok("collections/create", map[string]any{"collectionName": "d", "dimension": 2})

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s, err = Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	c = newClient(t, s)
	if code, body := c.get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz after restart: HTTP %d %s", code, body)
	}
	if code, body := c.get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz after restart: HTTP %d %s", code, body)
	}
	if n := c.rowCount("c"); n != 1 {
		t.Fatalf("rows after restart: %d, want 1", n)
	}
	c.ok("collections/create", map[string]any{"collectionName": "e", "dimension": 2})
}

// TestAdminMembershipRoutesAreOptIn: without --admin-api (and without
// auth) nodes/add and nodes/remove are refused with 1401 and change
// nothing; status and the registry stay readable.
func TestAdminMembershipRoutesAreOptIn(t *testing.T) {
	s := startTest(t, filepath.Join(t.TempDir(), "data"))
	c := newClient(t, s)
	for _, tt := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/cluster/nodes/add", map[string]any{"nodeID": "evil", "raftAddr": "127.0.0.1:1"}},
		{"/v1/cluster/nodes/remove", map[string]any{"nodeID": s.cfg.NodeID}},
	} {
		if r := c.post(tt.path, tt.body); r.Code != 1401 || !strings.Contains(r.Message, "--admin-api") {
			t.Fatalf("%s without --admin-api: code %d: %s", tt.path, r.Code, r.Message)
		}
	}
	if n, ok := s.Coordinator().NodeByID(s.cfg.NodeID); !ok || n.State != "up" {
		t.Fatalf("registry changed: %+v", n)
	}
	if code, body := c.get("/v1/cluster/status"); code != http.StatusOK || !strings.Contains(body, `"metaMembers"`) {
		t.Fatalf("status: HTTP %d %s", code, body)
	}
}
