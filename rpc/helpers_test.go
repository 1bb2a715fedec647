package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/raftvec/raftvec/raft"
)

// Payload exercises the types the cluster layer sends.
type Payload struct {
	N    int64
	Vec  []float32
	Rows [][]float32
	Vals []any
	Meta map[string]any
	Data []byte
}

type SlowArgs struct{ Hold time.Duration }

type FailArgs struct {
	Code, Msg string
	Wrap      bool
}

// TestService is registered as "Test".
type TestService struct {
	started atomic.Int64
	release chan struct{} // closed at cleanup: unblocks Slow
}

func (s *TestService) Echo(args *Payload, reply *Payload) error {
	*reply = *args
	return nil
}

// Count returns a small reply (one-way payload benchmark).
func (s *TestService) Count(args *Payload, reply *int64) error {
	*reply = int64(len(args.Rows) + len(args.Data))
	return nil
}

func (s *TestService) Ping(args struct{}, reply *int64) error {
	*reply = 42
	return nil
}

func (s *TestService) Fail(args *FailArgs, reply *Payload) error {
	var err error = errors.New(args.Msg)
	if args.Code != "" {
		err = Coded(args.Code, err)
	}
	if args.Wrap {
		err = fmt.Errorf("while testing: %w", err)
	}
	return err
}

func (s *TestService) Slow(args *SlowArgs, reply *Payload) error {
	s.started.Add(1)
	select {
	case <-time.After(args.Hold):
	case <-s.release:
	}
	reply.N = 1
	return nil
}

// BadReply returns a value gob cannot encode (unregistered type in []any).
func (s *TestService) BadReply(args *Payload, reply *Payload) error {
	reply.Vals = []any{struct{ X int }{1}}
	return nil
}

func testLogger(name string) hclog.Logger {
	if os.Getenv("RPC_TEST_LOG") == "" {
		return hclog.NewNullLogger()
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Debug, Output: os.Stderr})
}

// newMux serves a mux on 127.0.0.1:0 until test cleanup.
func newMux(t testing.TB, opts ...raft.MuxOption) *raft.Mux {
	t.Helper()
	m, stop := startMux(t, opts...)
	t.Cleanup(stop)
	return m
}

func startMux(t testing.TB, opts ...raft.MuxOption) (*raft.Mux, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := raft.NewMux(ln, testLogger("mux"), opts...)
	errc := make(chan error, 1)
	go func() { errc <- m.Serve(context.Background()) }()
	return m, func() {
		m.Close()
		if err := <-errc; err != nil {
			t.Errorf("mux Serve: %v", err)
		}
	}
}

// startServer serves a TestService on m; stop closes it (idempotent).
func startServer(t testing.TB, m *raft.Mux) (*TestService, func()) {
	t.Helper()
	srv, err := NewServer(m, testLogger("rpc"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &TestService{release: make(chan struct{})}
	if err := srv.Register("Test", svc); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(context.Background()) }()
	var stopped atomic.Bool
	return svc, func() {
		if stopped.Swap(true) {
			return
		}
		close(svc.release)
		srv.Close()
		if err := <-errc; err != nil {
			t.Errorf("rpc Serve: %v", err)
		}
	}
}

// pair is a client mux + Client and a server mux + Server.
type pair struct {
	cli     *Client
	cliMux  *raft.Mux
	srvMux  *raft.Mux
	svc     *TestService
	stopSrv func()
	addr    string
}

func newPair(t testing.TB, cliOpts ...raft.MuxOption) *pair {
	t.Helper()
	p := &pair{cliMux: newMux(t, cliOpts...), srvMux: newMux(t)}
	p.svc, p.stopSrv = startServer(t, p.srvMux)
	t.Cleanup(p.stopSrv)
	p.cli = NewClient(p.cliMux, 2*time.Second)
	t.Cleanup(func() { p.cli.Close() })
	p.addr = p.srvMux.Addr().String()
	return p
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pooledDead reports whether the client has no usable pooled conn to addr.
func pooledDead(c *Client, addr string) bool {
	c.mu.Lock()
	p := c.peers[addr]
	c.mu.Unlock()
	if p == nil {
		return true
	}
	select {
	case <-p.ready:
		return p.err != nil || !p.codec.usable()
	default:
		return false
	}
}

func mustEcho(t testing.TB, c *Client, addr string, n int64) {
	t.Helper()
	var reply Payload
	if err := c.Call(ctxT(t, 5*time.Second), addr, "Test.Echo", &Payload{N: n}, &reply); err != nil {
		t.Fatalf("Echo: %v", err)
	}
	if reply.N != n {
		t.Fatalf("Echo reply N = %d, want %d", reply.N, n)
	}
}

// expect checks the run/not-run classification and sentinels of err.
func expectClass(t testing.TB, err error, notRun bool, sentinels ...error) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	if NotRun(err) != notRun {
		t.Errorf("NotRun(%v) = %v, want %v", err, !notRun, notRun)
	}
	for _, s := range sentinels {
		if !errors.Is(err, s) {
			t.Errorf("error %q does not wrap %q", err, s)
		}
	}
}
