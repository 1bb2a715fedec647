package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/spf13/cobra"
)

// importOpts configures `bench import`.
type importOpts struct {
	*benchOpts
	files      int
	batch      int
	objectsDir string
	skipFiles  bool
}

func newBenchImportCmd(o *benchOpts) *cobra.Command {
	opts := &importOpts{benchOpts: o}
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Bulk import of Parquet files vs the same rows through insert requests: time to searchable, side by side",
		Long: `Writes --rows rows (id Int64, vector FloatVector --dim; row i's floats
uniform in [0, 1) from a PCG seeded with --seed and i) as --files Parquet
files under imports/ in the node's local object store (--objects-dir, the
node's <data-dir>/objects; --skip-files reuses them), then measures two
phases on collections <collection>_import and <collection>_insert (both
FLAT, L2, one shard per the server's default):

  import  jobs/import/create with every file, polled to Completed, then
          until a count(*) at Strong sees every row: seconds and rows/s.
  insert  the same rows through entities/insert in --batch row requests on
          --clients clients, then the same count: seconds and rows/s.

and prints import's speedup (insert seconds / import seconds).`,
		RunE: func(*cobra.Command, []string) error { return opts.run(os.Stdout) },
	}
	f := cmd.Flags()
	f.IntVar(&opts.files, "files", 10, "Parquet files the rows are split into")
	f.IntVar(&opts.batch, "batch", 1000, "rows per insert request (insert phase)")
	f.StringVar(&opts.objectsDir, "objects-dir", "./data/objects", "the node's local object store directory (<data-dir>/objects)")
	f.BoolVar(&opts.skipFiles, "skip-files", false, "reuse the files an earlier run wrote")
	return cmd
}

func (o *importOpts) run(w io.Writer) error {
	keys := make([]string, o.files)
	for i := range keys {
		keys[i] = fmt.Sprintf("imports/bench-%d-%d-%d.parquet", o.rows, o.dim, i)
	}
	if !o.skipFiles {
		if err := o.writeFiles(w, keys); err != nil {
			return err
		}
	}
	imp, err := o.importPhase(w, keys)
	if err != nil {
		return err
	}
	ins, err := o.insertPhase(w)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "import is %.1f× faster than inserts to searchable (%.1f s vs %.1f s for %d × %d)\n",
		ins.Seconds()/imp.Seconds(), imp.Seconds(), ins.Seconds(), o.rows, o.dim)
	return nil
}

// benchImportRow is one Parquet row.
type benchImportRow struct {
	ID     int64     `parquet:"id"`
	Vector []float32 `parquet:"vector,list"`
}

// writeFiles writes the rows as Parquet files, rows split evenly.
func (o *importOpts) writeFiles(w io.Writer, keys []string) error {
	start := time.Now()
	var bytes int64
	per := (o.rows + len(keys) - 1) / len(keys)
	for i, key := range keys {
		n, err := o.writeFile(filepath.Join(o.objectsDir, filepath.FromSlash(key)), i*per, min((i+1)*per, o.rows))
		if err != nil {
			return err
		}
		bytes += n
	}
	fmt.Fprintf(w, "files: %d Parquet files, %.1f MB, written in %.1f s (not timed below)\n", len(keys), float64(bytes)/1e6, time.Since(start).Seconds())
	return nil
}

func (o *importOpts) writeFile(path string, lo, hi int) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	pw := parquet.NewGenericWriter[benchImportRow](f)
	rows := make([]benchImportRow, 0, 10000)
	for id := lo; id < hi; id++ {
		rows = append(rows, benchImportRow{ID: int64(id), Vector: rowVector(o.seed, int64(id), o.dim)})
		if len(rows) == cap(rows) || id == hi-1 {
			if _, err := pw.Write(rows); err != nil {
				return 0, fmt.Errorf("bench import: writing %s: %w", path, err)
			}
			rows = rows[:0]
		}
	}
	if err := pw.Close(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), f.Sync()
}

// createBenchCollection drops and creates a FLAT (L2) collection.
func (o *importOpts) createBenchCollection(name string) error {
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": name})
	_, err := post(o.addr, "collections/create", map[string]any{"collectionName": name,
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": o.dim}}}},
		"indexParams": []map[string]any{{"fieldName": "vector", "indexName": "vector", "indexType": "FLAT", "metricType": "L2"}}})
	return err
}

func (o *importOpts) importPhase(w io.Writer, keys []string) (time.Duration, error) {
	name := o.collection + "_import"
	if err := o.createBenchCollection(name); err != nil {
		return 0, err
	}
	files := make([][]string, len(keys))
	for i, k := range keys {
		files[i] = []string{k}
	}
	start := time.Now()
	raw, err := post(o.addr, "jobs/import/create", map[string]any{"collectionName": name, "files": files})
	if err != nil {
		return 0, err
	}
	var job struct {
		JobID string `json:"jobId"`
	}
	if err := json.Unmarshal(raw, &job); err != nil {
		return 0, err
	}
	if err := o.waitJob(w, job.JobID, start); err != nil {
		return 0, err
	}
	if err := waitCount(o.nodes(), name, "Strong", int64(o.rows)); err != nil {
		return 0, err
	}
	d := time.Since(start)
	fmt.Fprintf(w, "import: %d rows searchable in %.1f s (%.0f rows/s)\n", o.rows, d.Seconds(), float64(o.rows)/d.Seconds())
	return d, nil
}

// waitJob polls an import job to its end, printing its progress.
func (o *importOpts) waitJob(w io.Writer, id string, start time.Time) error {
	var pr struct {
		State    string `json:"state"`
		Progress int    `json:"progress"`
		Reason   string `json:"reason"`
	}
	last := -1
	for {
		raw, err := post(o.addr, "jobs/import/get_progress", map[string]any{"jobId": id})
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &pr); err != nil {
			return err
		}
		if pr.Progress != last {
			fmt.Fprintf(w, "  import job %s: %s %d%% after %.1f s\n", id, pr.State, pr.Progress, time.Since(start).Seconds())
			last = pr.Progress
		}
		switch pr.State {
		case "Completed":
			return nil
		case "Failed":
			return fmt.Errorf("bench import: job %s failed: %s", id, pr.Reason)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (o *importOpts) insertPhase(w io.Writer) (time.Duration, error) {
	name := o.collection + "_insert"
	if err := o.createBenchCollection(name); err != nil {
		return 0, err
	}
	start := time.Now()
	st, err := insertBatches(o.nodes(), o.clients, o.rows, o.batch, "benchimport", func(lo, hi int) (rawBody, error) {
		vecs := make([]float32, 0, (hi-lo)*o.dim)
		for id := lo; id < hi; id++ {
			vecs = append(vecs, rowVector(o.seed, int64(id), o.dim)...)
		}
		return encodeInsert(name, lo, o.dim, vecs), nil
	})
	if err != nil {
		return 0, err
	}
	if err := waitCount(o.nodes(), name, "Strong", int64(o.rows)); err != nil {
		return 0, err
	}
	d := time.Since(start)
	fmt.Fprintf(w, "insert: %d rows searchable in %.1f s (%.0f rows/s; batch %d, %d clients: %s)\n",
		o.rows, d.Seconds(), float64(o.rows)/d.Seconds(), o.batch, o.clients, st.summary(o.rows))
	return d, nil
}
