package shards

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// ShardRead is how one shard answered one read of a traced request: the
// replica that served it, its role then, and the time the read took as
// the caller saw it (RPC included).
type ShardRead struct {
	Shard  int     `json:"shard"`
	Group  string  `json:"raftGroup"`
	Node   string  `json:"node"`
	Role   string  `json:"role"` // leader, follower, or query (a non-voting query replica)
	Millis float64 `json:"ms"`
	Error  string  `json:"error,omitempty"`
}

// ReadTrace collects the shard reads of one request (WithReadTrace). A
// request may read a shard more than once (BM25 statistics first, the
// sub-searches of a hybrid search).
type ReadTrace struct {
	mu struct {
		sync.Mutex
		reads []ShardRead
	}
}

type readTraceKey struct{}

// WithReadTrace returns a context whose shard reads are recorded in the
// returned trace (the console's search playground).
func WithReadTrace(ctx context.Context) (context.Context, *ReadTrace) {
	t := &ReadTrace{}
	return context.WithValue(ctx, readTraceKey{}, t), t
}

// Reads returns the recorded reads in shard order (stable for one shard).
func (t *ReadTrace) Reads() []ShardRead {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := slices.Clone(t.mu.reads)
	slices.SortStableFunc(out, func(a, b ShardRead) int { return a.Shard - b.Shard })
	return out
}

// traceRead records one shard read if ctx carries a trace.
func traceRead(ctx context.Context, c *coordinator.Collection, i int, node string, leader bool, start time.Time, err error) {
	t, ok := ctx.Value(readTraceKey{}).(*ReadTrace)
	if !ok {
		return
	}
	r := ShardRead{Shard: i, Group: GroupName(c.ID, i), Node: node, Role: replicaRole(c, i, node, leader),
		Millis: float64(time.Since(start).Microseconds()) / 1e3}
	if err != nil {
		r.Error = err.Error()
	}
	t.mu.Lock()
	t.mu.reads = append(t.mu.reads, r)
	t.mu.Unlock()
}

// replicaRole names the role of node in shard i's group.
func replicaRole(c *coordinator.Collection, i int, node string, leader bool) string {
	switch {
	case node == "":
		return ""
	case slices.Contains(c.Shards[i].Queries, node):
		return "query"
	case leader:
		return "leader"
	}
	return "follower"
}
