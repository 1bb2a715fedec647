package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/raftvec/raftvec/coordinator"
)

// ImportBackend is what the jobs/import routes need from a backend
// (package proxy implements it); a backend without it answers that bulk
// import is unavailable.
type ImportBackend interface {
	CreateImport(ctx context.Context, collection, partition string, files [][]string, options map[string]string) (int64, error)
	ImportJobs(ctx context.Context, collection string) ([]coordinator.ImportJob, error)
	ImportJob(ctx context.Context, id int64) (coordinator.ImportJob, error)
}

type importCreateReq struct {
	collReq
	PartitionName string            `json:"partitionName"`
	Files         [][]string        `json:"files"`
	Options       map[string]string `json:"options"`
}

type importJobReq struct {
	dbReq
	JobID json.RawMessage `json:"jobId"`
}

type importListReq struct {
	collReq
}

func (s *Server) importBackend() (ImportBackend, error) {
	ib, ok := s.b.(ImportBackend)
	if !ok {
		return nil, invalidf("bulk import is not available on this backend")
	}
	return ib, nil
}

// createImport is jobs/import/create: {collectionName, partitionName?,
// files: [["key"], ...], options?} → {jobId}.
func (s *Server) createImport(ctx context.Context, c *call) (any, error) {
	var r importCreateReq
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	if len(r.Files) == 0 {
		return nil, missingf("missing required parameter \"files\": give a list of files, each a list of one object key")
	}
	ib, err := s.importBackend()
	if err != nil {
		return nil, err
	}
	id, err := ib.CreateImport(ctx, r.CollectionName, r.PartitionName, r.Files, r.Options)
	if err != nil {
		return nil, named(err, "collection", r.CollectionName)
	}
	return map[string]any{"jobId": strconv.FormatInt(id, 10)}, nil
}

// importProgress is jobs/import/get_progress: {jobId} → the job.
func (s *Server) importProgress(ctx context.Context, c *call) (any, error) {
	var r importJobReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	id, err := parseJobID(r.JobID)
	if err != nil {
		return nil, err
	}
	ib, err := s.importBackend()
	if err != nil {
		return nil, err
	}
	j, err := ib.ImportJob(ctx, id)
	if err != nil {
		return nil, err
	}
	return importJobView(&j, true), nil
}

// listImports is jobs/import/list: {collectionName?} → {records}.
func (s *Server) listImports(ctx context.Context, c *call) (any, error) {
	var r importListReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	ib, err := s.importBackend()
	if err != nil {
		return nil, err
	}
	jobs, err := ib.ImportJobs(ctx, r.CollectionName)
	if err != nil {
		return nil, err
	}
	records := make([]any, len(jobs))
	for i := range jobs {
		records[i] = importJobView(&jobs[i], false)
	}
	return map[string]any{"records": records}, nil
}

// parseJobID accepts a job ID as a string (Milvus's form) or a number.
func parseJobID(raw json.RawMessage) (int64, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0, missingf("missing required parameter \"jobId\"")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, invalidf("invalid \"jobId\" %s: want an import job ID", raw)
	}
	return id, nil
}

// importJobView is the Milvus shape of a job (with its files' details when
// details is set).
func importJobView(j *coordinator.ImportJob, details bool) map[string]any {
	var total, imported int64
	files := make([]any, len(j.Files))
	for i, f := range j.Files {
		total += f.Rows
		done := f.Rows
		if f.State != coordinator.ImportCompleted {
			done = 0
		}
		imported += done
		p := 0
		if f.State == coordinator.ImportCompleted {
			p = 100
		}
		files[i] = map[string]any{"fileName": strings.Join(f.Paths, ","), "state": f.State, "reason": f.Reason,
			"progress": p, "totalRows": f.Rows, "importedRows": done}
	}
	v := map[string]any{"jobId": strconv.FormatInt(j.ID, 10), "collectionName": j.Collection, "state": j.State,
		"progress": j.Progress(), "reason": j.Reason}
	if details {
		v["totalRows"], v["importedRows"], v["details"] = total, imported, files
	}
	return v
}
