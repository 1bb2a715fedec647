package coordinator

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// Task kinds.
const (
	TaskCompact = ""
	TaskIndex   = "index"
)

// Task states.
const (
	TaskAssigned = "assigned"
	TaskDone     = "done"
)

// Task is a compaction (merge or rewrite) of sealed segments of one shard,
// assigned by the coordinator to a node. Token is the fencing token: it is
// unique and grows on every (re)assignment, and the worker names its output
// segment after it, so a stale worker's output never collides with the
// current one (and its commit fails once the inputs are gone).
type Task struct {
	// Kind is TaskCompact or TaskIndex; Index names the collection index a
	// TaskIndex builds.
	Kind  string `json:"kind,omitempty"`
	Index string `json:"index,omitempty"`
	// Job is the import job a TaskImport runs (jobs.go).
	Job        int64   `json:"job,omitempty"`
	ID         int64   `json:"id"`
	Collection int64   `json:"collectionID"`
	Shard      int     `json:"shard"`
	Segments   []int64 `json:"segments"`
	Assignee   string  `json:"assignee"`
	Token      int64   `json:"token"`
	State      string  `json:"state"`
}

// maxDoneTasks bounds how many finished tasks the state keeps.
const maxDoneTasks = 1000

func (m *metaFSM) createTaskLocked(t *Task) result {
	if t == nil || len(t.Segments) == 0 {
		return result{Err: fmt.Errorf("%w: empty task", ErrInvalid)}
	}
	for _, old := range m.mu.Tasks {
		if old.State == TaskAssigned && old.Kind == t.Kind && old.Collection == t.Collection && old.Shard == t.Shard &&
			slices.ContainsFunc(t.Segments, func(s int64) bool { return slices.Contains(old.Segments, s) }) {
			return result{ID: old.ID} // already planned: the same task
		}
	}
	assignee := m.leastBusyLocked("")
	if assignee == "" {
		return result{Err: fmt.Errorf("%w: no live index node to run a task", ErrInvalid)}
	}
	id := m.nextIDLocked()
	m.mu.Tasks[id] = &Task{Kind: t.Kind, Index: t.Index, ID: id, Collection: t.Collection, Shard: t.Shard, Segments: slices.Clone(t.Segments),
		Assignee: assignee, Token: id, State: TaskAssigned}
	return result{ID: id}
}

// leastBusyLocked picks the live index node with the fewest assigned tasks
// (ties by ID).
func (m *metaFSM) leastBusyLocked(avoid string) string {
	busy := map[string]int{}
	for _, t := range m.mu.Tasks {
		if t.State == TaskAssigned {
			busy[t.Assignee]++
		}
	}
	best := ""
	for _, n := range m.liveWithLocked(func(n *NodeInfo) bool { return n.Has(RoleIndex) }) {
		if n == avoid {
			continue
		}
		if best == "" || busy[n] < busy[best] {
			best = n
		}
	}
	return best
}

// finishTaskLocked marks a task done. A report carrying a token other than
// the task's current one comes from a builder the task was taken away from
// (fencing) and is refused; token 0 (entries written before tokens were
// reported) is accepted.
func (m *metaFSM) finishTaskLocked(id, token int64) result {
	t, ok := m.mu.Tasks[id]
	if !ok {
		return result{}
	}
	if token != 0 && token != t.Token {
		return result{Err: fmt.Errorf("%w: task %d was reassigned (token %d, report carries %d)", ErrInvalid, id, t.Token, token)}
	}
	t.State = TaskDone
	var done []int64
	for tid, t := range m.mu.Tasks {
		if t.State == TaskDone {
			done = append(done, tid)
		}
	}
	if len(done) > maxDoneTasks {
		sort.Slice(done, func(i, j int) bool { return done[i] < done[j] })
		for _, tid := range done[:len(done)-maxDoneTasks] {
			delete(m.mu.Tasks, tid)
		}
	}
	return result{}
}

// reassignLocked gives the tasks of a node that went away to other nodes,
// with new tokens.
func (m *metaFSM) reassignLocked(node string) {
	ids := make([]int64, 0, len(m.mu.Tasks))
	for id := range m.mu.Tasks {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		t := m.mu.Tasks[id]
		if t.State != TaskAssigned || t.Assignee != node {
			continue
		}
		if a := m.leastBusyLocked(node); a != "" {
			t.Assignee, t.Token = a, m.nextIDLocked()
		}
	}
}

// CreateTask plans a compaction task and returns its ID (the existing one
// when a task already covers one of the segments).
func (c *Coordinator) CreateTask(ctx context.Context, t Task) (int64, error) {
	r, err := c.propose(ctx, command{Op: opCreateTask, Task: &t})
	return r.ID, err
}

// FinishTask marks a task done; token is the fencing token the finisher
// was assigned the task with (a stale one is refused).
func (c *Coordinator) FinishTask(ctx context.Context, id, token int64) error {
	_, err := c.propose(ctx, command{Op: opFinishTask, N: id, Task: &Task{ID: id, Token: token}})
	return err
}

// Tasks returns the tasks of this replica's state, sorted by ID.
func (c *Coordinator) Tasks() []Task {
	c.fsm.mu.RLock()
	defer c.fsm.mu.RUnlock()
	out := make([]Task, 0, len(c.fsm.mu.Tasks))
	for _, t := range c.fsm.mu.Tasks {
		cp := *t
		cp.Segments = slices.Clone(t.Segments)
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
