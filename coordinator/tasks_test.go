package coordinator

import (
	"testing"
)

// TestTasks: tasks go to the least busy live node, a task overlapping an
// assigned one is the same task, and a node going down hands its tasks to
// another node with a new fencing token.
func TestTasks(t *testing.T) {
	m := newTestFSM(t)
	mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: "n2", RaftAddr: "b", State: NodeUp}})
	t1 := mustApply(t, m, command{Op: opCreateTask, Task: &Task{Collection: 1, Shard: 0, Segments: []int64{10, 11}}}).ID
	t2 := mustApply(t, m, command{Op: opCreateTask, Task: &Task{Collection: 1, Shard: 0, Segments: []int64{12}}}).ID
	if dup := mustApply(t, m, command{Op: opCreateTask, Task: &Task{Collection: 1, Shard: 0, Segments: []int64{11, 13}}}).ID; dup != t1 {
		t.Fatalf("overlapping task got ID %d, want %d", dup, t1)
	}
	tasks := m.mu.Tasks
	if tasks[t1].Assignee == tasks[t2].Assignee {
		t.Fatalf("both tasks on %s: not spread", tasks[t1].Assignee)
	}
	victim := tasks[t1].Assignee
	oldToken := tasks[t1].Token
	mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: victim, State: NodeDown}})
	if tk := m.mu.Tasks[t1]; tk.Assignee == victim || tk.Token <= oldToken {
		t.Fatalf("task of a down node: %+v (old token %d)", tk, oldToken)
	}
	// The old assignee's late report is fenced off; the new one's counts.
	if r := applyCmd(t, m, command{Op: opFinishTask, N: t1, Task: &Task{ID: t1, Token: oldToken}}); r.Err == nil || m.mu.Tasks[t1].State == TaskDone {
		t.Fatalf("a report with the stale token %d finished the task (err %v)", oldToken, r.Err)
	}
	mustApply(t, m, command{Op: opFinishTask, N: t1, Task: &Task{ID: t1, Token: m.mu.Tasks[t1].Token}})
	if m.mu.Tasks[t1].State != TaskDone {
		t.Fatal("finished task not done")
	}
	// A done task no longer blocks a new plan of its segments.
	if id := mustApply(t, m, command{Op: opCreateTask, Task: &Task{Collection: 1, Shard: 0, Segments: []int64{10}}}).ID; id == t1 {
		t.Fatal("a finished task was reused")
	}
	if r := applyCmd(t, m, command{Op: opCreateTask, Task: &Task{Collection: 1}}); r.Err == nil {
		t.Fatal("an empty task was accepted")
	}
}
