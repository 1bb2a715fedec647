package shards

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/index"
)

// cancelAfterChecks is a context cancelled by its n-th Err call: a client
// that leaves while the scan runs, without any timing. Reads call Err once
// per chunk of rows (and per segment / query vector), so n decides how far
// the scan gets.
type cancelAfterChecks struct {
	context.Context
	cancel context.CancelFunc
	left   atomic.Int64
}

func newCancelAfterChecks(n int64) *cancelAfterChecks {
	ctx, cancel := context.WithCancel(context.Background())
	c := &cancelAfterChecks{Context: ctx, cancel: cancel}
	c.left.Store(n)
	return c
}

func (c *cancelAfterChecks) Err() error {
	if c.left.Add(-1) == 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// TestReadStopsWhenContextDone: a query or search whose context ends while
// it scans returns context.Canceled and stops scanning: the rows visited
// (ReadStats.Rows, counted per chunk) stay below the rows a full
// evaluation visits, which is measured first with a live context. Found by
// probing: a query with an expensive filter kept a core busy ~15 s after
// its client left or its Request-Timeout passed.
func TestReadStopsWhenContextDone(t *testing.T) {
	h, c, r := testReplica(t)
	const n = 10 * index.ScanChunk
	ids, colors := make([]int64, n), make([]string, n)
	for i := range ids {
		ids[i], colors[i] = int64(i), fmt.Sprintf("c%d", i%100)
	}
	if _, _, err := r.Write(context.Background(), 1, batch(&c.Schema, ids, colors), false); err != nil {
		t.Fatal(err)
	}
	const filter = `id % 7 == 3 and color like "%9%"`
	opts := ReadOptions{Filter: filter, Consistency: coordinator.Eventually}
	many := make([][]float32, 16)
	for i := range many {
		many[i] = []float32{float32(i), 0}
	}
	pks := make([]any, n)
	for i := range pks {
		pks[i] = int64(i)
	}
	cases := []struct {
		name string
		args ReadArgs
	}{
		{"query", ReadArgs{Opts: opts, Query: &QueryRequest{OutputFields: []int{1}}}},
		{"count", ReadArgs{Opts: opts, Query: &QueryRequest{CountOnly: true}}},
		{"get by keys", ReadArgs{Opts: opts, Query: &QueryRequest{IDs: pks}}},
		{"search", ReadArgs{Opts: opts, Search: &SearchRequest{AnnsField: 2, Vectors: many[:1], Metric: "L2", TopK: 3, GroupField: -1}}},
		{"search batch", ReadArgs{Opts: opts, Search: &SearchRequest{AnnsField: 2, Vectors: many, Metric: "L2", TopK: 3, GroupField: -1}}},
		{"grouping search", ReadArgs{Opts: opts, Search: &SearchRequest{AnnsField: 2, Vectors: many[:1], Metric: "L2", TopK: 3, GroupField: 1, GroupSize: 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := h.ReadStats()
			if _, _, err := r.ServeRead(context.Background(), tc.args); err != nil {
				t.Fatal(err)
			}
			full := h.ReadStats().Rows - before.Rows
			if full < n {
				t.Fatalf("a full evaluation visited %d rows, want >= %d", full, n)
			}

			before = h.ReadStats()
			_, _, err := r.ServeRead(newCancelAfterChecks(3), tc.args)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want context.Canceled", err)
			}
			if errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnavailable) {
				t.Fatalf("a stopped read must carry no other sentinel: %v", err)
			}
			after := h.ReadStats()
			if got := after.Rows - before.Rows; got >= full {
				t.Fatalf("cancelled read visited %d rows, a full one %d: the scan did not stop", got, full)
			}
			if after.Stopped != before.Stopped+1 || after.InFlight != 0 {
				t.Fatalf("stats %+v after %+v: want one more stopped read, none in flight", after, before)
			}
		})
	}
}

// TestRemoteReadCancellation: a read served for another node stops at the
// caller's deadline (ReadArgs.Deadline) and when the caller sends
// CancelRead, even if the cancel arrives before the read itself; the
// errors cross the wire as the context sentinels.
func TestRemoteReadCancellation(t *testing.T) {
	h, c, r := testReplica(t)
	if _, _, err := r.Write(context.Background(), 1, batch(&c.Schema, []int64{1, 2, 3}, []string{"a", "b", "c"}), false); err != nil {
		t.Fatal(err)
	}
	svc := h.Service()
	read := ReadArgs{Group: r.Name, Opts: ReadOptions{Filter: "id > 0", Consistency: coordinator.Eventually}, Query: &QueryRequest{}}

	var reply ReadReply
	if err := decodeErr(svc.Read(read, &reply)); err != nil || len(reply.Query.Entities) != 3 {
		t.Fatalf("plain remote read: %v, %d rows", err, len(reply.Query.Entities))
	}
	cases := []struct {
		name string
		prep func(a *ReadArgs)
		want error
	}{
		{"deadline passed", func(a *ReadArgs) { a.Deadline = time.Now().Add(-time.Millisecond).UnixNano() }, context.DeadlineExceeded},
		{"cancelled before it ran", func(a *ReadArgs) {
			a.ReadID = h.reads.newID()
			var cr CancelReadReply
			if err := svc.CancelRead(CancelReadArgs{ReadID: a.ReadID}, &cr); err != nil || cr.Running {
				t.Fatalf("early cancel: %v running=%v", err, cr.Running)
			}
		}, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := read
			tc.prep(&a)
			before := h.ReadStats()
			err := decodeErr(svc.Read(a, &ReadReply{}))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if got := h.ReadStats().Rows - before.Rows; got != 0 {
				t.Fatalf("a read stopped before it started visited %d rows", got)
			}
		})
	}
	// A read that was cancelled leaves nothing registered.
	h.reads.mu.Lock()
	defer h.reads.mu.Unlock()
	if len(h.reads.running) != 0 || len(h.reads.early) != 0 {
		t.Fatalf("registry after the reads: %d running, %d early cancels", len(h.reads.running), len(h.reads.early))
	}
}
