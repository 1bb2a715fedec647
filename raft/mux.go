package raft

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// handshakeTimeout bounds reading the header of an incoming conn and writing
// it on an outgoing one.
const handshakeTimeout = 5 * time.Second

// listenerGrace is how long a conn for a group with no listener here is
// held for the group to open before it is closed: groups of a new
// collection open on every node within moments of each other, and a
// hibernated one opens when a peer knocks (OnMissing). Closing at once
// made the first election of every new shard group fail its vote RPCs
// with EOF, logged as errors by hashicorp/raft.
const listenerGrace = 2 * time.Second

type muxKey struct {
	kind Kind
	name string
}

// Mux multiplexes many raft groups (and later internal RPC services) over one
// TCP listener. Every conn starts with a header naming (kind, name); the mux
// routes it to the StreamLayer registered for that pair and closes it if none.
//
// Goroutines: Serve runs the accept loop in the caller's goroutine and one
// short-lived handshake goroutine per incoming conn; Close stops accepting,
// closes conns still in handshake and joins all of them.
type Mux struct {
	ln        net.Listener
	advertise string
	logger    hclog.Logger
	faults    atomic.Pointer[Faults]
	missing   atomic.Pointer[func(kind Kind, name string)]

	mu        sync.Mutex
	layers    map[muxKey]*StreamLayer
	handshake connSet // conns whose header is being read
	stopped   bool
	wg        sync.WaitGroup // Serve + handshake goroutines

	done     chan struct{}
	stopOnce sync.Once
}

// MuxOption configures a Mux.
type MuxOption func(*Mux)

// WithAdvertise sets the address peers use to reach this mux (what raft
// stores as ServerAddress). Default: ln.Addr().String(), i.e. the actually
// bound address, which is right for 127.0.0.1:0 but not for 0.0.0.0:port.
func WithAdvertise(addr string) MuxOption { return func(m *Mux) { m.advertise = addr } }

// WithFaults installs a fault table (tests only).
func WithFaults(f *Faults) MuxOption { return func(m *Mux) { m.faults.Store(f) } }

// NewMux wraps ln; call Serve to start routing. logger may be nil.
func NewMux(ln net.Listener, logger hclog.Logger, opts ...MuxOption) *Mux {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	m := &Mux{
		ln:        ln,
		advertise: ln.Addr().String(),
		logger:    logger,
		layers:    make(map[muxKey]*StreamLayer),
		done:      make(chan struct{}),
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Addr returns the advertised address.
func (m *Mux) Addr() net.Addr { return muxAddr(m.advertise) }

// SetFaults replaces the fault table (nil disables fault injection).
func (m *Mux) SetFaults(f *Faults) { m.faults.Store(f) }

// OnMissing installs fn, called (in the conn's handshake goroutine, so it
// must not block) for every incoming conn whose (kind, name) has no
// listener, before the conn is closed: a peer is trying to reach a group
// this node does not run now (a hibernated shard group, see package
// shards). nil removes it.
func (m *Mux) OnMissing(fn func(kind Kind, name string)) {
	if fn == nil {
		m.missing.Store(nil)
		return
	}
	m.missing.Store(&fn)
}

// Listen registers the endpoint for (kind, name). The returned StreamLayer
// owns the registration until its Close.
func (m *Mux) Listen(kind Kind, name string) (*StreamLayer, error) {
	if name == "" || len(name) > maxHeaderString {
		return nil, fmt.Errorf("raft: mux: bad name %q", name)
	}
	key := muxKey{kind: kind, name: name}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return nil, ErrClosed
	}
	if _, dup := m.layers[key]; dup {
		return nil, fmt.Errorf("raft: mux: kind %d name %q already registered", kind, name)
	}
	l := newStreamLayer(m, key)
	m.layers[key] = l
	return l, nil
}

func (m *Mux) unregister(key muxKey, l *StreamLayer) {
	m.mu.Lock()
	if m.layers[key] == l {
		delete(m.layers, key)
	}
	m.mu.Unlock()
}

// awaitListener waits up to grace for key's listener to register (nil if
// it does not, or the mux stops meanwhile). A rare path: it polls.
func (m *Mux) awaitListener(key muxKey, grace time.Duration) *StreamLayer {
	for deadline := time.Now().Add(grace); time.Now().Before(deadline) && !m.isStopped(); {
		time.Sleep(20 * time.Millisecond)
		if l := m.lookup(key); l != nil {
			return l
		}
	}
	return nil
}

func (m *Mux) lookup(key muxKey) *StreamLayer {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.layers[key]
}

// Serve accepts and routes conns until ctx is done or Close is called
// (including before Serve started). It returns nil on such a requested stop
// and the listener error otherwise.
func (m *Mux) Serve(ctx context.Context) error {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return nil
	}
	m.wg.Add(1)
	m.mu.Unlock()
	defer m.wg.Done()

	stop := context.AfterFunc(ctx, m.stopAccepting)
	defer stop()
	for {
		conn, err := m.ln.Accept()
		if err != nil {
			if m.isStopped() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("raft: mux accept: %w", err)
		}
		if !m.startHandshake(conn) {
			return nil
		}
	}
}

// startHandshake registers conn and its goroutine; false once stopped.
func (m *Mux) startHandshake(conn net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		conn.Close()
		return false
	}
	tc := m.handshake.track(conn)
	if tc == nil {
		return false
	}
	m.wg.Add(1)
	go m.route(tc)
	return true
}

// route reads the header of one incoming conn and hands the conn over.
func (m *Mux) route(conn net.Conn) {
	defer m.wg.Done()
	conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	h, err := readHeader(conn)
	if err != nil {
		m.logger.Debug("mux: bad header", "remote", conn.RemoteAddr(), "error", err)
		conn.Close()
		return
	}
	conn.SetReadDeadline(time.Time{})
	faults := m.faults.Load()
	if faults.Blocked(h.from) {
		conn.Close()
		return
	}
	l := m.lookup(muxKey{kind: h.kind, name: h.name})
	if l == nil {
		if fn := m.missing.Load(); fn != nil {
			(*fn)(h.kind, h.name)
		}
		if l = m.awaitListener(muxKey{kind: h.kind, name: h.name}, listenerGrace); l == nil {
			m.logger.Debug("mux: no listener", "kind", h.kind, "name", h.name, "remote", conn.RemoteAddr())
			conn.Close()
			return
		}
	}
	// Untrack from the handshake set without closing; the layer owns it now.
	tc := conn.(*trackedConn)
	m.handshake.remove(tc)
	l.deliver(faults.wrap(h.from, tc.Conn))
}

// Dial opens a conn to (kind, name) on the mux advertised at addr.
func (m *Mux) Dial(kind Kind, name, addr string, timeout time.Duration) (net.Conn, error) {
	faults := m.faults.Load()
	if faults.Blocked(addr) {
		return nil, fmt.Errorf("raft: mux: dial %s: blocked by fault table", addr)
	}
	hdr, err := header{kind: kind, name: name, from: m.advertise}.encode()
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = handshakeTimeout
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(hdr); err != nil {
		conn.Close()
		return nil, fmt.Errorf("raft: mux: write header to %s: %w", addr, err)
	}
	conn.SetWriteDeadline(time.Time{})
	return faults.wrap(addr, conn), nil
}

func (m *Mux) isStopped() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// stopAccepting closes the listener; it never blocks.
func (m *Mux) stopAccepting() {
	m.stopOnce.Do(func() {
		m.mu.Lock()
		m.stopped = true
		m.mu.Unlock()
		close(m.done)
		m.ln.Close()
	})
}

// Close stops Serve, closes conns still in handshake and waits for all mux
// goroutines. Registered StreamLayers stop accepting but stay owned by their
// users (whose Close releases their conns).
func (m *Mux) Close() error {
	m.stopAccepting()
	m.handshake.closeAll(true)
	m.wg.Wait()
	return nil
}

type muxAddr string

func (a muxAddr) Network() string { return "tcp" }
func (a muxAddr) String() string  { return string(a) }
