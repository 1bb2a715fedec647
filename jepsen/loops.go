package jepsen

import (
	"context"
	"strconv"
)

// registerLoop: upsert / get / delete on a few shared keys at Strong.
func (w *worker) registerLoop(loop context.Context, keys int) {
	coll := collections[WorkloadRegister]
	ctx := context.WithoutCancel(loop) // an op in flight at the end completes
	for w.sleep(loop) {
		k := int64(1 + w.rng.IntN(keys))
		key := itoa(k)
		switch p := w.rng.Float64(); {
		case p < 0.45:
			w.op(WorkloadRegister, "read", func(o *Op) {
				o.Key = key
				rows := found(o, w.get(ctx, coll, []int64{k}, "Strong", ""))
				if o.Type == TypeOK && len(rows) > 0 {
					o.Value = rows[0].Val
				}
				o.Found = nil
			})
		case p < 0.9:
			v := w.values.Add(1)
			w.op(WorkloadRegister, "write", func(o *Op) {
				o.Key, o.Value = key, &v
				apply(o, w.upsert(ctx, coll, k, v))
			})
		default:
			w.op(WorkloadRegister, "delete", func(o *Op) {
				o.Key = key
				apply(o, w.deleteIDs(ctx, coll, []int64{k}))
			})
		}
	}
}

// setLoop inserts ids never used before into the workload's collection
// (set or ttl).
func (w *worker) setLoop(loop context.Context, workload string) {
	coll := collections[workload]
	ctx := context.WithoutCancel(loop)
	for w.sleep(loop) {
		id := int64(w.id)<<32 | w.seq + 1
		w.op(workload, "insert", func(o *Op) {
			o.IDs = []int64{id}
			apply(o, w.insert(ctx, coll, o.IDs))
		})
	}
}

// deleteLoop inserts a fresh id, reads it, deletes it and reads it again
// through get, query and search.
func (w *worker) deleteLoop(loop context.Context) {
	coll := collections[WorkloadDelete]
	ctx := context.WithoutCancel(loop)
	for w.sleep(loop) {
		id := int64(w.id)<<32 | w.seq + 1
		ins := w.op(WorkloadDelete, "insert", func(o *Op) {
			o.IDs = []int64{id}
			apply(o, w.insert(ctx, coll, o.IDs))
		})
		if ins.Type != TypeOK || loop.Err() != nil {
			continue
		}
		w.deleteRead(ctx, coll, id, "get")
		del := w.op(WorkloadDelete, "delete", func(o *Op) {
			o.IDs = []int64{id}
			apply(o, w.deleteIDs(ctx, coll, o.IDs))
		})
		if del.Type == TypeFail || loop.Err() != nil {
			continue
		}
		for _, kind := range []string{"get", "query", "search"} {
			w.deleteRead(ctx, coll, id, kind)
		}
	}
}

func (w *worker) deleteRead(ctx context.Context, coll string, id int64, kind string) {
	w.op(WorkloadDelete, "read", func(o *Op) {
		o.IDs, o.Read = []int64{id}, kind
		switch kind {
		case "get":
			found(o, w.get(ctx, coll, o.IDs, "Strong", ""))
		case "query":
			found(o, w.query(ctx, coll, o.IDs))
		default:
			found(o, w.search(ctx, coll, o.IDs))
		}
	})
}

// sessionLoop writes increasing values to the worker's own keys through
// random nodes and reads them back at Session level with the key's last
// write token. After a write of unknown outcome a key is not read until
// the next acknowledged write (the session guarantee covers acknowledged
// writes only).
func (w *worker) sessionLoop(loop context.Context, keys int) {
	ctx := context.WithoutCancel(loop)
	coll := collections[WorkloadSession]
	type keyState struct {
		next  int64
		token string
		dirty bool
	}
	st := make([]keyState, keys)
	for w.sleep(loop) {
		i := w.rng.IntN(keys)
		k := int64(w.id)<<32 | int64(i)
		w.node = w.cl.Nodes[w.rng.IntN(len(w.cl.Nodes))]
		if w.rng.IntN(2) == 0 || st[i].dirty || st[i].token == "" {
			st[i].next++
			v := st[i].next
			o := w.op(WorkloadSession, "write", func(o *Op) {
				o.Key, o.Value = itoa(k), &v
				r := w.upsert(ctx, coll, k, v)
				apply(o, r)
				o.Token = r.Token
			})
			switch o.Type {
			case TypeOK:
				st[i].token, st[i].dirty = o.Token, false
			case TypeInfo:
				st[i].dirty = true
			}
			continue
		}
		w.op(WorkloadSession, "read", func(o *Op) {
			o.Key, o.Token = itoa(k), st[i].token
			rows := found(o, w.get(ctx, coll, []int64{k}, "Session", st[i].token))
			if o.Type == TypeOK && len(rows) > 0 {
				o.Value = rows[0].Val
			}
			o.Found = nil
		})
	}
}

func itoa(k int64) string { return strconv.FormatInt(k, 10) }
