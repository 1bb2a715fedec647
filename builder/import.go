package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/storage"
)

// Jobs is the import-job side of the coordinator a worker reports to.
type Jobs interface {
	ImportJob(id int64) (coordinator.ImportJob, bool)
	UpdateImportFile(ctx context.Context, job, token int64, file int, state, reason string, rows int64, shard int) error
	FinishImport(ctx context.Context, job, token int64, state, reason string) error
}

// ErrBadFile marks an import file that cannot be imported as it is (not
// found, unreadable, a row that does not fit the schema, a key already
// present): the file, and its job, fail with the reason; retrying would
// not help.
var ErrBadFile = errors.New("bad import file")

// importParallel is how many files of a job one worker imports at once:
// parsing a file takes a core, and each file in flight holds its rows in
// memory.
const importParallel = 2

// RunImport runs an import job's task: up to importParallel files at a
// time, it reads a file from the object store, validates every row, splits
// the rows by primary-key hash to shards, writes each shard's segment
// chunks and then commits the segment through the shard's log
// (fsm.KindImportCommit). A file is all or nothing: a bad row fails it
// before anything is written, and a shard refusing its part takes back the
// parts other shards took. A file that fails fails the job once the files
// in flight beside it are done (never cut short: a file half committed
// would break all or nothing); files completed stay imported, files not
// started are not. Progress goes to the coordinator after every commit, so
// a task resumed on another node skips what was done.
func (w *Worker) RunImport(ctx context.Context, c *coordinator.Collection, t coordinator.Task) error {
	if w.cfg.Store == nil || w.cfg.Files == nil || w.cfg.Jobs == nil {
		return fmt.Errorf("%w: no object storage for import workers", shards.ErrUnavailable)
	}
	job, ok := w.cfg.Jobs.ImportJob(t.Job)
	if !ok || job.State == coordinator.ImportCompleted || job.State == coordinator.ImportFailed {
		return ErrStaleTask
	}
	var todo []int
	for i := range job.Files {
		if job.Files[i].State != coordinator.ImportCompleted {
			todo = append(todo, i)
		}
	}
	// The files' memory goes back to the OS once, at the end: handing it
	// back after each file made the next one fault every page in again
	// (a third of a 1M-row import's CPU went to page faults in copies).
	defer returnMemory()
	errs := make([]error, len(job.Files))
	for lo := 0; lo < len(todo); lo += importParallel {
		var wg sync.WaitGroup
		for _, i := range todo[lo:min(lo+importParallel, len(todo))] {
			wg.Go(func() { errs[i] = w.importFile(ctx, c, t, &job, i) })
		}
		wg.Wait()
		if failed, err := w.importFailed(ctx, t, &job, errs); failed || err != nil {
			return err
		}
	}
	return w.cfg.Jobs.FinishImport(ctx, job.ID, t.Token, coordinator.ImportCompleted, "")
}

// importFailed ends the job as failed at its first bad file (failed), or
// returns the other errors (the task is retried); false, nil when all went
// well.
func (w *Worker) importFailed(ctx context.Context, t coordinator.Task, job *coordinator.ImportJob, errs []error) (failed bool, err error) {
	for i, err := range errs {
		if !errors.Is(err, ErrBadFile) {
			continue
		}
		f := &job.Files[i]
		reason := fmt.Sprintf("file %q: %v", filePath(f), strings.TrimPrefix(err.Error(), ErrBadFile.Error()+": "))
		if err := w.cfg.Jobs.UpdateImportFile(ctx, job.ID, t.Token, i, coordinator.ImportFailed, reason, 0, -1); err != nil {
			return false, err
		}
		return true, w.cfg.Jobs.FinishImport(ctx, job.ID, t.Token, coordinator.ImportFailed, reason)
	}
	return false, errors.Join(errs...)
}

// importFile imports file i of a job.
func (w *Worker) importFile(ctx context.Context, c *coordinator.Collection, t coordinator.Task, job *coordinator.ImportJob, i int) error {
	f := &job.Files[i]
	if c.Schema.Fields[c.Schema.PrimaryIndex()].AutoID {
		return fmt.Errorf("%w: collection %q has an auto-ID primary key; import supports given keys only", ErrBadFile, c.Name)
	}
	data, err := w.cfg.Files(ctx, filePath(f))
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalidKey) {
		return fmt.Errorf("%w: reading it: %w", ErrBadFile, err)
	}
	if err != nil { // the store is unavailable: the task is retried
		return fmt.Errorf("builder: reading import file %q: %w", filePath(f), err)
	}
	b, err := ParseImportFile(filePath(f), data, &c.Schema)
	if err != nil {
		return err
	}
	rows := int64(b.Rows())
	if err := w.cfg.Jobs.UpdateImportFile(ctx, job.ID, t.Token, i, coordinator.ImportImporting, "", rows, -1); err != nil {
		return err
	}
	parts := splitByShard(&c.Schema, b, len(f.Outputs))
	var done []int // shards committed by this attempt
	for sh, part := range parts {
		if part == nil || slices.Contains(f.Committed, sh) {
			continue
		}
		err := w.commitPart(ctx, c, job, i, sh, part)
		if errors.Is(err, shards.ErrDuplicateKey) || errors.Is(err, shards.ErrInvalid) {
			w.abortParts(ctx, c, f, append(done, f.Committed...))
			return fmt.Errorf("%w: %w", ErrBadFile, err)
		}
		if err != nil {
			return err
		}
		done = append(done, sh)
		if err := w.cfg.Jobs.UpdateImportFile(ctx, job.ID, t.Token, i, coordinator.ImportImporting, "", rows, sh); err != nil {
			return err
		}
	}
	return w.cfg.Jobs.UpdateImportFile(ctx, job.ID, t.Token, i, coordinator.ImportCompleted, "", rows, -1)
}

// commitPart writes one shard's part of a file as a flushed segment and
// commits it through the shard's log.
func (w *Worker) commitPart(ctx context.Context, c *coordinator.Collection, job *coordinator.ImportJob, i, sh int, part *segment.Batch) error {
	out := shards.SegmentBase(c.ID, sh) | fsm.CompactionOutputBit | job.Files[i].Outputs[sh]
	chunks, err := w.uploadOutput(ctx, c, job.PartitionID, out, part)
	if err != nil {
		return err
	}
	cmd := &fsm.Command{Kind: fsm.KindImportCommit, Partition: job.PartitionID, Output: out, Rows: part, Chunks: chunks,
		TTL: c.TTLMillis(), Key: fmt.Sprintf("import/%d/%d/%d", job.ID, i, sh)}
	_, _, err = w.cfg.Router.Propose(ctx, c, sh, cmd)
	return err
}

// abortParts takes back the parts of a file some shards committed.
func (w *Worker) abortParts(ctx context.Context, c *coordinator.Collection, f *coordinator.ImportFile, committed []int) {
	for _, sh := range committed {
		out := shards.SegmentBase(c.ID, sh) | fsm.CompactionOutputBit | f.Outputs[sh]
		_, _, _ = w.cfg.Router.Propose(ctx, c, sh, &fsm.Command{Kind: fsm.KindImportAbort, Output: out})
	}
}

// splitByShard splits rows by primary-key hash as the proxy routes
// inserts (nil where a shard gets none).
func splitByShard(s *segment.Schema, b *segment.Batch, n int) []*segment.Batch {
	out := make([]*segment.Batch, n)
	if n == 1 {
		out[0] = b
		return out
	}
	pki := s.PrimaryIndex()
	shardOf, counts := make([]int, b.Rows()), make([]int, n)
	for i := range shardOf {
		shardOf[i] = proxy.ShardOf(b.Columns[pki].Value(i), n)
		counts[shardOf[i]]++
	}
	for sh, rows := range counts {
		if rows > 0 {
			out[sh] = segment.NewBatch(s)
			for f := range out[sh].Columns {
				out[sh].Columns[f].Reserve(rows) // vectors: no regrowth
			}
		}
	}
	for i, sh := range shardOf {
		for f := range b.Columns {
			out[sh].Columns[f].Append(&b.Columns[f], i)
		}
	}
	return out
}

func filePath(f *coordinator.ImportFile) string {
	if len(f.Paths) == 0 {
		return ""
	}
	return f.Paths[0]
}

// ParseImportFile parses an import file by its extension (.json: Milvus
// row format, {"rows": [...]} or a plain array of rows; .parquet: one
// column per field, vectors as lists) and validates its rows against the
// schema. Errors wrap ErrBadFile and name the row and field.
func ParseImportFile(name string, data []byte, s *segment.Schema) (*segment.Batch, error) {
	var rows []map[string]any
	var err error
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		rows, err = jsonRows(data)
	case ".parquet":
		b, cerr := parquetBatch(data, s)
		if !errors.Is(cerr, errNotColumnar) {
			if cerr != nil {
				return nil, fmt.Errorf("%w: %w", ErrBadFile, cerr)
			}
			if b.Rows() == 0 {
				return nil, fmt.Errorf("%w: no rows", ErrBadFile)
			}
			return b, nil
		}
		rows, err = parquetRows(data)
	default:
		err = fmt.Errorf("unsupported file type %q: use .json or .parquet", path.Ext(name))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadFile, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: no rows", ErrBadFile)
	}
	b, err := api.ImportBatch(s, rows)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadFile, err)
	}
	return b, nil
}

// jsonRows decodes {"rows": [...]} or [...] with numbers kept exact.
func jsonRows(data []byte) ([]map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if m, ok := v.(map[string]any); ok {
		v = m["rows"]
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New(`want {"rows": [...]} or a list of row objects`)
	}
	rows := make([]map[string]any, len(list))
	for i, r := range list {
		if rows[i], ok = r.(map[string]any); !ok {
			return nil, fmt.Errorf("row %d: want a JSON object", i)
		}
	}
	return rows, nil
}

// parquetRows reads every row of a Parquet file as a map of JSON-like
// values (numbers as json.Number, lists as []any).
func parquetRows(data []byte) ([]map[string]any, error) {
	all, err := parquet.Read[any](bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a readable Parquet file: %w", err)
	}
	rows := make([]map[string]any, len(all))
	for i, r := range all {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("row %d: not a group", i)
		}
		for k, v := range m {
			m[k] = jsonLike(v)
		}
		rows[i] = m
	}
	return rows, nil
}

// jsonLike converts a Parquet value to what encoding/json with UseNumber
// would have decoded, the form row validation takes.
func jsonLike(v any) any {
	switch x := v.(type) {
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case int:
		return json.Number(strconv.Itoa(x))
	case float32:
		return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case []byte:
		return string(x)
	case []any:
		for i := range x {
			x[i] = jsonLike(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = jsonLike(x[k])
		}
		return x
	}
	return v
}
