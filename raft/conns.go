package raft

import (
	"net"
	"sync"
)

// connSet tracks live connections so that their owner can close them all.
// Conns returned by track remove themselves from the set when closed.
type connSet struct {
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
	err  error
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.remove(c)
		c.err = c.Conn.Close()
	})
	return c.err
}

// track wraps c; if the set is already closed, c is closed and nil returned.
func (s *connSet) track(c net.Conn) net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return nil
	}
	if s.conns == nil {
		s.conns = make(map[*trackedConn]struct{})
	}
	tc := &trackedConn{Conn: c, set: s}
	s.conns[tc] = struct{}{}
	return tc
}

func (s *connSet) remove(c *trackedConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// closeAll closes every tracked conn; if final, later track calls fail.
func (s *connSet) closeAll(final bool) {
	s.mu.Lock()
	if final {
		s.closed = true
	}
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}
