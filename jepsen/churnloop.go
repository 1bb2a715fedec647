package jepsen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// The churn workload's shape. Each worker creates collections in bursts
// of 1–3 concurrent creates on one node (concurrent creates are what made
// a node's reconcile delete a shard it was opening), inserts into its live
// collections, reads them now and then, and reads then drops "churners"
// (so every churner that lived through a kill -9 and restart is checked
// too). About one new collection in churnKeeperOdds is a "keeper", never
// dropped and read back at the end, until the worker has churnKeepers;
// it keeps at most churnChurners churners (a drop whose outcome is
// unknown or that fails after a good read may leave one more). Collections
// have one shard, so a run keeps about clients × (churnKeepers +
// churnChurners) churn collections alive: a node's reconcile, and with it
// every request, slows down as collections accumulate (issue 10, defect 3).
const (
	churnKeepers    = 6
	churnKeeperOdds = 8
	churnChurners   = 4
	churnMaxBurst   = 3
	churnPrefix     = "jepsen_churn_"
)

// churnSlot is a collection a churn worker created and did not drop.
type churnSlot struct {
	name   string
	keeper bool
	ids    []int64 // attempted
}

// churnLoop runs one churn worker, each op (or burst) through a random
// node. ddl is the client for creates and drops (a longer timeout: a
// create opens a Raft group on every replica). A collection whose create
// failed is forgotten (the final read still checks that it does not
// exist); so is one whose drop is not known to have failed (the checker
// skips it), and one the server says does not exist (after an info create
// that did not happen; the reads decide whether that is allowed).
func (w *worker) churnLoop(loop context.Context, ddl *Client) {
	ctx := context.WithoutCancel(loop)
	var live []churnSlot
	created, keepers := 0, 0
	adopt := func(burst []churnSlot) {
		for _, s := range burst {
			if keepers < churnKeepers && w.rng.IntN(churnKeeperOdds) == 0 {
				s.keeper = true
				keepers++
			}
			live = append(live, s)
		}
	}
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
		case len(churners) > 0 && (p < 0.15 || full && p < 0.5):
			// Read the churner, then drop it while a burst of creates runs
			// on the same node: a drop makes every node close a replica
			// and reconcile, the window in which a create's new shard
			// directory was deleted.
			i := churners[w.rng.IntN(len(churners))]
			if w.churnRead(ctx, live[i]).Type != TypeOK || loop.Err() != nil {
				continue
			}
			name, hdr := live[i].name, w.idemKey()
			dropped := make(chan bool, 1)
			go func() { dropped <- w.churnDrop(ctx, ddl, w.node, name, hdr) }()
			// At most as many churners as before the drop.
			burst := w.churnCreate(ctx, ddl, &created, max(0, min(1+w.rng.IntN(churnMaxBurst), churnChurners+1-len(churners))))
			if <-dropped {
				live = slices.DeleteFunc(live, func(s churnSlot) bool { return s.name == name })
			}
			adopt(burst)
		case (p < 0.45 || len(live) == 0) && !full:
			adopt(w.churnCreate(ctx, ddl, &created, min(1+w.rng.IntN(churnMaxBurst), churnChurners-len(churners))))
		case len(live) > 0 && p < 0.5:
			if o := w.churnRead(ctx, live[w.rng.IntN(len(live))]); o.Read == ChurnReadAbsent {
				live = slices.DeleteFunc(live, func(s churnSlot) bool { return s.name == o.Key })
			}
		case len(live) > 0:
			i := w.rng.IntN(len(live))
			id := int64(w.id)<<32 | w.seq + 1
			live[i].ids = append(live[i].ids, id)
			var code int
			w.op(WorkloadChurn, "insert", func(o *Op) {
				o.Key, o.IDs = live[i].name, []int64{id}
				rep := w.insert(ctx, o.Key, o.IDs)
				apply(o, rep)
				code = rep.Code
			})
			if code == codeCollectionNotFound {
				live = slices.Delete(live, i, i+1)
			}
		}
	}
}

// churnCreate creates n fresh collections concurrently through w.node,
// records one create op each, and returns those whose create did not
// fail.
func (w *worker) churnCreate(ctx context.Context, ddl *Client, created *int, n int) []churnSlot {
	ops := make([]Op, n)
	var wg sync.WaitGroup
	for j := range ops {
		*created++
		name, hdr, node := fmt.Sprintf("%s%d_%d", churnPrefix, w.id, *created), w.idemKey(), w.node
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := Op{Client: w.id, Node: node.ID, Workload: WorkloadChurn, F: "create", Key: name}
			o.InvokeNs = w.rec.Since(time.Now())
			apply(&o, createCollection(ctx, ddl, node, name, hdr))
			o.CompleteNs = w.rec.Since(time.Now())
			_ = w.rec.Record(o)
			ops[j] = o
		}()
	}
	wg.Wait()
	var out []churnSlot
	for _, o := range ops {
		if o.Type != TypeFail {
			out = append(out, churnSlot{name: o.Key})
		}
	}
	return out
}

// churnDrop drops coll and reports whether to forget it: the drop did not
// fail, or the collection does not exist.
// It may run concurrently with the worker's other calls.
func (w *worker) churnDrop(ctx context.Context, ddl *Client, node *Node, coll string, hdr map[string]string) bool {
	o := Op{Client: w.id, Node: node.ID, Workload: WorkloadChurn, F: "drop", Key: coll}
	o.InvokeNs = w.rec.Since(time.Now())
	rep := ddl.Call(ctx, node.HTTP, "collections/drop", map[string]any{"collectionName": coll}, hdr, true)
	apply(&o, rep)
	o.CompleteNs = w.rec.Since(time.Now())
	_ = w.rec.Record(o)
	return o.Type != TypeFail || rep.Code == codeCollectionNotFound
}

// churnRead records one read of a collection's attempted ids.
func (w *worker) churnRead(ctx context.Context, s churnSlot) Op {
	return w.op(WorkloadChurn, "read", func(o *Op) {
		o.Key, o.IDs = s.name, slices.Clone(s.ids)
		w.readColl(ctx, o)
	})
}

// readColl fills o (Key, IDs) with one Strong read: "absent" when a
// Strong describe says the collection does not exist, else the ids of
// o.IDs a Strong query finds. Any other failure makes the read fail.
func (w *worker) readColl(ctx context.Context, o *Op) {
	o.Read, o.Found = ChurnReadQuery, nil
	rep := w.c.Call(ctx, w.node.HTTP, "collections/describe", map[string]any{"collectionName": o.Key}, nil, false)
	if rep.Code == codeCollectionNotFound {
		o.Type, o.Err, o.Read = TypeOK, "", ChurnReadAbsent
		return
	}
	if rep.Type != TypeOK {
		apply(o, rep)
		return
	}
	found := []int64{}
	for lo := 0; lo < len(o.IDs); lo += 500 {
		rep := w.query(ctx, o.Key, o.IDs[lo:min(lo+500, len(o.IDs))])
		if rep.Type != TypeOK {
			apply(o, rep)
			return
		}
		got, _, err := rowIDs(rep.Data)
		if err != nil {
			o.Type, o.Err = TypeFail, err.Error()
			return
		}
		found = append(found, got...)
	}
	o.Type, o.Err, o.Found = TypeOK, "", found
}

// finalChurn reads back every churn collection with no drop that might
// have happened (one ok read op per collection, retried through the nodes
// for up to a minute).
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
		c := colls[name]
		if c.dropped {
			continue
		}
		var read Op
		err := r.retry(ctx, 60*time.Second, func(n *Node) Reply {
			w.node = n
			read = Op{Client: 0, Node: n.ID, Workload: WorkloadChurn, F: "read", Key: name, IDs: c.ids}
			read.InvokeNs = r.rec.Since(time.Now())
			w.readColl(ctx, &read)
			read.CompleteNs = r.rec.Since(time.Now())
			return Reply{Type: read.Type, Err: read.Err}
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", name, err))
			continue
		}
		_ = r.rec.Record(read)
	}
	return errors.Join(errs...)
}
