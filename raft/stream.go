package raft

import (
	"net"
	"sync"
	"time"

	hraft "github.com/hashicorp/raft"
)

// acceptBacklog bounds conns routed to a StreamLayer but not yet accepted;
// beyond it new conns are closed (the dialer retries).
const acceptBacklog = 64

// StreamLayer is the mux endpoint of one (kind, name). It implements
// hraft.StreamLayer (net.Listener + Dial): Accept yields conns routed by the
// mux, Dial opens a conn to the same (kind, name) on a remote mux. Close
// unregisters it from the mux and closes every conn it accepted or dialed.
type StreamLayer struct {
	mux  *Mux
	key  muxKey
	live connSet

	mu     sync.Mutex
	queue  []net.Conn
	closed bool
	ready  chan struct{} // capacity 1: "queue may be non-empty"
	done   chan struct{}
}

var _ hraft.StreamLayer = (*StreamLayer)(nil)

func newStreamLayer(m *Mux, key muxKey) *StreamLayer {
	return &StreamLayer{mux: m, key: key, ready: make(chan struct{}, 1), done: make(chan struct{})}
}

// Accept waits for the next conn routed to this layer.
func (l *StreamLayer) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, net.ErrClosed
		}
		if len(l.queue) > 0 {
			c := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			l.mu.Unlock()
			if tc := l.live.track(c); tc != nil {
				return tc, nil
			}
			continue
		}
		l.mu.Unlock()
		select {
		case <-l.ready:
		case <-l.done:
		case <-l.mux.done:
			return nil, net.ErrClosed
		}
	}
}

// deliver queues a routed conn; the conn is closed if it cannot be queued.
func (l *StreamLayer) deliver(c net.Conn) {
	l.mu.Lock()
	if l.closed || len(l.queue) >= acceptBacklog {
		l.mu.Unlock()
		c.Close()
		return
	}
	l.queue = append(l.queue, c)
	l.mu.Unlock()
	select {
	case l.ready <- struct{}{}:
	default:
	}
}

// Close unregisters the layer and closes queued and live conns. Idempotent.
func (l *StreamLayer) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	queued := l.queue
	l.queue = nil
	close(l.done)
	l.mu.Unlock()

	l.mux.unregister(l.key, l)
	for _, c := range queued {
		c.Close()
	}
	l.live.closeAll(true)
	return nil
}

// Addr is the mux's advertised address (shared by all layers of the mux).
func (l *StreamLayer) Addr() net.Addr { return l.mux.Addr() }

// Dial connects to the same (kind, name) on the mux at address.
func (l *StreamLayer) Dial(address hraft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	c, err := l.mux.Dial(l.key.kind, l.key.name, string(address), timeout)
	if err != nil {
		return nil, err
	}
	if tc := l.live.track(c); tc != nil {
		return tc, nil
	}
	return nil, net.ErrClosed
}
