package jepsen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Collections of the workloads: each workload has its own (disjoint keys).
var collections = map[string]string{
	WorkloadRegister: "jepsen_register",
	WorkloadSet:      "jepsen_set",
	WorkloadDelete:   "jepsen_delete",
	WorkloadSession:  "jepsen_session",
	// The churn workers create and drop their own collections
	// (churnPrefix); this one only gives churn a collection like the
	// others (the final write goes to the first workload's).
	WorkloadChurn:  "jepsen_churn",
	WorkloadImport: "jepsen_import",
	WorkloadTTL:    "jepsen_ttl",
}

// worker is one client: it talks to one node (or, for session, to any)
// and records every op.
type worker struct {
	id     int
	node   *Node
	cl     *Cluster
	c      *Client
	rec    *Recorder
	rng    *rand.Rand
	seq    int64
	values *atomic.Int64 // unique register values across workers
	pause  time.Duration // between ops (rate limit)
}

// op runs fn as one op: it stamps invoke and complete times, records the
// op and returns it.
func (w *worker) op(workload, f string, fill func(*Op)) Op {
	o := Op{Client: w.id, Node: w.node.ID, Workload: workload, F: f}
	o.InvokeNs = w.rec.Since(time.Now())
	fill(&o)
	o.CompleteNs = w.rec.Since(time.Now())
	_ = w.rec.Record(o)
	return o
}

func (w *worker) idemKey() map[string]string {
	w.seq++
	return map[string]string{"Idempotency-Key": fmt.Sprintf("jepsen-%d-%d-%d", w.id, w.seq, w.rng.Uint64())}
}

func (w *worker) sleep(ctx context.Context) bool {
	d := w.pause/2 + time.Duration(w.rng.Int64N(int64(w.pause)+1))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func apply(o *Op, r Reply) {
	o.Type, o.Err = r.Type, r.Err
}

// upsert writes id's row with value v.
func (w *worker) upsert(ctx context.Context, coll string, id, v int64) Reply {
	row := map[string]any{"id": id, "vector": vectorOf(id), "val": v}
	return w.c.Call(ctx, w.node.HTTP, "entities/upsert", map[string]any{"collectionName": coll, "data": []any{row}}, w.idemKey(), true)
}

func (w *worker) insert(ctx context.Context, coll string, ids []int64) Reply {
	rows := make([]any, len(ids))
	for i, id := range ids {
		rows[i] = map[string]any{"id": id, "vector": vectorOf(id), "val": id}
	}
	return w.c.Call(ctx, w.node.HTTP, "entities/insert", map[string]any{"collectionName": coll, "data": rows}, w.idemKey(), true)
}

// createCollection creates a one-shard collection of dimension 4 whose
// reads default to Strong, through node.
func createCollection(ctx context.Context, c *Client, node *Node, coll string, hdr map[string]string) Reply {
	return c.Call(ctx, node.HTTP, "collections/create", map[string]any{"collectionName": coll, "dimension": 4,
		"metricType": "L2", "params": map[string]any{"shardsNum": 1, "consistencyLevel": "Strong"}}, hdr, true)
}

func (w *worker) deleteIDs(ctx context.Context, coll string, ids []int64) Reply {
	return w.c.Call(ctx, w.node.HTTP, "entities/delete", map[string]any{"collectionName": coll, "filter": "id in " + idList(ids)}, w.idemKey(), true)
}

// get reads rows by id at the given level; token is sent for Session.
func (w *worker) get(ctx context.Context, coll string, ids []int64, level, token string) Reply {
	var hdr map[string]string
	if token != "" {
		hdr = map[string]string{"Raftvec-Session-Token": token}
	}
	return w.c.Call(ctx, w.node.HTTP, "entities/get", map[string]any{"collectionName": coll, "id": ids,
		"outputFields": []string{"id", "val"}, "consistencyLevel": level}, hdr, false)
}

func (w *worker) query(ctx context.Context, coll string, ids []int64) Reply {
	return w.c.Call(ctx, w.node.HTTP, "entities/query", map[string]any{"collectionName": coll, "filter": "id in " + idList(ids),
		"outputFields": []string{"id"}, "limit": 16384, "consistencyLevel": "Strong"}, nil, false)
}

// search runs an exact search for each id's vector among ids.
func (w *worker) search(ctx context.Context, coll string, ids []int64) Reply {
	vecs := make([][]float32, len(ids))
	for i, id := range ids {
		vecs[i] = vectorOf(id)
	}
	return w.c.Call(ctx, w.node.HTTP, "entities/search", map[string]any{"collectionName": coll, "data": vecs,
		"filter": "id in " + idList(ids), "limit": 1, "outputFields": []string{"id"}, "consistencyLevel": "Strong"}, nil, false)
}

func idList(ids []int64) string {
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", id)
	}
	return string(append(b, ']'))
}

// found decodes the ids a successful read returned (into o.Found), or
// turns o into a failed read.
func found(o *Op, r Reply) []row {
	apply(o, r)
	if r.Type != TypeOK {
		return nil
	}
	got, rows, err := rowIDs(r.Data)
	if err != nil {
		o.Type, o.Err = TypeFail, err.Error()
		return nil
	}
	o.Found = got
	if o.Found == nil {
		o.Found = []int64{}
	}
	return rows
}
