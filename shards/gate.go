package shards

import (
	"context"
	"sync"
)

// proposalGate lets a planned leadership transfer drain the proposals in
// flight on this leader and hold new ones until the transfer is over. An
// entry in flight when leadership moves fails with "leadership lost" even
// though it may still commit: an unknown outcome (code 3) that a planned
// transfer must not cause. A held proposal proceeds after the transfer; if
// this node no longer leads, it is refused before reaching the log
// (ErrNotLeader) and forwarded to the new leader.
type proposalGate struct {
	mu       sync.Mutex
	inflight int
	held     chan struct{} // non-nil while a transfer holds new proposals; closed at release
	idle     chan struct{} // closed when inflight drops to 0 while held
}

// enter waits while a transfer holds proposals, then counts one in flight.
// It fails only with ctx's error (the proposal was not submitted).
func (g *proposalGate) enter(ctx context.Context) error {
	g.mu.Lock()
	for g.held != nil {
		h := g.held
		g.mu.Unlock()
		select {
		case <-h:
		case <-ctx.Done():
			return ctx.Err()
		}
		g.mu.Lock()
	}
	g.inflight++
	g.mu.Unlock()
	return nil
}

// exit ends a proposal counted by enter.
func (g *proposalGate) exit() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.inflight == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// hold stops new proposals and waits until none is in flight. On success
// the caller must call release once the transfer is over; on ctx's end
// proposals are released and ctx's error returned.
func (g *proposalGate) hold(ctx context.Context) (release func(), err error) {
	g.mu.Lock()
	for g.held != nil { // one transfer at a time
		h := g.held
		g.mu.Unlock()
		select {
		case <-h:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		g.mu.Lock()
	}
	held := make(chan struct{})
	g.held = held
	var idle chan struct{}
	if g.inflight > 0 {
		idle = make(chan struct{})
		g.idle = idle
	}
	g.mu.Unlock()
	release = func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.held, g.idle = nil, nil
		close(held)
	}
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}
