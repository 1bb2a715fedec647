package server

import (
	"net"
	"sync"

	"github.com/soheilhy/cmux"
)

// sniffing tracks the API port's connections that the protocol splitter
// (cmux) has accepted but not yet handed to the HTTP or the gRPC server.
// cmux reads such a connection until it can tell the protocol, with no
// deadline, and its Serve returns only when every one of those reads has
// ended: a client that connected and sent nothing (or only an HTTP/2
// preface) would hold up Stop for as long as it stays silent. closeAll
// closes them at shutdown.
type sniffing struct {
	net.Listener // the API port's listener

	mu struct {
		sync.Mutex
		conns  map[net.Conn]struct{}
		closed bool
	}
}

func newSniffing(ln net.Listener) *sniffing {
	s := &sniffing{Listener: ln}
	s.mu.conns = make(map[net.Conn]struct{})
	return s
}

// Accept is cmux's: every new connection is being sniffed until handed on.
func (s *sniffing) Accept() (net.Conn, error) {
	c, err := s.Listener.Accept()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	s.mu.conns[c] = struct{}{}
	return c, nil
}

// handedOn wraps a listener cmux hands matched connections to: those are
// no longer being sniffed, and their server owns them.
func (s *sniffing) handedOn(ln net.Listener) net.Listener { return matched{ln, s} }

// closeUnmatched closes the connections still being sniffed (or queued for
// a server that no longer accepts) and refuses new ones.
func (s *sniffing) closeUnmatched() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.closed = true
	for c := range s.mu.conns {
		_ = c.Close()
		delete(s.mu.conns, c)
	}
}

func (s *sniffing) forget(c net.Conn) {
	if mc, ok := c.(*cmux.MuxConn); ok {
		c = mc.Conn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mu.conns, c)
}

type matched struct {
	net.Listener
	s *sniffing
}

func (m matched) Accept() (net.Conn, error) {
	c, err := m.Listener.Accept()
	if err == nil {
		m.s.forget(c)
	}
	return c, err
}
