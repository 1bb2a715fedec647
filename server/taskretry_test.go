package server

import (
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// TestTaskRetriesBackOff: a failing task waits 100 ms, 200 ms, ... up to
// maxTaskBackoff between attempts; a success, a reassignment (new token)
// or the task leaving this node's assignments clears the wait.
func TestTaskRetriesBackOff(t *testing.T) {
	t0 := time.Unix(1000, 0)
	task := coordinator.Task{ID: 7, Token: 3}
	r := taskRetries{}
	if !r.due(task, t0) {
		t.Fatal("a task never tried is not due")
	}
	now := t0
	var waits []time.Duration
	for range 9 {
		r.record(task, true, now)
		next := r[taskKey{7, 3}].next
		if r.due(task, next.Add(-time.Millisecond)) || !r.due(task, next) {
			t.Fatalf("due before %v or not at it", next)
		}
		waits = append(waits, next.Sub(now))
		now = next
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}
	for i, w := range want {
		if waits[i] != w*time.Millisecond {
			t.Fatalf("waits %v, want %v ms", waits, want)
		}
	}
	for range 100 { // no overflow however long it fails
		r.record(task, true, now)
	}
	if w := r[taskKey{7, 3}].next.Sub(now); w != maxTaskBackoff {
		t.Fatalf("after 109 failures the wait is %v", w)
	}
	if !r.due(coordinator.Task{ID: 7, Token: 4}, now) {
		t.Fatal("a reassigned task waits for its previous assignment's backoff")
	}
	r.record(task, false, now)
	if !r.due(task, now) || len(r) != 0 {
		t.Fatal("a success left a wait behind")
	}
	r.record(task, true, now)
	r.keep([]coordinator.Task{{ID: 8, Token: 1}})
	if len(r) != 0 {
		t.Fatalf("a task no longer assigned here is remembered: %v", r)
	}
}
