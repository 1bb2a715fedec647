package raft

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func TestHeaderRoundTrip(t *testing.T) {
	h := header{kind: KindRPC, name: "shard-12", from: "10.0.0.1:7000"}
	b, err := h.encode()
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(append(b, "payload"...))
	got, err := readHeader(r)
	if err != nil || got != h {
		t.Fatalf("readHeader = %+v, %v", got, err)
	}
	if rest, _ := io.ReadAll(r); string(rest) != "payload" {
		t.Fatalf("header read consumed payload: %q", rest)
	}
	if _, err := readHeader(bytes.NewReader([]byte{0x00, 1, 1, 'a', 0})); err == nil {
		t.Fatal("bad magic accepted")
	}
	if _, err := (header{kind: KindRaft}).encode(); err == nil {
		t.Fatal("empty name accepted")
	}
}

// echoAccept accepts one conn on l and sends what it reads first.
func acceptOne(t *testing.T, l *StreamLayer) <-chan string {
	out := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			out <- "accept error: " + err.Error()
			return
		}
		defer c.Close()
		buf := make([]byte, 16)
		n, _ := c.Read(buf)
		out <- string(buf[:n])
	}()
	return out
}

func TestMuxRoutesByKindAndName(t *testing.T) {
	srv, cli := newTestMux(t), newTestMux(t)
	la, err := srv.Listen(KindRaft, "a")
	if err != nil {
		t.Fatal(err)
	}
	defer la.Close()
	lb, _ := srv.Listen(KindRaft, "b")
	defer lb.Close()
	lrpc, _ := srv.Listen(KindRPC, "a")
	defer lrpc.Close()
	if _, err := srv.Listen(KindRaft, "a"); err == nil {
		t.Fatal("duplicate registration accepted")
	}
	outA, outB, outR := acceptOne(t, la), acceptOne(t, lb), acceptOne(t, lrpc)
	for _, d := range []struct {
		kind      Kind
		name, msg string
	}{{KindRaft, "a", "to-a"}, {KindRaft, "b", "to-b"}, {KindRPC, "a", "to-rpc"}} {
		c, err := cli.Dial(d.kind, d.name, srv.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte(d.msg))
	}
	for out, want := range map[<-chan string]string{outA: "to-a", outB: "to-b", outR: "to-rpc"} {
		if got := <-out; got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
	// Unknown name: the server closes the conn (after listenerGrace).
	c, err := cli.Dial(KindRaft, "nope", srv.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	expectClosed(t, c)
}

// TestMuxHoldsConnForAGroupAboutToOpen: a conn for a group that registers
// moments later (a new collection's shard group opening on this node) is
// delivered to it, not dropped.
func TestMuxHoldsConnForAGroupAboutToOpen(t *testing.T) {
	srv, cli := newTestMux(t), newTestMux(t)
	c, err := cli.Dial(KindRaft, "late", srv.Addr().String(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(listenerGrace / 4)
	l, err := srv.Listen(KindRaft, "late")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := <-acceptOne(t, l); got != "hello" {
		t.Fatalf("the late group read %q", got)
	}
}

func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(listenerGrace + 2*time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		t.Fatalf("conn not closed by peer: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestStreamLayerCloseUnblocksAcceptAndReregisters(t *testing.T) {
	m := newTestMux(t)
	l, _ := m.Listen(KindRaft, "g")
	errc := make(chan error, 1)
	go func() { _, err := l.Accept(); errc <- err }()
	l.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
	l2, err := m.Listen(KindRaft, "g")
	if err != nil {
		t.Fatalf("re-register after close: %v", err)
	}
	l2.Close()
}

func TestMuxServeStopsOnContextAndClose(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	m := NewMux(ln, nil, WithAdvertise("node-1.example:7000"))
	if m.Addr().String() != "node-1.example:7000" {
		t.Fatalf("advertise = %s", m.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Serve(ctx) }()
	// A conn stuck in handshake must not keep Close waiting.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	start := time.Now()
	m.Close()
	if time.Since(start) > time.Second {
		t.Fatalf("Close took %v", time.Since(start))
	}
	if _, err := m.Listen(KindRaft, "x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Listen after Close: %v", err)
	}
}

func TestFaultsBlockDialAcceptAndExistingConns(t *testing.T) {
	fa, fb := NewFaults(), NewFaults()
	a, b := newTestMux(t, WithFaults(fa)), newTestMux(t, WithFaults(fb))
	lb, _ := b.Listen(KindRaft, "g")
	defer lb.Close()
	addrA, addrB := a.Addr().String(), b.Addr().String()

	// An existing conn is cut when the peer gets blocked.
	out := acceptOne(t, lb)
	c, err := a.Dial(KindRaft, "g", addrB, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hi"))
	if got := <-out; got != "hi" {
		t.Fatalf("got %q", got)
	}
	c2, _ := a.Dial(KindRaft, "g", addrB, time.Second)
	fa.SetBlocked(addrB, true)
	if _, err := c2.Read(make([]byte, 1)); err == nil {
		t.Fatal("existing conn survived SetBlocked")
	}
	if _, err := a.Dial(KindRaft, "g", addrB, time.Second); err == nil {
		t.Fatal("dial to blocked address succeeded")
	}
	fa.SetBlocked(addrB, false)

	// Accept side: b drops conns announced from a.
	fb.SetBlocked(addrA, true)
	c3, err := a.Dial(KindRaft, "g", addrB, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	expectClosed(t, c3)
	fb.SetBlocked(addrA, false)

	var nilFaults *Faults
	if nilFaults.Blocked(addrA) {
		t.Fatal("nil Faults blocks")
	}
}

func TestFaultsLinkDropResetsAndResetClears(t *testing.T) {
	fa := NewFaults()
	a, b := newTestMux(t, WithFaults(fa)), newTestMux(t)
	lb, _ := b.Listen(KindRaft, "g")
	defer lb.Close()
	addrB := b.Addr().String()

	fa.SetLink(addrB, Link{Drop: 1})
	first := acceptOne(t, lb)
	c, err := a.Dial(KindRaft, "g", addrB, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("write on a link with Drop=1 succeeded")
	}
	if got := <-first; got != "" {
		t.Fatalf("peer read %q through a dropped link", got)
	}
	if blocked, links := fa.State(); len(blocked) != 0 || links[addrB].Drop != 1 {
		t.Fatalf("State = %v %v", blocked, links)
	}
	fa.Reset()
	out := acceptOne(t, lb)
	c2, err := a.Dial(KindRaft, "g", addrB, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	if got := <-out; got != "ok" {
		t.Fatalf("got %q after Reset", got)
	}
}
