package raft

import (
	"container/heap"
	"context"
	"sync"
)

// appliedTracker records the index (and term) of the last log entry the FSM
// adapter has applied and wakes WaitApplied callers whose target index has
// been reached. Waiters sit in a min-heap keyed by index, so an apply only
// touches the waiters it releases; there is no polling.
type appliedTracker struct {
	mu      sync.Mutex
	index   uint64
	term    uint64
	waiters waitHeap
	closed  bool
}

type waiter struct {
	index uint64
	ch    chan struct{}
	pos   int // position in the heap, -1 once removed
}

type waitHeap []*waiter

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].index < h[j].index }
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *waitHeap) Push(x any) {
	w := x.(*waiter)
	w.pos = len(*h)
	*h = append(*h, w)
}
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.pos = -1
	return w
}

// get returns the last applied index and its term.
func (t *appliedTracker) get() (index, term uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.index, t.term
}

// set records index/term as applied and releases satisfied waiters. It is
// called from the FSM goroutine only, so calls are totally ordered.
func (t *appliedTracker) set(index, term uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.index, t.term = index, term
	for t.waiters.Len() > 0 && t.waiters[0].index <= index {
		close(heap.Pop(&t.waiters).(*waiter).ch)
	}
}

// wait blocks until index is applied, ctx is done or the tracker is closed.
func (t *appliedTracker) wait(ctx context.Context, index uint64) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return ErrClosed
	}
	if t.index >= index {
		t.mu.Unlock()
		return nil
	}
	w := &waiter{index: index, ch: make(chan struct{})}
	heap.Push(&t.waiters, w)
	t.mu.Unlock()

	select {
	case <-w.ch:
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.index < index { // released by close, not by progress
			return ErrClosed
		}
		return nil
	case <-ctx.Done():
		t.mu.Lock()
		if w.pos >= 0 {
			heap.Remove(&t.waiters, w.pos)
		}
		t.mu.Unlock()
		return ctx.Err()
	}
}

// close releases all waiters with ErrClosed.
func (t *appliedTracker) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for t.waiters.Len() > 0 {
		close(heap.Pop(&t.waiters).(*waiter).ch)
	}
}
