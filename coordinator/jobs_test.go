package coordinator

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestImportJobs: a job gets one output ID per file and shard and a task;
// progress reports from a stale token are refused; the job survives a
// snapshot; a job whose task ended unfinished reads as failed.
func TestImportJobs(t *testing.T) {
	m := newTestFSM(t)
	collID := mustApply(t, m, command{Op: opCreateCollection, Collection: testCollection("c", 2, 4)}).ID
	files := []ImportFile{{Paths: []string{"a.json"}}, {Paths: []string{"b.parquet"}}}
	if r := applyCmd(t, m, command{Op: opImport, Import: &importChange{Sub: "create", Job: &ImportJob{CollectionID: 999, Files: files}}}); !errors.Is(r.Err, ErrInvalid) {
		t.Fatalf("job on a missing collection: %v", r.Err)
	}
	if r := applyCmd(t, m, command{Op: opImport, Import: &importChange{Sub: "create", Job: &ImportJob{CollectionID: collID}}}); !errors.Is(r.Err, ErrInvalid) {
		t.Fatalf("job without files: %v", r.Err)
	}
	id := mustApply(t, m, command{Op: opImport, Import: &importChange{Sub: "create", Job: &ImportJob{Collection: "c", CollectionID: collID, Files: files}}}).ID
	j := m.mu.Imports[id]
	task := m.mu.Tasks[j.Task]
	if j.State != ImportPending || task == nil || task.Kind != TaskImport || task.Job != id || len(j.Files[1].Outputs) != 2 || j.Files[0].Outputs[0] == j.Files[1].Outputs[1] {
		t.Fatalf("job %+v task %+v", j, task)
	}
	tests := []struct {
		name    string
		change  importChange
		wantErr bool
	}{
		{name: "stale token", change: importChange{Sub: "file", ID: id, Token: task.Token + 1, State: ImportImporting, Shard: -1}, wantErr: true},
		{name: "unknown job", change: importChange{Sub: "file", ID: id + 100, Token: task.Token, Shard: -1}, wantErr: true},
		{name: "bad file", change: importChange{Sub: "file", ID: id, Token: task.Token, File: 5, Shard: -1}, wantErr: true},
		{name: "rows", change: importChange{Sub: "file", ID: id, Token: task.Token, State: ImportImporting, Rows: 10, Shard: -1}},
		{name: "shard 1", change: importChange{Sub: "file", ID: id, Token: task.Token, State: ImportImporting, Shard: 1}},
		{name: "shard 1 again", change: importChange{Sub: "file", ID: id, Token: task.Token, State: ImportImporting, Shard: 1}},
		{name: "file done", change: importChange{Sub: "file", ID: id, Token: task.Token, State: ImportCompleted, Shard: 0}},
	}
	for _, tt := range tests {
		c := tt.change
		if r := applyCmd(t, m, command{Op: opImport, Import: &c}); (r.Err != nil) != tt.wantErr {
			t.Fatalf("%s: err %v", tt.name, r.Err)
		}
	}
	if f := j.Files[0]; j.State != ImportImporting || f.Rows != 10 || len(f.Committed) != 2 || j.Progress() != 50 {
		t.Fatalf("after progress: job %s %d%%, file %+v", j.State, j.Progress(), f)
	}
	before := snapshotBytes(t, m)
	m2 := newMetaFSM(nil)
	if err := m2.Restore(io.NopCloser(bytes.NewReader(before))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snapshotBytes(t, m2), before) || m2.mu.Imports[id].Files[0].Rows != 10 {
		t.Fatal("import job lost in a snapshot")
	}
	c := &Coordinator{fsm: m}
	mustApply(t, m, command{Op: opFinishTask, N: task.ID, Task: &Task{ID: task.ID, Token: task.Token}})
	if got, _ := c.ImportJob(id); got.State != ImportFailed || got.Reason == "" {
		t.Fatalf("job of an ended task: %+v", got)
	}
}
