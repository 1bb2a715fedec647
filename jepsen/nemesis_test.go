package jepsen

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeNodes serves /v1/test/faults for n nodes and records the last
// fault table each one was given.
func fakeNodes(t *testing.T, n int) (*Cluster, map[string]map[string]any) {
	var mu sync.Mutex
	got := map[string]map[string]any{}
	cl := &Cluster{}
	for i := 0; i < n; i++ {
		id := string(rune('a' + i))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			var spec map[string]any
			_ = json.Unmarshal(b, &spec)
			mu.Lock()
			got[id] = spec
			mu.Unlock()
			io.WriteString(w, `{"code":0,"data":{}}`)
		}))
		t.Cleanup(srv.Close)
		cl.Nodes = append(cl.Nodes, &Node{ID: id, HTTP: strings.TrimPrefix(srv.URL, "http://"), Raft: "raft-" + id})
	}
	return cl, got
}

func blockedOf(spec map[string]any) []string {
	var out []string
	for _, a := range spec["blocked"].([]any) {
		out = append(out, a.(string))
	}
	slices.Sort(out)
	return out
}

func TestPartitionCutsBothDirections(t *testing.T) {
	cl, got := fakeNodes(t, 5)
	nm := &Nemesis{cl: cl, rng: rand.New(rand.NewPCG(1, 2)), client: http.DefaultClient}
	n := cl.Nodes
	if err := nm.partition(context.Background(), n[:2], n[2:]); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"a": {"raft-c", "raft-d", "raft-e"}, "b": {"raft-c", "raft-d", "raft-e"},
		"c": {"raft-a", "raft-b"}, "d": {"raft-a", "raft-b"}, "e": {"raft-a", "raft-b"},
	}
	for id, w := range want {
		if b := blockedOf(got[id]); !slices.Equal(b, w) {
			t.Errorf("%s blocked %v, want %v", id, b, w)
		}
	}
}

func TestDegradeSetsEveryPeerLink(t *testing.T) {
	cl, got := fakeNodes(t, 3)
	nm := &Nemesis{cl: cl, rng: rand.New(rand.NewPCG(1, 2)), client: http.DefaultClient}
	if err := nm.degrade(context.Background(), 50, 0.02); err != nil {
		t.Fatal(err)
	}
	for _, n := range cl.Nodes {
		links := got[n.ID]["links"].(map[string]any)
		if len(links) != 2 || links["raft-"+n.ID] != nil {
			t.Fatalf("%s links %v", n.ID, links)
		}
	}
}

func TestValidFault(t *testing.T) {
	for _, f := range append(Families, FaultMixed, FaultNone) {
		if !ValidFault(f) {
			t.Fatal(f)
		}
	}
	if ValidFault("nope") {
		t.Fatal("nope accepted")
	}
}
