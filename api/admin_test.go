package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/proxy"
)

// fakeAdmin records the membership changes it was asked for.
type fakeAdmin struct{ calls []string }

func (a *fakeAdmin) ClusterStatus(context.Context) (any, error) {
	return map[string]any{"ok": true}, nil
}
func (a *fakeAdmin) Nodes(context.Context) (any, error) { return []string{"node-1"}, nil }
func (a *fakeAdmin) AddNode(_ context.Context, id, _, _ string) error {
	a.calls = append(a.calls, "add "+id)
	return nil
}
func (a *fakeAdmin) RemoveNode(_ context.Context, id string) error {
	a.calls = append(a.calls, "remove "+id)
	return nil
}
func (a *fakeAdmin) Segments(ctx context.Context, coll string) (any, error) {
	a.calls = append(a.calls, "segments "+proxy.Database(ctx)+"."+coll)
	return nil, nil
}
func (a *fakeAdmin) Trace(ctx context.Context, coll, pk string) (any, error) {
	a.calls = append(a.calls, "trace "+proxy.Database(ctx)+"."+coll+" "+pk)
	return nil, nil
}
func (a *fakeAdmin) Storage(context.Context) (any, error) { return map[string]any{"objects": 0}, nil }

func (e *env) admin(method, path, body string, hdr ...string) resp {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return e.do(req)
}

// TestAdminMembershipRoutesNeedOptIn: one nodes/add call could take a
// node's metadata group out of service (issue 10, defect 2), so the routes
// that change membership are refused (1401, HTTP 403, nothing called)
// unless the node opted in with --admin-api or, with auth on, the caller is
// root. Read-only admin routes stay open.
func TestAdminMembershipRoutesNeedOptIn(t *testing.T) {
	users := map[string]string{"root": "Milvus", "alice": "pw"}
	tests := []struct {
		name     string
		cfg      Config
		hdr      []string
		wantCode int
		wantHTTP int
	}{
		{"default: refused", Config{}, nil, codeNotPermitted, http.StatusForbidden},
		{"--admin-api", Config{AdminAPI: true}, nil, 0, http.StatusOK},
		{"auth, no credentials", Config{AuthEnabled: true, Users: users}, nil, codeUnauthenticated, http.StatusUnauthorized},
		{"auth, ordinary user", Config{AuthEnabled: true, Users: users}, []string{"Authorization", "Bearer alice:pw"}, codeNotPermitted, http.StatusForbidden},
		{"auth, api key", Config{AuthEnabled: true, Users: users, APIKeys: []string{"k"}}, []string{"Authorization", "Bearer k"}, codeNotPermitted, http.StatusForbidden},
		{"auth, root with a wrong password", Config{AuthEnabled: true, Users: users}, []string{"Authorization", "Bearer root:x"}, codeUnauthenticated, http.StatusUnauthorized},
		{"auth, root", Config{AuthEnabled: true, Users: users}, []string{"Authorization", "Bearer root:Milvus"}, 0, http.StatusOK},
		{"auth + --admin-api, ordinary user", Config{AuthEnabled: true, Users: users, AdminAPI: true}, []string{"Authorization", "Bearer alice:pw"}, 0, http.StatusOK},
		{"root without auth is nobody", Config{Users: users}, []string{"Authorization", "Bearer root:Milvus"}, codeNotPermitted, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &fakeAdmin{}
			tt.cfg.Admin = a
			e := newEnv(t, tt.cfg)
			var want []string
			for _, route := range []struct{ path, body, call string }{
				{"/v1/cluster/nodes/add", `{"nodeID":"evil","raftAddr":"127.0.0.1:1"}`, "add evil"},
				{"/v1/cluster/nodes/remove", `{"nodeID":"evil"}`, "remove evil"},
			} {
				r := e.admin(http.MethodPost, route.path, route.body, tt.hdr...)
				if r.Code != tt.wantCode || r.Status != tt.wantHTTP {
					t.Fatalf("%s: code %d HTTP %d (%s), want code %d HTTP %d", route.path, r.Code, r.Status, r.Msg, tt.wantCode, tt.wantHTTP)
				}
				if tt.wantCode == codeNotPermitted && !strings.Contains(r.Msg, "--admin-api") {
					t.Fatalf("refusal does not say how to opt in: %q", r.Msg)
				}
				if tt.wantCode == 0 {
					want = append(want, route.call)
				}
			}
			if strings.Join(a.calls, ",") != strings.Join(want, ",") {
				t.Fatalf("admin called %v, want %v", a.calls, want)
			}
			if tt.wantHTTP != http.StatusUnauthorized {
				// The read-only admin routes: every caller without auth,
				// else the admin role (or every caller with --admin-api).
				want := 0
				if tt.cfg.AuthEnabled && tt.wantCode == codeNotPermitted {
					want = codeNotPermitted
				}
				if r := e.admin(http.MethodGet, "/v1/cluster/status", "", tt.hdr...); r.Code != want {
					t.Fatalf("status: code %d, want %d: %s", r.Code, want, r.Msg)
				}
			}
		})
	}
}

// TestStartingNodeServesHealthButNotData: while Config.Starting reports an
// error, /healthz and the read-only admin routes answer, /readyz says why
// the node is not ready, and the Milvus routes answer code 1 without
// reaching the backend.
func TestStartingNodeServesHealthButNotData(t *testing.T) {
	starting := errors.New("joining the cluster: waiting for a metadata leader")
	var cur error = starting
	e := newEnv(t, Config{Admin: &fakeAdmin{}, Starting: func() error { return cur }})
	get := func(path string) (int, string) {
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code, w.Body.String()
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: HTTP %d while starting", code)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "metadata leader") {
		t.Fatalf("/readyz while starting: HTTP %d %q", code, body)
	}
	if r := e.admin(http.MethodGet, "/v1/cluster/status", ""); r.Code != 0 {
		t.Fatalf("status while starting: code %d: %s", r.Code, r.Msg)
	}
	if r := e.post("collections/list", `{}`); r.Code != codeNotReady || !strings.Contains(r.Msg, "metadata leader") {
		t.Fatalf("collections/list while starting: code %d: %s", r.Code, r.Msg)
	}
	cur = nil
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz once started: HTTP %d", code)
	}
	if r := e.post("collections/list", `{}`); r.Code != 0 {
		t.Fatalf("collections/list once started: code %d: %s", r.Code, r.Msg)
	}
}
