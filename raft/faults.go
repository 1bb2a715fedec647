package raft

import (
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Faults is a test-only fault-injection table consulted by a Mux on Dial and
// on Accept. A nil *Faults (the default) injects nothing. Blocking an address
// makes dials to it fail, drops incoming conns announced from it, and closes
// the conns to/from it that already exist, which is what a network partition
// between this mux and that peer looks like to hraft.
type Faults struct {
	mu      sync.Mutex
	blocked map[string]bool
	links   map[string]Link
	conns   map[string]*connSet
}

// Link degrades the conns with one peer without cutting them: every Write
// waits Delay first, and with probability Drop the conn is reset instead
// (TCP has no lost packets to show; a reset is what sustained loss ends in).
type Link struct {
	Delay time.Duration
	Drop  float64
}

// SetLink sets (or, with the zero Link, clears) the degradation of the conns
// with the mux advertised at addr, existing ones included.
func (f *Faults) SetLink(addr string, l Link) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.links == nil {
		f.links = make(map[string]Link)
	}
	if l == (Link{}) {
		delete(f.links, addr)
		return
	}
	f.links[addr] = l
}

// Reset unblocks every peer and clears every link degradation.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked, f.links = nil, nil
}

// State returns the blocked addresses and degraded links.
func (f *Faults) State() (blocked []string, links map[string]Link) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for a, b := range f.blocked {
		if b {
			blocked = append(blocked, a)
		}
	}
	links = make(map[string]Link, len(f.links))
	for a, l := range f.links {
		links[a] = l
	}
	return blocked, links
}

func (f *Faults) link(addr string) Link {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.links[addr]
}

// faultConn applies the peer's Link on every Write.
type faultConn struct {
	net.Conn
	f    *Faults
	addr string
}

func (c *faultConn) Write(b []byte) (int, error) {
	l := c.f.link(c.addr)
	if l.Delay > 0 {
		time.Sleep(l.Delay)
	}
	if l.Drop > 0 && rand.Float64() < l.Drop {
		c.Conn.Close()
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

// NewFaults returns an empty fault table.
func NewFaults() *Faults { return &Faults{} }

// SetBlocked blocks or unblocks traffic with the mux advertised at addr.
func (f *Faults) SetBlocked(addr string, blocked bool) {
	f.mu.Lock()
	if f.blocked == nil {
		f.blocked = make(map[string]bool)
	}
	f.blocked[addr] = blocked
	set := f.conns[addr]
	f.mu.Unlock()
	if blocked && set != nil {
		set.closeAll(false)
	}
}

// Blocked reports whether addr is blocked; nil-safe.
func (f *Faults) Blocked(addr string) bool {
	if f == nil || addr == "" {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.blocked[addr]
}

// wrap tracks c as a conn with peer addr; nil-safe (returns c).
func (f *Faults) wrap(addr string, c net.Conn) net.Conn {
	if f == nil || addr == "" {
		return c
	}
	f.mu.Lock()
	if f.conns == nil {
		f.conns = make(map[string]*connSet)
	}
	set := f.conns[addr]
	if set == nil {
		set = &connSet{}
		f.conns[addr] = set
	}
	blocked := f.blocked[addr]
	f.mu.Unlock()
	if blocked { // raced with SetBlocked: hand back a dead conn
		c.Close()
		return c
	}
	tc := set.track(c)
	if tc == nil {
		return nil
	}
	return &faultConn{Conn: tc, f: f, addr: addr}
}
