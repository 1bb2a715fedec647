package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// insertOnce posts one insert from any goroutine and returns its code.
func insertOnce(base, coll string, rows []map[string]any) (int, string, error) {
	b, _ := json.Marshal(map[string]any{"collectionName": coll, "data": rows})
	resp, err := http.Post(base+"/v2/vectordb/entities/insert", "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, "", err
	}
	return r.Code, r.Message, nil
}

// TestNewCollectionsFirstWritesAreAcknowledged is issue 10, defect 9: right
// after collections/create on a 3-node cluster the coordinator used to move
// each shard's leadership to its preferred replica, and the writes in
// flight then answered code 3 ("leadership lost while committing log").
// Now the preferred replica forms the group and leads it before create
// returns (so no transfer follows), and a planned transfer drains writes
// first: every insert sent right after create, from several clients
// through every node, answers 0, and the leaders create returned with are
// still the leaders afterwards.
func TestNewCollectionsFirstWritesAreAcknowledged(t *testing.T) {
	tc := newCluster(t, 3, 3)
	const rounds, clients, batch = 4, 4, 10
	for round := range rounds {
		coll := fmt.Sprintf("fresh%d", round)
		tc.client(round%3).ok("collections/create", map[string]any{"collectionName": coll, "dimension": 2, "params": map[string]any{"shardsNum": 2}})
		c, err := tc.nodes[0].Coordinator().CollectionViewStrong(t.Context(), coll)
		if err != nil {
			t.Fatal(err)
		}
		if bad := tc.unsettled(c.ID, c.Shards); bad != "" {
			t.Fatalf("%s: create returned before placement settled: %s", coll, bad)
		}
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			failures []string
			acked    int
		)
		stop := time.Now().Add(2500 * time.Millisecond) // past the first leader loop ticks (1 s)
		for g := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := 0; time.Now().Before(stop); b++ {
					base := "http://" + tc.nodes[(g+b)%3].HTTPAddr()
					code, msg, err := insertOnce(base, coll, rowsFrom((g*1000+b)*batch, batch))
					mu.Lock()
					switch {
					case err != nil:
						failures = append(failures, err.Error())
					case code != 0:
						failures = append(failures, fmt.Sprintf("code %d: %s", code, msg))
					default:
						acked += batch
					}
					mu.Unlock()
					time.Sleep(10 * time.Millisecond) // keep the load light: a starved leader's lease may expire
				}
			}()
		}
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("%s: %d of the inserts right after create failed, first: %s", coll, len(failures), failures[0])
		}
		if n := tc.client(0).countAt(coll, "Strong"); n != int64(acked) {
			t.Fatalf("%s: %d rows, %d acknowledged", coll, n, acked)
		}
		if bad := tc.unsettled(c.ID, c.Shards); bad != "" {
			t.Fatalf("%s: leadership moved during the first writes: %s", coll, bad)
		}
	}
}

// unsettled describes the shards whose preferred replica (the first of
// their placement) does not lead their group, "" if none.
func (tc *testCluster) unsettled(collID int64, placement []coordinator.ShardPlacement) string {
	var out []string
	for i, sp := range placement {
		leader := ""
		for _, s := range tc.nodes {
			for _, r := range s.Host().Replicas() {
				if r.CollectionID == collID && r.Shard == i && r.Node().IsLeader() {
					leader = s.cfg.NodeID
				}
			}
		}
		if leader != sp.Replicas[0] {
			out = append(out, fmt.Sprintf("shard %d led by %q, preferred %s", i, leader, sp.Replicas[0]))
		}
	}
	return strings.Join(out, "; ")
}
