package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// backupBenchOpts configures `bench backup`.
type backupBenchOpts struct {
	importOpts
	index string
	token string
}

func newBenchBackupCmd(o *benchOpts) *cobra.Command {
	opts := &backupBenchOpts{importOpts: importOpts{benchOpts: o}}
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Backup of a collection (time, bytes) and restore to searchable (time)",
		Long: `Loads --rows rows (id Int64, vector FloatVector --dim, seeded as bench
import's) into <collection>_src by a bulk import of --files Parquet files
written to the node's local object store (--objects-dir; --skip-files reuses
them), with a --index index on the vector (FLAT: none to build; HNSW or
IVF_FLAT: flushed and waited for, so the backup copies index files), then:

  backup   /v1/backup/create of <collection>_src: seconds, bytes, objects
           and MB/s as the server reports them.
  restore  /v1/backup/restore into <collection>_restored (dropped first),
           then until a Strong count(*) sees every row and a search
           answers: restore-to-searchable seconds.

The node must serve the admin routes (--admin-api, or --auth with --token).`,
		RunE: func(*cobra.Command, []string) error { return opts.run(os.Stdout) },
	}
	f := cmd.Flags()
	f.IntVar(&opts.files, "files", 10, "Parquet files the rows are split into")
	f.StringVar(&opts.objectsDir, "objects-dir", "./data/objects", "the node's local object store directory (<data-dir>/objects)")
	f.BoolVar(&opts.skipFiles, "skip-files", false, "reuse the files an earlier run wrote")
	f.StringVar(&opts.index, "index", "FLAT", "index of the vector field: FLAT, HNSW or IVF_FLAT")
	f.StringVar(&opts.token, "token", os.Getenv("RAFTVEC_TOKEN"), "Authorization bearer token for the admin routes")
	return cmd
}

func (o *backupBenchOpts) run(w io.Writer) error {
	src, dst := o.collection+"_src", o.collection+"_restored"
	keys := make([]string, o.files)
	for i := range keys {
		keys[i] = fmt.Sprintf("imports/bench-%d-%d-%d.parquet", o.rows, o.dim, i)
	}
	if !o.skipFiles {
		if err := o.writeFiles(w, keys); err != nil {
			return err
		}
	}
	if err := o.load(w, src, keys); err != nil {
		return err
	}
	cli := &backupCLI{addr: o.addr, token: o.token}
	name := fmt.Sprintf("bench-%d", time.Now().Unix())
	var sum backupSummary
	if err := cli.call("create", map[string]any{"collectionName": src, "backupName": name}, &sum); err != nil {
		return err
	}
	fmt.Fprintf(w, "backup: %d rows (%d segments), %d objects, %.1f MB in %.2f s (%.0f MB/s)\n",
		sum.LiveRows, sum.Segments, sum.Objects, float64(sum.Bytes)/1e6, sum.Seconds, float64(sum.Bytes)/1e6/sum.Seconds)
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": dst})
	start := time.Now()
	var rs struct {
		Seconds float64 `json:"seconds"`
	}
	if err := cli.call("restore", map[string]any{"backupName": name, "collectionName": dst}, &rs); err != nil {
		return err
	}
	if err := waitCount([]string{o.addr}, dst, "Strong", int64(o.rows)); err != nil {
		return err
	}
	raw, err := post(o.addr, "entities/search", map[string]any{"collectionName": dst, "data": [][]float32{rowVector(o.seed, 7, o.dim)},
		"limit": 10, "consistencyLevel": "Strong"})
	if err != nil {
		return err
	}
	var hits []map[string]any
	if err := json.Unmarshal(raw, &hits); err != nil || len(hits) != 10 {
		return fmt.Errorf("bench backup: search of the restored collection: %s (%v)", raw, err)
	}
	searchable := time.Since(start)
	fmt.Fprintf(w, "restore: %d rows searchable in %.2f s (the restore call %.2f s; first search %s)\n",
		o.rows, searchable.Seconds(), rs.Seconds, firstHit(hits))
	return nil
}

// load creates the source collection, imports the files and waits for
// every row (and, unless FLAT, for the index).
func (o *backupBenchOpts) load(w io.Writer, name string, keys []string) error {
	start := time.Now()
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": name})
	ix := map[string]any{"fieldName": "vector", "indexName": "vector", "indexType": strings.ToUpper(o.index), "metricType": "L2"}
	if _, err := post(o.addr, "collections/create", map[string]any{"collectionName": name,
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": o.dim}}}},
		"indexParams": []map[string]any{ix}}); err != nil {
		return err
	}
	files := make([][]string, len(keys))
	for i, k := range keys {
		files[i] = []string{k}
	}
	raw, err := post(o.addr, "jobs/import/create", map[string]any{"collectionName": name, "files": files})
	if err != nil {
		return err
	}
	var job struct {
		JobID string `json:"jobId"`
	}
	if err := json.Unmarshal(raw, &job); err != nil {
		return err
	}
	if err := o.waitJob(w, job.JobID, start); err != nil {
		return err
	}
	if err := waitCount([]string{o.addr}, name, "Strong", int64(o.rows)); err != nil {
		return err
	}
	if !strings.EqualFold(o.index, "FLAT") {
		bo := *o.benchOpts
		bo.collection = name
		if err := bo.waitForIndex(int64(o.rows), start); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "load: %d × %d rows imported into %s (%s) in %.1f s (not timed below)\n", o.rows, o.dim, name, o.index, time.Since(start).Seconds())
	return nil
}

func firstHit(hits []map[string]any) string {
	if len(hits) == 0 {
		return "none"
	}
	return fmt.Sprintf("id %v at %v", hits[0]["id"], hits[0]["distance"])
}
