package coordinator

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// TaskImport is the kind of the task that runs a bulk-import job (Task.Job)
// on an index node.
const TaskImport = "import"

// opImport is the metadata command of every import-job change
// (importChange.Sub says which).
const opImport = "import_job"

// Import job and file states (Milvus's names).
const (
	ImportPending   = "Pending"
	ImportImporting = "Importing"
	ImportCompleted = "Completed"
	ImportFailed    = "Failed"
)

// maxImportJobs bounds how many import jobs the state keeps; the oldest
// finished ones go first.
const maxImportJobs = 1000

// ImportJob is a bulk import of files from the object store into one
// collection (and partition), run by one TaskImport task. It lives in the
// replicated metadata, so its progress survives restarts and a job whose
// worker dies resumes on the node the task is reassigned to.
type ImportJob struct {
	ID           int64             `json:"id"`
	Collection   string            `json:"collection"`
	CollectionID int64             `json:"collectionID"`
	Partition    string            `json:"partition,omitempty"`
	PartitionID  int64             `json:"partitionID"`
	Files        []ImportFile      `json:"files"`
	Options      map[string]string `json:"options,omitempty"`
	State        string            `json:"state"`
	Reason       string            `json:"reason,omitempty"`
	Task         int64             `json:"task"`
	Created      int64             `json:"created"` // unix ms, the proposer's clock
}

// ImportFile is one file of a job (Milvus lets a "file" be several paths;
// raftvec reads the first) and its progress.
type ImportFile struct {
	Paths    []string `json:"paths"`
	State    string   `json:"state"`
	Reason   string   `json:"reason,omitempty"`
	Rows     int64    `json:"rows"`     // rows in the file, once parsed
	Imported int64    `json:"imported"` // rows committed so far
	// Outputs are the IDs the file's segment takes on each shard (base |
	// fsm.CompactionOutputBit | ID): fixed at creation, so a retried
	// commit is recognized by the shard.
	Outputs []int64 `json:"outputs"`
	// Committed lists the shards whose part is committed.
	Committed []int `json:"committed,omitempty"`
}

// Progress returns the job's progress, 0-100, by files finished.
func (j *ImportJob) Progress() int {
	if j.State == ImportCompleted {
		return 100
	}
	done := 0
	for _, f := range j.Files {
		if f.State == ImportCompleted {
			done++
		}
	}
	if len(j.Files) == 0 {
		return 0
	}
	return done * 100 / len(j.Files)
}

// importChange is the payload of an opImport command.
type importChange struct {
	Sub   string     `json:"sub"` // "create", "file" or "finish"
	Job   *ImportJob `json:"job,omitempty"`
	ID    int64      `json:"id,omitempty"`
	Token int64      `json:"token,omitempty"` // the reporting task's fencing token
	File  int        `json:"file,omitempty"`
	// State and Reason of the file ("file") or the job ("finish").
	State  string `json:"state,omitempty"`
	Reason string `json:"reason,omitempty"`
	Rows   int64  `json:"rows,omitempty"`
	// Shard is a shard whose part of the file was committed (-1: none).
	Shard int `json:"shard"`
}

func (m *metaFSM) applyImportLocked(c *importChange) result {
	if c == nil {
		return result{Err: fmt.Errorf("%w: empty import command", ErrInvalid)}
	}
	if c.Sub == "create" {
		return m.createImportLocked(c.Job)
	}
	j, ok := m.mu.Imports[c.ID]
	if !ok {
		return result{Err: fmt.Errorf("%w: no import job %d", ErrInvalid, c.ID)}
	}
	if t, ok := m.mu.Tasks[j.Task]; ok && c.Token != t.Token {
		return result{Err: fmt.Errorf("%w: import job %d was reassigned (token %d, report carries %d)", ErrInvalid, j.ID, t.Token, c.Token)}
	}
	switch c.Sub {
	case "file":
		return updateImportFile(j, c)
	case "finish":
		j.State, j.Reason = c.State, c.Reason
		return result{}
	}
	return result{Err: fmt.Errorf("%w: unknown import change %q", ErrInvalid, c.Sub)}
}

func updateImportFile(j *ImportJob, c *importChange) result {
	if c.File < 0 || c.File >= len(j.Files) {
		return result{Err: fmt.Errorf("%w: import job %d has no file %d", ErrInvalid, j.ID, c.File)}
	}
	f := &j.Files[c.File]
	if j.State == ImportPending {
		j.State = ImportImporting
	}
	f.State, f.Reason = c.State, c.Reason
	if c.Rows > 0 {
		f.Rows = c.Rows
	}
	if c.Shard >= 0 && !slices.Contains(f.Committed, c.Shard) {
		f.Committed = append(f.Committed, c.Shard)
		sort.Ints(f.Committed)
	}
	return result{}
}

// createImportLocked records a job with the output IDs of every file and
// shard, and the task that runs it, on the least busy live index node.
func (m *metaFSM) createImportLocked(j *ImportJob) result {
	if j == nil || len(j.Files) == 0 {
		return result{Err: fmt.Errorf("%w: an import job needs files", ErrInvalid)}
	}
	var coll *Collection
	for _, c := range m.mu.Collections {
		if c.ID == j.CollectionID {
			coll = c
		}
	}
	if coll == nil {
		return result{Err: fmt.Errorf("%w: collection %d does not exist", ErrInvalid, j.CollectionID)}
	}
	assignee := m.leastBusyLocked("")
	if assignee == "" {
		return result{Err: fmt.Errorf("%w: no live index node to run an import", ErrInvalid)}
	}
	if m.mu.Imports == nil {
		m.mu.Imports = map[int64]*ImportJob{}
	}
	job := *j
	job.ID, job.State, job.Reason = m.nextIDLocked(), ImportPending, ""
	job.Files = make([]ImportFile, len(j.Files))
	for i, f := range j.Files {
		job.Files[i] = ImportFile{Paths: slices.Clone(f.Paths), State: ImportPending}
		for range max(len(coll.Shards), coll.ShardsNum) {
			job.Files[i].Outputs = append(job.Files[i].Outputs, m.nextIDLocked())
		}
	}
	job.Task = m.nextIDLocked()
	m.mu.Tasks[job.Task] = &Task{Kind: TaskImport, ID: job.Task, Collection: coll.ID, Job: job.ID,
		Assignee: assignee, Token: job.Task, State: TaskAssigned}
	m.mu.Imports[job.ID] = &job
	m.trimImportsLocked()
	return result{ID: job.ID}
}

// trimImportsLocked drops the oldest finished jobs beyond maxImportJobs.
func (m *metaFSM) trimImportsLocked() {
	var done []int64
	for id, j := range m.mu.Imports {
		if j.State == ImportCompleted || j.State == ImportFailed {
			done = append(done, id)
		}
	}
	if extra := len(m.mu.Imports) - maxImportJobs; extra > 0 {
		slices.Sort(done)
		for _, id := range done[:min(extra, len(done))] {
			delete(m.mu.Imports, id)
		}
	}
}

// CreateImport records an import job (Collection, CollectionID, Partition,
// PartitionID, Files, Options and Created set by the caller) and plans its
// task; it returns the job ID.
func (c *Coordinator) CreateImport(ctx context.Context, j ImportJob) (int64, error) {
	r, err := c.propose(ctx, command{Op: opImport, Import: &importChange{Sub: "create", Job: &j, Shard: -1}})
	return r.ID, err
}

// UpdateImportFile records a file's state (and its row count, and a shard
// whose part was committed, or -1), reported by the task with token.
func (c *Coordinator) UpdateImportFile(ctx context.Context, job, token int64, file int, state, reason string, rows int64, shard int) error {
	_, err := c.propose(ctx, command{Op: opImport, Import: &importChange{Sub: "file", ID: job, Token: token,
		File: file, State: state, Reason: reason, Rows: rows, Shard: shard}})
	return err
}

// FinishImport records a job's final state, reported by the task with
// token.
func (c *Coordinator) FinishImport(ctx context.Context, job, token int64, state, reason string) error {
	_, err := c.propose(ctx, command{Op: opImport, Import: &importChange{Sub: "finish", ID: job, Token: token,
		State: state, Reason: reason, Shard: -1}})
	return err
}

// ImportJobs returns this replica's import jobs, sorted by ID. A job whose
// task ended without finishing it (its collection was dropped) shows as
// failed.
func (c *Coordinator) ImportJobs() []ImportJob {
	c.fsm.mu.RLock()
	defer c.fsm.mu.RUnlock()
	out := make([]ImportJob, 0, len(c.fsm.mu.Imports))
	for _, j := range c.fsm.mu.Imports {
		cp := *j
		cp.Files = slices.Clone(j.Files)
		if t, ok := c.fsm.mu.Tasks[j.Task]; ok && t.State == TaskDone && cp.State != ImportCompleted && cp.State != ImportFailed {
			cp.State, cp.Reason = ImportFailed, "the import task ended before the job finished (collection dropped?)"
		}
		out = append(out, cp)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].ID < out[k].ID })
	return out
}

// ImportJob returns one import job.
func (c *Coordinator) ImportJob(id int64) (ImportJob, bool) {
	for _, j := range c.ImportJobs() {
		if j.ID == id {
			return j, true
		}
	}
	return ImportJob{}, false
}
