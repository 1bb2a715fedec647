package raft

import (
	"net"
	"sync"
)

// Faults is a test-only fault-injection table consulted by a Mux on Dial and
// on Accept. A nil *Faults (the default) injects nothing. Blocking an address
// makes dials to it fail, drops incoming conns announced from it, and closes
// the conns to/from it that already exist, which is what a network partition
// between this mux and that peer looks like to hraft.
type Faults struct {
	mu      sync.Mutex
	blocked map[string]bool
	conns   map[string]*connSet
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
	return set.track(c)
}
