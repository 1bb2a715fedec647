package shards

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/rpc"
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

// TestRemoteReadStopsWithItsCaller: a read that node n2 sends to the only
// replica, on n1, stops on n1 when n2's caller gives up: on a deadline (the
// deadline travels with the read) and on a plain cancel (n2 sends
// CancelRead). The read waits in n1's Session gate for an index that never
// comes, so only cancellation can end it before n1's own rpcTimeout (30 s):
// without it, n1 keeps it in flight far longer than the bound below.
func TestRemoteReadStopsWithItsCaller(t *testing.T) {
	h1, c, r := testReplica(t)
	if _, _, err := r.Write(context.Background(), 1, batch(&c.Schema, []int64{1}, []string{"a"}), false); err != nil {
		t.Fatal(err)
	}
	srv, err := rpc.NewServer(h1.mux, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Register(ServiceName, h1.Service()); err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(context.Background())
	go func() { _ = srv.Serve(sctx) }()
	t.Cleanup(func() { stop(); _ = srv.Close() })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux2 := raft.NewMux(ln, hclog.NewNullLogger())
	mctx, mstop := context.WithCancel(context.Background())
	go func() { _ = mux2.Serve(mctx) }()
	client := rpc.NewClient(mux2, time.Second)
	h2 := NewHost(Config{Dir: t.TempDir(), Logger: hclog.NewNullLogger(), Raft: raft.Config{ID: "n2"},
		Resolve: func(string) string { return h1.mux.Addr().String() }}, mux2, client)
	t.Cleanup(func() { _ = h2.Close(); _ = client.Close(); mstop(); _ = mux2.Close() })

	read := ReadArgs{Opts: ReadOptions{Consistency: coordinator.Session, SessionToken: "999999"}, Query: &QueryRequest{}}
	cases := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		cut  bool // cancel once n1 serves the read
		want error
	}{
		{"caller cancels", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, true, context.Canceled},
		{"caller's deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, false, context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := h1.ReadStats()
			ctx, cancel := tc.ctx()
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, _, err := h2.Read(ctx, c, 0, read)
				done <- err
			}()
			pollUntil(t, 10*time.Second, func() bool { return h1.ReadStats().InFlight == 1 })
			if tc.cut {
				cancel()
			}
			if err := <-done; !errors.Is(err, tc.want) || errors.Is(err, ErrUnavailable) {
				t.Fatalf("caller got %v, want only %v", err, tc.want)
			}
			pollUntil(t, 10*time.Second, func() bool { return h1.ReadStats().InFlight == 0 })
			if after := h1.ReadStats(); after.Stopped != before.Stopped+1 {
				t.Fatalf("n1 stats %+v after %+v: the read was not stopped by its context", after, before)
			}
		})
	}
}

// pollUntil polls cond until it holds, failing the test after bound (a
// bound far above the expected wait: not a latency assertion).
func pollUntil(t *testing.T, bound time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(bound); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("condition not reached within %v", bound)
		}
		time.Sleep(time.Millisecond)
	}
}
