package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/shards"
)

func TestUnknownPath(t *testing.T) {
	e := newEnv(t)
	r := e.post("nope/verb", `{}`)
	if r.Status != http.StatusNotFound || r.Code != http.StatusNotFound {
		t.Errorf("status %d code %d", r.Status, r.Code)
	}
	r = e.do(httptest.NewRequest(http.MethodGet, "/v2/vectordb/collections/list", nil))
	if r.Status != http.StatusNotFound {
		t.Errorf("GET on a POST route: status %d", r.Status)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, Config{AuthEnabled: true, Users: map[string]string{"root": "Milvus"}, APIKeys: []string{"key-1"}})
	tests := []struct {
		name, auth string
		ok         bool
	}{
		{"none", "", false},
		{"wrong password", "Bearer root:milvus", false},
		{"unknown user", "Bearer bob:Milvus", false},
		{"not bearer", "Token root:Milvus", false},
		{"user", "Bearer root:Milvus", true},
		{"lowercase scheme", "bearer root:Milvus", true},
		{"api key", "Bearer key-1", true},
		{"wrong key", "Bearer key-2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			r := e.post("collections/list", "", "Authorization", tt.auth)
			if tt.ok && (r.Status != 200 || r.Code != 0) {
				t.Errorf("status %d code %d %q", r.Status, r.Code, r.Msg)
			}
			if !tt.ok && (r.Status != http.StatusUnauthorized || r.Code != codeUnauthenticated) {
				t.Errorf("status %d code %d, want 401/1800", r.Status, r.Code)
			}
		})
	}
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Errorf("healthz needs no auth: %d", w.Code)
	}
}

func TestAuthDisabledIgnoresHeader(t *testing.T) {
	e := newEnv(t)
	e.ok("collections/list", "", "Authorization", "Bearer whatever")
}

func TestRequestTimeout(t *testing.T) {
	e := newEnv(t)
	e.quick("c", nil)
	e.f.block = make(chan struct{})
	defer close(e.f.block)
	start := time.Now()
	r := e.post("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,1]}]}`, headerTimeout, "0.1")
	if r.Status != http.StatusRequestTimeout || r.Code != codeTimeout || !strings.Contains(r.Msg, "may or may not") {
		t.Errorf("status %d code %d %q", r.Status, r.Code, r.Msg)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("timeout took %v", time.Since(start))
	}
	r = e.post("entities/query", `{"collectionName":"c"}`, headerTimeout, "1")
	if r.Status != http.StatusRequestTimeout {
		t.Errorf("query: status %d code %d", r.Status, r.Code)
	}
	e.fail("collections/list", "", codeInvalid, headerTimeout, headerTimeout, "soon")
}

func TestRequestTimeoutNotHit(t *testing.T) {
	e := newEnv(t)
	e.quick("c", nil)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,1]}]}`, headerTimeout, "30")
	e.fail("collections/describe", `{"collectionName":"zz"}`, codeCollectionNotFound, "zz", headerTimeout, "30")
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, Config{MaxBodyBytes: 512})
	e.quick("c", nil)
	big := `{"collectionName":"c","data":[{"id":1,"vector":[1,1],"pad":"` + strings.Repeat("x", 1000) + `"}]}`
	e.fail("entities/insert", big, codeInvalid, "request body too large")
	// Without a Content-Length (chunked) the limit still holds.
	req := httptest.NewRequest(http.MethodPost, "/v2/vectordb/entities/insert", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	if r := e.do(req); r.Code != codeInvalid || !strings.Contains(r.Msg, "too large") {
		t.Errorf("chunked: code %d %q", r.Code, r.Msg)
	}
	if e.f.writeCount() != 0 {
		t.Error("an oversized request was written")
	}
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,1]}]}`)
}

func TestContentTypesAndDB(t *testing.T) {
	e := newEnv(t)
	e.quick("c", nil)
	for _, ct := range []string{"", "text/plain", "application/json", "application/x-www-form-urlencoded"} {
		req := httptest.NewRequest(http.MethodPost, "/v2/vectordb/collections/has", strings.NewReader(`{"collectionName":"c","dbName":"default"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if r := e.do(req); r.Code != 0 || js(r.Data) != `{"has":true}` {
			t.Errorf("content type %q: code %d %q", ct, r.Code, r.Msg)
		}
	}
	e.fail("collections/has", `{"collectionName":"c","dbName":"other"}`, codeDatabaseNotFound, "other")
	e.fail("collections/has", `{"collectionName":"c"} trailing`, codeBadJSON, "JSON")
}

// errBackend fails every data call with a fixed error.
type errBackend struct {
	*fake
	err error
}

func (b errBackend) Write(context.Context, shards.WriteRequest) (shards.WriteResult, error) {
	return shards.WriteResult{}, b.err
}

func TestBackendErrorCodes(t *testing.T) {
	tests := []struct {
		err  error
		code int
	}{
		{fmt.Errorf("propose: %w: %w", shards.ErrUnknownOutcome, context.DeadlineExceeded), codeUnknownOutcome},
		{fmt.Errorf("%w: no leader", shards.ErrUnavailable), codeUnavailable},
		{shards.ErrRateLimited, codeRateLimited},
		{fmt.Errorf("joining: %w", ErrNotReady), codeNotReady},
		{errors.New("disk on fire"), codeUnexpected},
	}
	for _, tt := range tests {
		f := newFake()
		h := New(Config{}, errBackend{f, tt.err}).Handler()
		e := &env{t: t, f: f, h: h}
		e.quick("c", nil)
		r := e.post("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,1]}]}`)
		if r.Code != tt.code || !strings.Contains(r.Msg, tt.err.Error()) {
			t.Errorf("%v: code %d %q, want %d", tt.err, r.Code, r.Msg, tt.code)
		}
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	get := func(path string) (int, string) {
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code, w.Body.String()
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("readyz %d", code)
	}
	e.f.readyErr = errors.New("no leader yet")
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "no leader") {
		t.Errorf("readyz %d %s", code, body)
	}
	e.post("collections/describe", `{"collectionName":"zz"}`)
	e.post("nope", `{}`)
	_, body := get("/metrics")
	for _, want := range []string{
		`raftvec_http_requests_total{code="100",route="/v2/vectordb/collections/describe",status="200"} 1`,
		`raftvec_http_requests_total{code="404",route="unmatched",status="404"} 1`,
		`raftvec_http_request_duration_seconds_bucket{code="100",route="/v2/vectordb/collections/describe"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	newEnv(t) // a second server registers its own collectors without panicking
}

func TestServeGracefulShutdown(t *testing.T) {
	s := New(Config{}, newFake())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	res, err := http.Post("http://"+ln.Addr().String()+"/v2/vectordb/collections/list", "text/plain", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"code":0`) || !strings.Contains(string(body), `"data":[]`) {
		t.Errorf("list over TCP: %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}
