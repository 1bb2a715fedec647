package server

import (
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// maxTaskBackoff caps how long a failing task waits before its next try:
// a task whose object storage is down, or whose input is missing, costs
// one attempt and one log line per this period instead of one per poll.
const maxTaskBackoff = 5 * time.Second

// taskKey is one assignment of a task: a reassigned task (new token)
// starts without a backoff.
type taskKey struct{ id, token int64 }

// taskRetries spaces out the attempts of tasks that failed on this node,
// doubling the wait from taskPoll up to maxTaskBackoff. It is owned by
// the watchTasks goroutine (no lock).
type taskRetries map[taskKey]taskRetry

type taskRetry struct {
	wait time.Duration // before the next attempt
	next time.Time
}

// due reports whether task may run at now.
func (r taskRetries) due(t coordinator.Task, now time.Time) bool {
	st, ok := r[taskKey{t.ID, t.Token}]
	return !ok || !now.Before(st.next)
}

// record notes an attempt's outcome: a failure pushes the next attempt
// back, anything else forgets the task.
func (r taskRetries) record(t coordinator.Task, failed bool, now time.Time) {
	k := taskKey{t.ID, t.Token}
	if !failed {
		delete(r, k)
		return
	}
	st := r[k]
	st.wait = min(max(2*st.wait, taskPoll), maxTaskBackoff)
	st.next = now.Add(st.wait)
	r[k] = st
}

// keep forgets every task not in assigned (finished, reassigned, dropped).
func (r taskRetries) keep(assigned []coordinator.Task) {
	live := make(map[taskKey]bool, len(assigned))
	for _, t := range assigned {
		live[taskKey{t.ID, t.Token}] = true
	}
	for k := range r {
		if !live[k] {
			delete(r, k)
		}
	}
}
