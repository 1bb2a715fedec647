package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func testGet(t *testing.T, url string) (int, reply) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r reply
	_ = json.Unmarshal(b, &r)
	return resp.StatusCode, r
}

func testPost(t *testing.T, url, body string) reply {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTestRoutesOnlyWithFlag(t *testing.T) {
	s := startTest(t, t.TempDir())
	if code, _ := testGet(t, "http://"+s.HTTPAddr()+"/v1/test/state"); code != http.StatusNotFound {
		t.Fatalf("/v1/test/state without --test-faults: HTTP %d, want 404", code)
	}
}

func TestTestRoutesFaultsSnapshotState(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Testing.Faults = true
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	base := "http://" + s.HTTPAddr() + "/v1/test/"
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "h", "dimension": 2, "params": map[string]any{"shardsNum": 2}})
	c.ok("entities/insert", map[string]any{"collectionName": "h", "data": []map[string]any{{"id": 1, "vector": []float32{1, 2}}}})

	if r := testPost(t, base+"faults", `{"blocked":["127.0.0.1:1"],"links":{"127.0.0.1:2":{"delayMs":5,"drop":0.5}}}`); r.Code != 0 {
		t.Fatalf("set faults: %d %s", r.Code, r.Message)
	}
	if r := testPost(t, base+"faults", `{"links":{"127.0.0.1:2":{"drop":2}}}`); r.Code == 0 {
		t.Fatal("drop=2 accepted")
	}
	_, r := testGet(t, base+"faults")
	var fs struct {
		Blocked []string
		Links   map[string]struct{ DelayMs int }
	}
	if err := json.Unmarshal(r.Data, &fs); err != nil || len(fs.Blocked) != 1 || fs.Links["127.0.0.1:2"].DelayMs != 5 {
		t.Fatalf("faults after a rejected update = %s (%v)", r.Data, err)
	}
	if r := testPost(t, base+"faults", `{}`); r.Code != 0 {
		t.Fatal(r.Message)
	}
	if blocked, links := s.faults.State(); len(blocked) != 0 || len(links) != 0 {
		t.Fatalf("faults not healed: %v %v", blocked, links)
	}
	if r := testPost(t, base+"snapshot", `{}`); r.Code != 0 {
		t.Fatalf("snapshot: %s", r.Message)
	}
	_, r = testGet(t, base+"state")
	var st []ReplicaState
	if err := json.Unmarshal(r.Data, &st); err != nil || len(st) != 3 || st[0].Group != "meta" {
		t.Fatalf("state = %s (%v), want the metadata member and 2 shard replicas", r.Data, err)
	}
	applied := 0
	for _, x := range st {
		if x.Hash == "" || x.Node != "node-1" {
			t.Fatalf("replica state %+v", x)
		}
		if x.Applied > 0 && x.Group != "meta" {
			applied++
		}
	}
	if applied == 0 { // the shard that took the row applied its insert
		t.Fatalf("no replica reports an applied command: %+v", st)
	}
}
