//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// admin posts to a /v1/cluster route and returns the HTTP status and envelope.
func (p *proc) admin(path string, body any) (int, envelope) {
	p.t.Helper()
	status, raw := p.send(http.MethodPost, path, "", body)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		p.t.Fatalf("%s: HTTP %d, body %s", path, status, raw)
	}
	return status, env
}

// TestAdminAddUnreachableNodeDoesNotBrick is issue 10, defect 2, through
// the real binary: without --admin-api nodes/add is refused (1401, HTTP
// 403); with it, adding a node that does not answer is refused (1100) and
// changes nothing, so metadata operations keep working and, after kill -9
// and a restart, /healthz, /readyz and the collections answer (the node
// used to never serve HTTP again).
func TestAdminAddUnreachableNodeDoesNotBrick(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	evil := map[string]any{"nodeID": "evil", "raftAddr": "127.0.0.1:1"}
	p := startStandalone(t, dir)
	if status, env := p.admin("/v1/cluster/nodes/add", evil); status != http.StatusForbidden || env.Code != 1401 || !strings.Contains(env.Message, "--admin-api") {
		t.Fatalf("nodes/add without --admin-api: HTTP %d code %d: %s", status, env.Code, env.Message)
	}
	p.kill()

	p = startStandalone(t, dir, "--admin-api")
	p.ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2})
	p.ok("entities/insert", map[string]any{"collectionName": "c", "data": []map[string]any{{"id": 1, "vector": []float32{1, 2}}}})
	if _, env := p.admin("/v1/cluster/nodes/add", evil); env.Code != 1100 {
		t.Fatalf("nodes/add of an unreachable node: code %d: %s", env.Code, env.Message)
	}
	p.ok("collections/create", map[string]any{"collectionName": "d", "dimension": 2})

	p.kill()
	p = startStandalone(t, dir, "--admin-api") // waits for /readyz
	resp, err := http.Get("http://" + p.http + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz after restart: %v %v", resp, err)
	}
	resp.Body.Close()
	env := p.ok("entities/query", map[string]any{"collectionName": "c", "filter": "id >= 0", "outputFields": []string{"id"}, "consistencyLevel": "Strong"})
	var rows []map[string]any
	if err := json.Unmarshal(env.Data, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("rows after restart: %s (%v)", env.Data, err)
	}
	p.ok("collections/create", map[string]any{"collectionName": "e", "dimension": 2})
}
