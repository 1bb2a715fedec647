package jepsen

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/minio"
)

// importRows is the number of ids one import op brings in (one file).
const importRows = 20

// importWait bounds how long an import op waits for its job to end; a job
// still running then is an op of unknown outcome.
const importWait = 60 * time.Second

// importer writes the import workload's files into the run's MinIO, under
// the nodes' storage root, where jobs/import/create finds them.
type importer struct {
	store storage.ObjectStore
}

func newImporter(ctx context.Context, m *MinIO) (*importer, error) {
	s, err := minio.New(ctx, minio.Config{Endpoint: m.Addr, AccessKey: minioUser, SecretKey: minioPassword,
		Bucket: minioBucket, Root: minioRoot, MaxRetries: 1})
	if err != nil {
		return nil, fmt.Errorf("jepsen: import files' store: %w", err)
	}
	return &importer{store: s}, nil
}

// importLoop imports files of ids never used before: it writes the file,
// creates a job on its node and polls the job's progress on any node. The
// op is ok when the job completed, fail when it failed (an import is all
// or nothing per file) or when it was never created, info otherwise.
func (w *worker) importLoop(loop context.Context, im *importer) {
	coll := collections[WorkloadImport]
	ctx := context.WithoutCancel(loop)
	for w.sleep(loop) {
		w.seq++
		first := int64(w.id)<<32 | w.seq<<8
		ids := make([]int64, importRows)
		for i := range ids {
			ids[i] = first + int64(i)
		}
		key := fmt.Sprintf("imports/w%d-%d.json", w.id, w.seq)
		w.op(WorkloadImport, "insert", func(o *Op) {
			o.IDs = ids
			if err := im.store.Put(ctx, key, importFile(ids)); err != nil {
				o.Type, o.Err = TypeFail, "writing the file: "+err.Error()
				return
			}
			apply(o, w.runImport(ctx, coll, key))
		})
	}
}

func importFile(ids []int64) []byte {
	rows := make([]map[string]any, len(ids))
	for i, id := range ids {
		rows[i] = map[string]any{"id": id, "vector": vectorOf(id)}
	}
	b, _ := json.Marshal(map[string]any{"rows": rows})
	return b
}

// runImport creates the job and waits for it to end.
func (w *worker) runImport(ctx context.Context, coll, key string) Reply {
	rep := w.c.Call(ctx, w.node.HTTP, "jobs/import/create",
		map[string]any{"collectionName": coll, "files": [][]string{{key}}}, nil, true)
	if rep.Type != TypeOK {
		return rep // fail: no job; info: maybe a job, never looked at
	}
	var job struct {
		JobID string `json:"jobId"`
	}
	if err := json.Unmarshal(rep.Data, &job); err != nil || job.JobID == "" {
		return Reply{Type: TypeInfo, Err: "create answered no job id: " + string(rep.Data)}
	}
	deadline := time.Now().Add(importWait)
	last := "never read"
	for i := 0; time.Now().Before(deadline); i++ {
		n := w.cl.Nodes[(w.id+i)%len(w.cl.Nodes)]
		p := w.c.Call(ctx, n.HTTP, "jobs/import/get_progress", map[string]any{"jobId": job.JobID}, nil, false)
		var pr struct {
			State  string `json:"state"`
			Reason string `json:"reason"`
		}
		if p.Type == TypeOK && json.Unmarshal(p.Data, &pr) == nil {
			switch pr.State {
			case "Completed":
				return Reply{Type: TypeOK}
			case "Failed":
				return Reply{Type: TypeFail, Err: "job " + job.JobID + " failed: " + pr.Reason}
			}
			last = pr.State
		} else {
			last = p.Err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return Reply{Type: TypeInfo, Err: "job " + job.JobID + " did not end in " + importWait.String() + " (last: " + last + ")"}
}

// ttlSeconds is the TTL of the ttl workload's collection: longer than the
// run and its final checks, so that no acknowledged row may expire.
func ttlSeconds(run time.Duration) string {
	return strconv.Itoa(int((run + time.Hour).Seconds()))
}
