package shards

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

func TestSuspectsAreTriedLast(t *testing.T) {
	var s suspects
	now := time.Unix(1000, 0)
	ids := []string{"q1", "n1", "n2"}
	if got := s.last(slices.Clone(ids), now); !slices.Equal(got, ids) {
		t.Fatalf("no suspects: %v", got)
	}
	s.mark("q1", now)
	if got := s.last(slices.Clone(ids), now.Add(time.Second)); !slices.Equal(got, []string{"n1", "n2", "q1"}) {
		t.Fatalf("q1 suspected: %v", got)
	}
	if got := s.last(slices.Clone(ids), now.Add(suspectFor)); !slices.Equal(got, ids) {
		t.Fatalf("after %v q1 is tried first again: %v", suspectFor, got)
	}
	s.mark("n1", now)
	s.clear("n1")
	if got := s.last(slices.Clone(ids), now); !slices.Equal(got, []string{"n1", "n2", "q1"}) {
		t.Fatalf("n1 cleared by a good read: %v", got)
	}
}

func TestReadOrderSpreadsOverQueryReplicasFirst(t *testing.T) {
	h := &Host{}
	c := &coordinator.Collection{ID: 1, ShardsNum: 1, Shards: []coordinator.ShardPlacement{{Replicas: []string{"n1", "n2", "n3"}, Queries: []string{"q1", "q2"}}}}
	first := map[string]int{}
	for range 100 {
		order := h.readOrder(c, 0)
		if len(order) != 5 || !strings.HasPrefix(order[0], "q") || !strings.HasPrefix(order[1], "q") {
			t.Fatalf("query replicas not first: %v", order)
		}
		first[order[0]]++
		first["voter "+order[2]]++
	}
	if first["q1"] != 50 || first["q2"] != 50 {
		t.Fatalf("first query replica: %v, want 50/50", first)
	}
	for _, n := range []string{"n1", "n2", "n3"} {
		if k := first["voter "+n]; k < 33 || k > 34 {
			t.Fatalf("first voter: %v, want a third each", first)
		}
	}
}
