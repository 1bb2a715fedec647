package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleFilesServed: /console redirects to /console/, which serves
// the page, and every script and stylesheet the page references is
// served too (so a file missing from the embed fails here, not in a
// user's browser).
func TestConsoleFilesServed(t *testing.T) {
	e := newEnv(t, Config{Admin: &fakeAdmin{}})
	get := func(path string) (int, string) {
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		b, _ := io.ReadAll(w.Body)
		return w.Code, string(b)
	}
	if code, _ := get("/console"); code != http.StatusMovedPermanently {
		t.Fatalf("/console: %d, want a redirect to /console/", code)
	}
	code, page := get("/console/")
	if code != 200 || !strings.Contains(page, "<title>raftvec console</title>") {
		t.Fatalf("/console/: %d %.200s", code, page)
	}
	refs := regexp.MustCompile(`(?:src|href)="([a-z]+\.(?:js|css))"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 5 {
		t.Fatalf("the page references %d files", len(refs))
	}
	for _, m := range refs {
		if code, body := get("/console/" + m[1]); code != 200 || len(body) == 0 {
			t.Errorf("/console/%s: %d, %d bytes", m[1], code, len(body))
		}
	}
}

// TestConsoleSearchIsASearch: /v1/console/search answers the same hits
// as entities/search for the same body, refuses what it refuses, and
// adds the shard reads (none here: the fake backend has no shards).
func TestConsoleSearchIsASearch(t *testing.T) {
	e := newEnv(t, Config{Admin: &fakeAdmin{}})
	e.quick("c", nil)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,0]},{"id":2,"vector":[0,1]},{"id":3,"vector":[1,1]}]}`)
	body := `{"collectionName":"c","data":[[1,0.1]],"limit":2}`
	want := e.ok("entities/search", body).rows(t)
	r := e.admin(http.MethodPost, "/v1/console/search", body)
	data, _ := r.Data.(map[string]any)
	if r.Code != 0 || data == nil {
		t.Fatalf("console search: code %d %q", r.Code, r.Msg)
	}
	got, _ := data["results"].([]any)
	if len(got) != len(want) || !reflect.DeepEqual(got[0], any(want[0])) {
		t.Fatalf("console search hits %v, entities/search %v", got, want)
	}
	if _, ok := data["shards"]; !ok {
		t.Fatalf("no shard reads in %v", data)
	}
	if r := e.admin(http.MethodPost, "/v1/console/search", `{"collectionName":"nope","data":[[1,0]]}`); r.Code == 0 {
		t.Fatal("a search of a missing collection was answered")
	}
}
