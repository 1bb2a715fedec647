package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/raftvec/raftvec/raft"
)

func TestEchoMixedTypes(t *testing.T) {
	p := newPair(t)
	in := &Payload{
		N:    7,
		Vec:  []float32{1.5, -2, 3.25},
		Rows: [][]float32{{1, 2}, {3, 4}},
		Vals: []any{int64(-3), "s", 2.5, true, nil, []float32{0.5, 1},
			map[string]any{"a": int64(1), "b": []any{"x", false}, "c": nil}},
		Meta: map[string]any{"k": "v", "n": int64(9), "f": float64(1e-3), "v": []float32{9}},
		Data: []byte{0, 1, 2},
	}
	var out Payload
	if err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Echo", in, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*in, out) {
		t.Fatalf("round trip mismatch:\n in  %#v\n out %#v", *in, out)
	}
	// Value (non-pointer) args, as the cluster layer passes them.
	var n int64
	if err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Ping", struct{}{}, &n); err != nil || n != 42 {
		t.Fatalf("Ping = %d, %v", n, err)
	}
	// A nil reply discards it.
	if err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Ping", struct{}{}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestContextTimeoutIsNoReply(t *testing.T) {
	p := newPair(t)
	reply := Payload{N: -1}
	ctx := ctxT(t, 100*time.Millisecond)
	err := p.cli.Call(ctx, p.addr, "Test.Slow", &SlowArgs{Hold: 300 * time.Millisecond}, &reply)
	expectClass(t, err, false, ErrNoReply, context.DeadlineExceeded)
	// The late reply (N=1) must not land in the caller's value.
	time.Sleep(400 * time.Millisecond)
	if reply.N != -1 {
		t.Fatalf("abandoned reply written into caller's value: %+v", reply)
	}
	mustEcho(t, p.cli, p.addr, 2)
}

func TestContextDoneBeforeCallIsNotRun(t *testing.T) {
	p := newPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.cli.Call(ctx, p.addr, "Test.Echo", &Payload{}, &Payload{})
	expectClass(t, err, true, context.Canceled)
	if p.svc.started.Load() != 0 {
		t.Fatal("unexpected call")
	}
}

func TestUnreachable(t *testing.T) {
	cliMux := newMux(t)
	cli := NewClient(cliMux, time.Second)
	defer cli.Close()
	call := func(addr string) error {
		return cli.Call(ctxT(t, 5*time.Second), addr, "Test.Echo", &Payload{}, &Payload{})
	}
	// A mux with no RPC server registered.
	bare := newMux(t)
	expectClass(t, call(bare.Addr().String()), true, ErrUnreachable)
	// A closed server on a live mux.
	m := newMux(t)
	_, stop := startServer(t, m)
	stop()
	expectClass(t, call(m.Addr().String()), true, ErrUnreachable)
	// A closed port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	expectClass(t, call(addr), true, ErrUnreachable)
	// A listener that never answers the handshake: bounded by dialTimeout.
	l, err := m.Listen(raft.KindRPC, ServiceName)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	expectClass(t, call(m.Addr().String()), true, ErrUnreachable)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("handshake wait took %v", d)
	}
}

func TestServerRestartReconnects(t *testing.T) {
	p := newPair(t)
	mustEcho(t, p.cli, p.addr, 1)
	p.stopSrv()
	waitFor(t, "client to notice the closed conn", func() bool { return pooledDead(p.cli, p.addr) })
	_, stop2 := startServer(t, p.srvMux)
	defer stop2()
	mustEcho(t, p.cli, p.addr, 2)

	// A pooled conn found dead only when writing (the window before its
	// reader notices) is replaced within the same call: nothing was sent.
	pooled := pooledPeer(p.cli, p.addr)
	pooled.rc.Close()
	<-pooled.codec.readDone
	pooled.codec.broken.Store(false) // as if the reader had not noticed yet
	mustEcho(t, p.cli, p.addr, 3)
	if q := pooledPeer(p.cli, p.addr); q == pooled || q == nil {
		t.Fatal("stale conn not replaced")
	}
}

func pooledPeer(c *Client, addr string) *peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peers[addr]
}

func TestFaultsBlockIsUnreachable(t *testing.T) {
	faults := raft.NewFaults()
	p := newPair(t, raft.WithFaults(faults))
	mustEcho(t, p.cli, p.addr, 1)
	faults.SetBlocked(p.addr, true) // closes the pooled conn too
	for range 3 {
		err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Echo", &Payload{}, &Payload{})
		expectClass(t, err, true, ErrUnreachable)
	}
	faults.SetBlocked(p.addr, false)
	mustEcho(t, p.cli, p.addr, 2)

	// Blocked on the server side: the server's mux drops the conn before
	// the handshake.
	srvFaults := raft.NewFaults()
	p.srvMux.SetFaults(srvFaults)
	srvFaults.SetBlocked(p.cliMux.Addr().String(), true)
	cli2 := NewClient(p.cliMux, time.Second)
	defer cli2.Close()
	err := cli2.Call(ctxT(t, 5*time.Second), p.addr, "Test.Echo", &Payload{}, &Payload{})
	expectClass(t, err, true, ErrUnreachable)
}

func TestConcurrentCalls(t *testing.T) {
	p := newPair(t)
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for g := range 32 {
		wg.Go(func() {
			for i := range 25 {
				n := int64(g*1000 + i)
				in := &Payload{N: n, Vec: []float32{float32(n)}, Vals: []any{n, fmt.Sprint(n)}}
				var out Payload
				if err := p.cli.Call(ctxT(t, 10*time.Second), p.addr, "Test.Echo", in, &out); err != nil {
					errc <- err
					return
				}
				if !reflect.DeepEqual(*in, out) {
					errc <- fmt.Errorf("reply %+v for %+v", out, *in)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// An args value gob cannot encode fails only its own call (not run); calls
// already in flight on the same conn still get their replies.
func TestEncodeErrorIsLocalAndIsolated(t *testing.T) {
	p := newPair(t)
	mustEcho(t, p.cli, p.addr, 1)
	slow := make(chan error, 1)
	go func() {
		var r Payload
		slow <- p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Slow", &SlowArgs{Hold: 300 * time.Millisecond}, &r)
	}()
	waitFor(t, "slow call to start", func() bool { return p.svc.started.Load() == 1 })
	bad := &Payload{Vals: []any{struct{ X int }{1}}}
	err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Echo", bad, &Payload{})
	expectClass(t, err, true)
	if errors.Is(err, ErrUnreachable) {
		t.Fatalf("encode error reported as unreachable: %v", err)
	}
	if err := <-slow; err != nil {
		t.Fatalf("in-flight call on the poisoned conn: %v", err)
	}
	mustEcho(t, p.cli, p.addr, 2)
	if err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Echo", (*Payload)(nil), &Payload{}); !NotRun(err) {
		t.Fatalf("nil args: %v", err)
	}
}

// The method ran but its reply cannot be encoded: the server drops the conn.
func TestUnencodableReplyIsNoReply(t *testing.T) {
	p := newPair(t)
	err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.BadReply", &Payload{}, &Payload{})
	expectClass(t, err, false, ErrNoReply)
	mustEcho(t, p.cli, p.addr, 1)
}

// A write cut short by ctx leaves an incomplete request: not run.
func TestInterruptedWriteIsNotRun(t *testing.T) {
	srvMux := newMux(t)
	l, err := srvMux.Listen(raft.KindRPC, ServiceName)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // handshake, then never read
		if c, err := l.Accept(); err == nil {
			c.Write([]byte{protocolVersion})
		}
	}()
	cli := NewClient(newMux(t), time.Second)
	defer cli.Close()
	big := &Payload{Data: make([]byte, 16<<20)} // well beyond what loopback buffers hold for a non-reader
	start := time.Now()
	err = cli.Call(ctxT(t, 500*time.Millisecond), srvMux.Addr().String(), "Test.Echo", big, &Payload{})
	t.Logf("after %v: %v", time.Since(start), err)
	expectClass(t, err, true, context.DeadlineExceeded)
	if errors.Is(err, ErrNoReply) {
		t.Fatalf("incomplete request reported as maybe run: %v", err)
	}
}

func TestClientCloseFailsInFlightAndLaterCalls(t *testing.T) {
	p := newPair(t)
	done := make(chan error, 1)
	go func() {
		done <- p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Slow", &SlowArgs{Hold: 5 * time.Second}, &Payload{})
	}()
	waitFor(t, "slow call to start", func() bool { return p.svc.started.Load() == 1 })
	p.cli.Close()
	expectClass(t, <-done, false, ErrNoReply, ErrClosed)
	err := p.cli.Call(ctxT(t, time.Second), p.addr, "Test.Echo", &Payload{}, &Payload{})
	expectClass(t, err, true, ErrClosed)
}

// Closing the mux under a serving Server stops it cleanly.
func TestServeReturnsNilWhenMuxCloses(t *testing.T) {
	m, stopMux := startMux(t)
	srv, err := NewServer(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(context.Background()) }()
	stopMux()
	if err := <-errc; err != nil {
		t.Fatalf("Serve after mux close: %v", err)
	}
	srv.Close()
	if err := srv.Serve(context.Background()); err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
}
