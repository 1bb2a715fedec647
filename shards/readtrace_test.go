package shards

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// TestReadTrace: a traced context records each shard read with the
// serving node's role; an untraced one records nothing.
func TestReadTrace(t *testing.T) {
	c := &coordinator.Collection{ID: 7, Shards: []coordinator.ShardPlacement{
		{Replicas: []string{"a", "b", "q"}, Queries: []string{"q"}},
		{Replicas: []string{"a", "b"}},
	}}
	traceRead(context.Background(), c, 0, "a", true, time.Now(), nil) // untraced: no effect, no panic
	ctx, tr := WithReadTrace(context.Background())
	start := time.Now().Add(-5 * time.Millisecond)
	traceRead(ctx, c, 1, "b", false, start, nil)
	traceRead(ctx, c, 0, "q", false, start, nil)
	traceRead(ctx, c, 0, "a", true, start, errors.New("boom"))
	traceRead(ctx, c, 1, "", false, start, errors.New("no replica"))
	got := tr.Reads()
	want := []ShardRead{
		{Shard: 0, Group: "shard-7-0", Node: "q", Role: "query"},
		{Shard: 0, Group: "shard-7-0", Node: "a", Role: "leader", Error: "boom"},
		{Shard: 1, Group: "shard-7-1", Node: "b", Role: "follower"},
		{Shard: 1, Group: "shard-7-1", Node: "", Role: "", Error: "no replica"},
	}
	if len(got) != len(want) {
		t.Fatalf("reads %+v", got)
	}
	for i := range want {
		if got[i].Millis < 5 {
			t.Errorf("read %d took %.3f ms, at least 5 ms passed", i, got[i].Millis)
		}
		got[i].Millis = 0
		if got[i] != want[i] {
			t.Errorf("read %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
