package raft

import "sync"

// eventBuffer is the per-subscriber buffer of leadership events. When a slow
// subscriber's buffer is full the oldest event is dropped, so the latest value
// received is always the current state.
const eventBuffer = 16

// leaderEvents drains hraft's NotifyCh (raft blocks on it, so it is always
// read promptly by the node-owned pump goroutine) and fans values out to
// subscribers without ever blocking.
type leaderEvents struct {
	notify   chan bool
	isLeader func() bool
	stopCh   chan struct{}
	wg       sync.WaitGroup

	mu      sync.Mutex
	subs    []chan bool
	stopped bool
}

func newLeaderEvents(isLeader func() bool) *leaderEvents {
	return &leaderEvents{
		notify:   make(chan bool, eventBuffer),
		isLeader: isLeader,
		stopCh:   make(chan struct{}),
	}
}

func (e *leaderEvents) notifyCh() chan<- bool { return e.notify }

func (e *leaderEvents) start() {
	e.wg.Add(1)
	go e.pump()
}

func (e *leaderEvents) pump() {
	defer e.wg.Done()
	for {
		select {
		case v := <-e.notify:
			e.publish(v)
		case <-e.stopCh:
			return
		}
	}
}

func (e *leaderEvents) publish(v bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ch := range e.subs {
		sendLatest(ch, v)
	}
}

// sendLatest sends v, dropping the oldest buffered value if ch is full. Only
// the pump (holding e.mu) sends, so the retry cannot be starved by senders.
func sendLatest(ch chan bool, v bool) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// subscribe returns a new channel that first receives the current state and
// then every change. It is closed when the node closes.
func (e *leaderEvents) subscribe() <-chan bool {
	ch := make(chan bool, eventBuffer)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		close(ch)
		return ch
	}
	ch <- e.isLeader()
	e.subs = append(e.subs, ch)
	return ch
}

// stop joins the pump and closes all subscriber channels. Call after raft has
// shut down (no more NotifyCh sends).
func (e *leaderEvents) stop() {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return
	}
	e.stopped = true
	e.mu.Unlock()
	close(e.stopCh)
	e.wg.Wait()
	e.mu.Lock()
	for _, ch := range e.subs {
		close(ch)
	}
	e.subs = nil
	e.mu.Unlock()
}

// LeaderEvents returns a new subscription to leadership changes: true when
// this node becomes leader, false when it stops being leader. The first value
// is the state at subscription time. Delivery never blocks raft; a slow
// subscriber loses the oldest events (the last value received is always
// current). The channel is closed by Close.
func (n *Node) LeaderEvents() <-chan bool { return n.events.subscribe() }
