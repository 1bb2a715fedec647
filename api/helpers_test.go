package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// env is a server over a fake backend.
type env struct {
	t *testing.T
	f *fake
	s *Server
	h http.Handler
}

func newEnv(t *testing.T, cfg ...Config) *env {
	t.Helper()
	var c Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	f := newFake()
	s := New(c, f)
	return &env{t: t, f: f, s: s, h: s.Handler()}
}

// resp is a decoded response.
type resp struct {
	Status int
	Code   int
	Msg    string
	Data   any
	Topks  []int
	Header http.Header
}

// post sends body (a string is sent as is, anything else as JSON) with
// Content-Type text/plain, as the Node SDK does. hdr is key, value, ...
func (e *env) post(path string, body any, hdr ...string) resp {
	e.t.Helper()
	var b []byte
	switch x := body.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		var err error
		if b, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/v2/vectordb/"+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "text/plain")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) resp {
	e.t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	r := resp{Status: w.Code, Header: w.Header()}
	var raw struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    any    `json:"data"`
		Topks   []int  `json:"topks"`
	}
	d := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		e.t.Fatalf("%s: response is not JSON: %v: %s", req.URL.Path, err, w.Body.String())
	}
	r.Code, r.Msg, r.Data, r.Topks = raw.Code, raw.Message, raw.Data, raw.Topks
	return r
}

// ok posts and fails unless code is 0.
func (e *env) ok(path string, body any, hdr ...string) resp {
	e.t.Helper()
	r := e.post(path, body, hdr...)
	if r.Status != 200 || r.Code != 0 {
		e.t.Fatalf("%s: status %d code %d message %q", path, r.Status, r.Code, r.Msg)
	}
	return r
}

// fail posts and checks the code and that the message mentions want.
func (e *env) fail(path string, body any, code int, want string, hdr ...string) resp {
	e.t.Helper()
	r := e.post(path, body, hdr...)
	if r.Code != code || !strings.Contains(r.Msg, want) {
		e.t.Fatalf("%s: got code %d message %q, want code %d mentioning %q", path, r.Code, r.Msg, code, want)
	}
	return r
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.Data.(map[string]any)
	if !ok {
		t.Fatalf("data is %T, want object: %v", r.Data, r.Data)
	}
	return m
}

func (r resp) rows(t *testing.T) []map[string]any {
	t.Helper()
	list, ok := r.Data.([]any)
	if !ok {
		t.Fatalf("data is %T, want list: %v", r.Data, r.Data)
	}
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

// js renders a decoded value compactly for comparisons.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// quick creates a quick-form collection with dim 2 and returns its name.
func (e *env) quick(name string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"collectionName": name, "dimension": 2}
	for k, v := range extra {
		body[k] = v
	}
	e.ok("collections/create", body)
	return name
}

// fullDocs creates the full-form "docs" collection of API.md, dim 2.
func (e *env) fullDocs() {
	e.t.Helper()
	e.ok("collections/create", `{"collectionName":"docs",
	 "schema":{"autoID":false,"enableDynamicField":true,
	   "fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},
	             {"fieldName":"title","dataType":"VarChar","elementTypeParams":{"max_length":8}},
	             {"fieldName":"n8","dataType":"Int8","nullable":true},
	             {"fieldName":"n32","dataType":"Int32","defaultValue":7},
	             {"fieldName":"big","dataType":"Int64","nullable":true},
	             {"fieldName":"f","dataType":"Float","nullable":true},
	             {"fieldName":"ok","dataType":"Bool","nullable":true},
	             {"fieldName":"tags","dataType":"Array","elementDataType":"VarChar","elementTypeParams":{"max_capacity":"2","max_length":4}},
	             {"fieldName":"meta","dataType":"JSON","nullable":true},
	             {"fieldName":"emb","dataType":"FloatVector","elementTypeParams":{"dim":"2"}}]},
	 "indexParams":[{"fieldName":"emb","indexName":"emb_idx","metricType":"L2","params":{"index_type":"HNSW","M":16,"efConstruction":"200"}}],
	 "params":{"shardsNum":2,"consistencyLevel":"Strong"}}`)
}
