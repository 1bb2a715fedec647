package proxy

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/raftvec/raftvec/coordinator"
)

// ReservedPrefixes are the object-key prefixes raftvec writes its own
// data under; import files must live elsewhere in the bucket.
var ReservedPrefixes = []string{"insert_log/", "delta_log/", "stats_log/", "index_files/"}

// CreateImport starts a bulk import of files (object keys in the node's
// object store, one path per file) into a collection's partition
// ("": the default one) and returns the job ID. The files are checked
// here for shape only; an index node reads and validates them.
func (p *Proxy) CreateImport(ctx context.Context, collection, partition string, files [][]string, options map[string]string) (int64, error) {
	c, err := p.DescribeCollection(ctx, collection)
	if err != nil {
		return 0, err
	}
	if c.Schema.PartitionKeyIndex() >= 0 {
		return 0, fmt.Errorf("%w: import into a collection with a partition key is not supported", ErrInvalid)
	}
	if c.Schema.Fields[c.Schema.PrimaryIndex()].AutoID {
		return 0, fmt.Errorf("%w: import into a collection with an auto-ID primary key is not supported: give the keys", ErrInvalid)
	}
	part, err := p.partitionID(c, partition)
	if err != nil {
		return 0, err
	}
	job := coordinator.ImportJob{Collection: c.Name, CollectionID: c.ID, Partition: partition, PartitionID: part,
		Options: options, Created: time.Now().UnixMilli()}
	if len(files) == 0 {
		return 0, fmt.Errorf("%w: \"files\" is empty: give at least one file", ErrInvalid)
	}
	for i, f := range files {
		if err := checkImportFile(f); err != nil {
			return 0, fmt.Errorf("%w: files[%d]: %v", ErrInvalid, i, err)
		}
		job.Files = append(job.Files, coordinator.ImportFile{Paths: f})
	}
	return p.coord.CreateImport(ctx, job)
}

// checkImportFile checks one file entry: a single .json or .parquet key
// outside the reserved prefixes.
func checkImportFile(paths []string) error {
	if len(paths) != 1 {
		return fmt.Errorf("want one path per file, got %d", len(paths))
	}
	key := strings.TrimLeft(paths[0], "/")
	for _, r := range ReservedPrefixes {
		if strings.HasPrefix(key, r) || strings.Contains(key, "/"+r) {
			return fmt.Errorf("%q is under the reserved prefix %q", key, r)
		}
	}
	if ext := strings.ToLower(path.Ext(key)); ext != ".json" && ext != ".parquet" {
		return fmt.Errorf("%q: unsupported file type %q (use .json or .parquet)", key, ext)
	}
	return nil
}

// ImportJobs lists import jobs, of one collection when collection != "".
// Only jobs of the context's database are listed (a job names its
// collection by ID: a same-named collection elsewhere is another one).
func (p *Proxy) ImportJobs(ctx context.Context, collection string) ([]coordinator.ImportJob, error) {
	db := Database(ctx)
	inDB := map[int64]string{}
	for _, c := range p.coord.Collections() {
		if coordinator.NormalizeDatabase(c.DB) == db {
			inDB[c.ID] = c.Name
		}
	}
	var out []coordinator.ImportJob
	for _, j := range p.coord.ImportJobs() {
		name, ok := inDB[j.CollectionID]
		if ok && (collection == "" || name == collection) {
			out = append(out, j)
		}
	}
	return out, nil
}

// ImportJob returns one import job.
func (p *Proxy) ImportJob(ctx context.Context, id int64) (coordinator.ImportJob, error) {
	j, ok := p.coord.ImportJob(id)
	if !ok {
		return j, fmt.Errorf("%w: no import job %d", ErrInvalid, id)
	}
	return j, nil
}
