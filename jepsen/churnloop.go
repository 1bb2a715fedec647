package jepsen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The churn workload's shape. Each worker keeps up to churnKeepers
// collections it never drops (they are read back and checked at the end)
// and up to churnChurners it drops soon after creating them, so that, on
// every node, creates and drops (each of which makes every node reconcile
// its shard replicas) race with inserts into the live collections and
// with each other. Collections have one shard, so a run keeps at most
// clients × (churnKeepers + churnChurners) churn collections alive.
const (
	churnKeepers  = 4
	churnChurners = 2
	churnPrefix   = "jepsen_churn_"
)

// churnSlot is a collection a churn worker created and did not drop.
type churnSlot struct {
	name   string
	keeper bool
}

// churnLoop creates fresh collections, inserts never-reused ids into its
// live ones and drops some, each op through a random node. ddl is the
// client for creates and drops (a longer timeout: a create opens a Raft
// group on every replica). A collection whose create failed is forgotten
// (the final read still checks that it does not exist); one whose drop is
// not known to have failed is forgotten too (the checker skips it).
func (w *worker) churnLoop(loop context.Context, ddl *Client) {
	ctx := context.WithoutCancel(loop)
	var live []churnSlot
	created, keepers := 0, 0
	for w.sleep(loop) {
		w.node = w.cl.Nodes[w.rng.IntN(len(w.cl.Nodes))]
		var churners []int
		for i, c := range live {
			if !c.keeper {
				churners = append(churners, i)
			}
		}
		full := len(churners) >= churnChurners
		switch p := w.rng.Float64(); {
		case len(churners) > 0 && (p < 0.2 || full && p < 0.4):
			i := churners[w.rng.IntN(len(churners))]
			o := w.op(WorkloadChurn, "drop", func(o *Op) {
				o.Key = live[i].name
				apply(o, w.dropCollection(ctx, ddl, o.Key))
			})
			if o.Type != TypeFail {
				live = slices.Delete(live, i, i+1)
			}
		case (p < 0.5 || len(live) == 0) && (keepers < churnKeepers || !full):
			created++
			keeper := keepers < churnKeepers && (full || w.rng.IntN(2) == 0)
			o := w.op(WorkloadChurn, "create", func(o *Op) {
				o.Key = fmt.Sprintf("%s%d_%d", churnPrefix, w.id, created)
				apply(o, w.createCollection(ctx, ddl, o.Key))
			})
			if o.Type != TypeFail {
				live = append(live, churnSlot{name: o.Key, keeper: keeper})
				if keeper {
					keepers++
				}
			}
		case len(live) > 0:
			coll := live[w.rng.IntN(len(live))].name
			id := int64(w.id)<<32 | w.seq + 1
			w.op(WorkloadChurn, "insert", func(o *Op) {
				o.Key, o.IDs = coll, []int64{id}
				apply(o, w.insert(ctx, coll, o.IDs))
			})
		}
	}
}

// finalChurn reads back, at Strong, every churn collection with no drop
// that might have happened: one read op per collection, "absent" when a
// Strong describe says it does not exist, else the attempted ids a query
// found.
func (r *run) finalChurn(ctx context.Context) error {
	type coll struct {
		ids     []int64
		dropped bool
	}
	colls := map[string]*coll{}
	var names []string
	for _, o := range r.rec.Ops() {
		if o.Workload != WorkloadChurn || o.Key == "" {
			continue
		}
		c := colls[o.Key]
		if c == nil {
			c = &coll{}
			colls[o.Key] = c
			names = append(names, o.Key)
		}
		switch o.F {
		case "insert":
			c.ids = append(c.ids, o.IDs...)
		case "drop":
			c.dropped = c.dropped || o.Type != TypeFail
		}
	}
	w := r.finalWorker()
	var errs []error
	for _, name := range names {
		if c := colls[name]; !c.dropped {
			errs = append(errs, r.readChurn(ctx, w, name, c.ids))
		}
	}
	return errors.Join(errs...)
}

// readChurn records the final read of one churn collection.
func (r *run) readChurn(ctx context.Context, w *worker, name string, ids []int64) error {
	read := Op{Client: 0, Workload: WorkloadChurn, F: "read", Key: name, IDs: ids, Read: ChurnReadQuery,
		Type: TypeOK, Found: []int64{}}
	read.InvokeNs = r.rec.Since(time.Now())
	absent := false
	err := r.retry(ctx, 60*time.Second, func(n *Node) Reply {
		w.node = n
		rep := w.c.Call(ctx, n.HTTP, "collections/describe", map[string]any{"collectionName": name}, nil, false)
		absent = rep.Code == codeCollectionNotFound
		if absent {
			return Reply{Type: TypeOK}
		}
		return rep
	})
	if err != nil {
		return fmt.Errorf("describe %s: %w", name, err)
	}
	if absent {
		read.Read = ChurnReadAbsent
	}
	for lo := 0; lo < len(ids) && !absent; lo += 500 {
		batch := ids[lo:min(lo+500, len(ids))]
		var got []int64
		err := r.retry(ctx, 60*time.Second, func(n *Node) Reply {
			w.node = n
			rep := w.query(ctx, name, batch)
			if rep.Type == TypeOK {
				var err error
				if got, _, err = rowIDs(rep.Data); err != nil {
					return Reply{Type: TypeFail, Err: err.Error()}
				}
			}
			return rep
		})
		if err != nil {
			return fmt.Errorf("query of %d ids of %s: %w", len(batch), name, err)
		}
		read.Found = append(read.Found, got...)
	}
	read.Node = w.node.ID
	read.CompleteNs = r.rec.Since(time.Now())
	_ = r.rec.Record(read)
	return nil
}
