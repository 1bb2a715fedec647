package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	hraft "github.com/hashicorp/raft"
)

// shardLeader returns the index of the node leading shard 0 of "c".
func (tc *testCluster) shardLeader() int {
	for i, s := range tc.nodes {
		if s == nil {
			continue
		}
		for _, r := range s.Host().Replicas() {
			if r.Shard == 0 && r.Node().IsLeader() {
				return i
			}
		}
	}
	return -1
}

func TestClusterLeaderKillLosesNoAcknowledgedWrite(t *testing.T) {
	tc := newCluster(t, 3, 3)
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2, "metricType": "L2", "params": map[string]any{"shardsNum": 1}})
	tc.client(0).ok("entities/insert", map[string]any{"collectionName": "c", "data": rowsFrom(0, 200)})
	victim := tc.shardLeader()
	if victim < 0 {
		t.Fatal("no shard leader")
	}
	other := (victim + 1) % 3
	tc.kill(victim)
	// Writes resume after the election, through a surviving node. A write
	// forwarded to the dead leader in the moment after the kill answers 3
	// (outcome unknown: the connection broke after the request was sent);
	// a retry then either succeeds or finds the rows already written (1804).
	deadline := time.Now().Add(20 * time.Second)
	unknown := false
	for {
		r := tc.client(other).do("entities/insert", map[string]any{"collectionName": "c", "data": rowsFrom(200, 100)})
		if r.Code == 0 || (unknown && r.Code == 1804) {
			break
		}
		unknown = unknown || r.Code == 3
		if time.Now().After(deadline) {
			t.Fatalf("write after leader kill: code %d: %s", r.Code, r.Message)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, i := range []int{other, (victim + 2) % 3} {
		if n := tc.client(i).countAt("c", "Strong"); n != 300 {
			t.Fatalf("node %d: %d rows after leader kill, want 300", i+1, n)
		}
	}
}

func TestClusterStrongReadOnFollowerSeesAckedWrite(t *testing.T) {
	tc := newCluster(t, 3, 3)
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2, "metricType": "L2",
		"params": map[string]any{"shardsNum": 1, "consistencyLevel": "Strong"}})
	for k := 0; k < 30; k++ {
		w, r := tc.client(k%3), tc.client((k+1)%3)
		w.ok("entities/insert", map[string]any{"collectionName": "c", "data": rowsFrom(k, 1)})
		var hits []map[string]any
		_ = json.Unmarshal(r.ok("entities/search", map[string]any{"collectionName": "c", "data": [][]float32{{float32(k), float32(k % 7)}},
			"limit": 1, "filter": "id == " + itoa(k), "consistencyLevel": "Strong"}), &hits)
		if len(hits) != 1 {
			t.Fatalf("write %d acknowledged by node %d not seen by a Strong search on node %d", k, k%3+1, (k+1)%3+1)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestClusterSessionReadsSeeOwnWrites(t *testing.T) {
	tc := newCluster(t, 3, 3)
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2, "metricType": "L2", "params": map[string]any{"shardsNum": 2}})
	for k := 0; k < 10; k++ {
		body, _ := json.Marshal(map[string]any{"collectionName": "c", "data": rowsFrom(k*10, 10)})
		resp, err := http.Post(tc.client(k%3).base+"/v2/vectordb/entities/insert", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		token := resp.Header.Get("Raftvec-Session-Token")
		resp.Body.Close()
		if token == "" {
			t.Fatal("write returned no session token")
		}
		req, _ := http.NewRequest("POST", tc.client((k+2)%3).base+"/v2/vectordb/entities/query",
			bytes.NewReader([]byte(`{"collectionName":"c","filter":"","outputFields":["count(*)"],"consistencyLevel":"Session"}`)))
		req.Header.Set("Raftvec-Session-Token", token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Data []map[string]float64
		}
		_ = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if len(env.Data) != 1 || env.Data[0]["count(*)"] < float64(k*10+10) {
			t.Fatalf("session read after write %d saw %v", k, env.Data)
		}
	}
}

func TestClusterReplicasRecreatedAfterNodeDown(t *testing.T) {
	tc := newCluster(t, 4, 3)
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2, "metricType": "L2", "params": map[string]any{"shardsNum": 2}})
	tc.client(1).ok("entities/insert", map[string]any{"collectionName": "c", "data": rowsFrom(0, 100)})
	coll, _ := tc.nodes[0].Coordinator().Collection("c")
	victim := -1
	for i, s := range tc.nodes {
		if len(s.Host().Replicas()) > 0 && i != 0 && !s.Coordinator().Node().IsLeader() {
			victim = i
			break
		}
	}
	if victim < 0 {
		t.Fatalf("no node to kill; placement %+v", coll.Shards)
	}
	victimID := tc.cfgs[victim].NodeID
	tc.kill(victim)
	survivor := (victim + 1) % 4
	deadline := time.Now().Add(45 * time.Second)
	for {
		c, _ := tc.nodes[survivor].Coordinator().Collection("c")
		moved, full := true, true
		for _, sp := range c.Shards {
			for _, id := range sp.Replicas {
				moved = moved && id != victimID
			}
		}
		for i, s := range tc.nodes {
			if s == nil {
				continue
			}
			for _, r := range s.Host().Replicas() {
				servers, _ := r.Node().Servers()
				if r.Node().IsLeader() && len(servers) != 3 {
					full = false
				}
			}
			_ = i
		}
		if moved && full {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replicas of %s not re-created: placement %+v", victimID, c.Shards)
		}
		time.Sleep(300 * time.Millisecond)
	}
	for i, s := range tc.nodes {
		if s != nil {
			if n := tc.client(i).countAt("c", "Strong"); n != 100 {
				t.Fatalf("node %d: %d rows, want 100", i+1, n)
			}
		}
	}
}

func TestClusterNodeRemovedAndReAddedCatchesUp(t *testing.T) {
	tc := newCluster(t, 3, 3, func(c *Config) { c.AdminAPI = true })
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "c", "dimension": 2, "metricType": "L2", "params": map[string]any{"shardsNum": 1}})
	tc.client(0).ok("entities/insert", map[string]any{"collectionName": "c", "data": rowsFrom(0, 50)})
	// Remove node-3 (through node-1), write more, then bring node-3 back.
	victim := 2
	body, _ := json.Marshal(map[string]any{"nodeID": tc.cfgs[victim].NodeID})
	resp, err := http.Post(tc.client(0).base+"/v1/cluster/nodes/remove", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tc.kill(victim)
	// node-1 must know a live metadata leader first: if the victim led the
	// group, a request forwarded to its old address gets no reply (code 3,
	// outcome unknown), which is right but not what this test is about.
	waitFor(t, 10*time.Second, func() bool {
		addr, _ := tc.nodes[0].Coordinator().Node().LeaderAddr()
		return addr != "" && addr != tc.cfgs[victim].RaftAddr
	})
	// Adding it back while it is down is refused and costs nothing: the
	// metadata group keeps its two voters and its quorum.
	if r := tc.client(0).post("/v1/cluster/nodes/add", map[string]any{"nodeID": tc.cfgs[victim].NodeID, "raftAddr": tc.cfgs[victim].RaftAddr}); r.Code != 1100 {
		t.Fatalf("nodes/add of a stopped node: code %d: %s", r.Code, r.Message)
	}
	if v := metaVoters(t, tc.nodes[0]); v != "node-1,node-2" {
		t.Fatalf("metadata voters after the refused add: %s", v)
	}
	tc.client(1).ok("entities/insert", map[string]any{"collectionName": "c", "data": rowsFrom(50, 50)})
	if err := tc.start(victim); err != nil {
		t.Fatal(err)
	}
	// It joins as a non-voter and is promoted once caught up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if len(tc.nodes[victim].Host().Replicas()) == 1 && metaVoters(t, tc.nodes[0]) == "node-1,node-2,node-3" {
			if n := tc.client(victim).countAt("c", "Eventually"); n == 100 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-added node did not catch up: %s", tc.client(victim).getJSON("/v1/cluster/status"))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestRestartWaitsForMetadataQuorum: after every node is killed, a node
// restarted alone waits for a metadata leader instead of giving up (it
// used to exit after 10 s, so a cluster restarted one node at a time never
// came back; found by the Jepsen kill fault), and meanwhile serves
// /healthz, /v1/cluster/status and a /readyz that says why it is not ready
// (it used to serve nothing until a quorum was back; issue 10, defect 2).
// The lone node waits past the old limit, then the others start and all
// three serve.
func TestRestartWaitsForMetadataQuorum(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 12 s on purpose")
	}
	tc := newCluster(t, 3, 3, func(c *Config) { c.restartWait = time.Second })
	tc.client(0).ok("collections/create", map[string]any{"collectionName": "q", "dimension": 2})
	for i := range tc.nodes {
		tc.kill(i)
	}
	lone := client{t: t, base: "http://" + tc.cfgs[0].HTTPAddr}
	first := make(chan error, 1)
	go func() { first <- tc.start(0) }()
	deadline := time.Now().Add(12 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(lone.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, body := lone.get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz of a node waiting for a quorum: HTTP %d %s", code, body)
	}
	if err := <-first; err != nil {
		t.Fatalf("lone restarted node: %v", err)
	}
	for time.Now().Before(deadline) {
		if code, body := lone.get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "no leader") {
			t.Fatalf("/readyz of a node without a metadata quorum: HTTP %d %s", code, body)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if code, body := lone.get("/v1/cluster/status"); code != http.StatusOK || !strings.Contains(body, `"metaMembers"`) || !strings.Contains(body, `"node-3"`) {
		t.Fatalf("status of a node without a metadata quorum: HTTP %d %s", code, body)
	}
	if r := lone.do("collections/list", map[string]any{}); r.Code != 1 {
		t.Fatalf("collections/list without a metadata quorum: code %d: %s", r.Code, r.Message)
	}
	errs := make(chan error, 2)
	for i := 1; i < 3; i++ {
		go func() { errs <- tc.start(i) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for tc.nodes[0].starting() != nil {
		if time.Now().After(deadline.Add(60 * time.Second)) {
			t.Fatalf("lone node never joined: %v", tc.nodes[0].starting())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := range tc.nodes {
		tc.client(i).ok("entities/insert", map[string]any{"collectionName": "q", "data": []map[string]any{{"id": i, "vector": []float32{1, 2}}}})
	}
}

// metaVoters lists the voters of the metadata group as s sees it.
func metaVoters(t *testing.T, s *Server) string {
	t.Helper()
	servers, err := s.Coordinator().Members()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sv := range servers {
		if sv.Suffrage == hraft.Voter {
			ids = append(ids, string(sv.ID))
		}
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}
