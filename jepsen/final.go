package jepsen

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// finish heals everything, waits for the cluster, runs the final reads of
// the set and churn workloads, compares replica state hashes and makes a final write.
func (r *run) finish(ctx context.Context) RunMeta {
	meta := RunMeta{Workloads: r.o.Workloads, Fault: r.o.Fault, Seed: r.o.Seed, Nodes: r.o.Nodes, QueryNodes: r.o.QueryNodes, Duration: r.o.Duration}
	if err := r.healAll(ctx); err != nil {
		meta.Notes = append(meta.Notes, "final heal: "+err.Error())
	}
	r.logf("healed; final checks")
	for _, wl := range setWorkloads {
		if !slices.Contains(r.o.Workloads, wl) {
			continue
		}
		if err := r.finalSet(ctx, wl); err != nil {
			meta.Notes = append(meta.Notes, "final "+wl+" read: "+err.Error())
		}
	}
	if slices.Contains(r.o.Workloads, WorkloadChurn) {
		if err := r.finalChurn(ctx); err != nil {
			meta.Notes = append(meta.Notes, "final churn read: "+err.Error())
		}
	}
	meta.StateHashes, meta.HashesEqual = r.stateHashes(ctx, &meta.Notes)
	w := r.finalWorker()
	err := r.retry(ctx, 60*time.Second, func(n *Node) Reply {
		w.node = n
		return w.upsert(ctx, collections[r.o.Workloads[0]], 1<<40, 1)
	})
	meta.FinalWriteOK = err == nil
	if err != nil {
		meta.Notes = append(meta.Notes, "final write: "+err.Error())
	}
	return meta
}

// healAll resumes paused nodes, restarts dead ones and MinIO, and clears
// every fault table.
func (r *run) healAll(ctx context.Context) error {
	if err := r.cl.MinIO.ensure(ctx); err != nil {
		return err
	}
	var dead []*Node
	for _, n := range r.cl.Nodes {
		if n.paused {
			_ = r.cl.Pause(n, false)
		}
		if !n.Alive() {
			dead = append(dead, n)
		}
	}
	if err := r.cl.Restart(ctx, dead...); err != nil {
		return err
	}
	nm := &Nemesis{cl: r.cl, client: r.c.http}
	if err := nm.healPartition(ctx); err != nil {
		return err
	}
	for _, n := range r.cl.Nodes {
		if err := r.cl.WaitReady(ctx, n, 90*time.Second); err != nil {
			return err
		}
	}
	if r.o.QueryNodes > 0 { // a release fault may not have been healed
		for _, coll := range r.releasable() {
			if err := nm.loadCollection(ctx, coll, true); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *run) finalWorker() *worker {
	return &worker{id: 0, node: r.cl.Nodes[0], cl: r.cl, c: NewClient(10 * time.Second), rec: r.rec, rng: r.rng}
}

// finalSet queries every attempted id of a set workload at Strong (one
// final-read op) and searches every acknowledged id's vector.
func (r *run) finalSet(ctx context.Context, wl string) error {
	var attempted, acked []int64
	for _, o := range r.rec.Ops() {
		if o.Workload == wl && o.F == "insert" {
			attempted = append(attempted, o.IDs...)
			if o.Type == TypeOK {
				acked = append(acked, o.IDs...)
			}
		}
	}
	w := r.finalWorker()
	coll := collections[wl]
	final := Op{Client: 0, Workload: wl, F: "final-read", Type: TypeOK, Found: []int64{}}
	final.InvokeNs = r.rec.Since(time.Now())
	for lo := 0; lo < len(attempted); lo += 500 {
		batch := attempted[lo:min(lo+500, len(attempted))]
		var got []int64
		err := r.retry(ctx, 60*time.Second, func(n *Node) Reply {
			w.node = n
			rep := w.query(ctx, coll, batch)
			if rep.Type == TypeOK {
				var err error
				if got, _, err = rowIDs(rep.Data); err != nil {
					return Reply{Type: TypeFail, Err: err.Error()}
				}
			}
			return rep
		})
		if err != nil {
			return fmt.Errorf("query of %d ids: %w", len(batch), err)
		}
		final.Found = append(final.Found, got...)
	}
	final.CompleteNs = r.rec.Since(time.Now())
	_ = r.rec.Record(final)
	for lo := 0; lo < len(acked); lo += 50 {
		if err := r.searchBatch(ctx, w, wl, acked[lo:min(lo+50, len(acked))]); err != nil {
			return err
		}
	}
	return nil
}

// searchBatch searches each id's vector among the batch (exact search,
// limit 1) and records one search op per id.
func (r *run) searchBatch(ctx context.Context, w *worker, wl string, batch []int64) error {
	invoke := r.rec.Since(time.Now())
	var rep Reply
	err := r.retry(ctx, 60*time.Second, func(n *Node) Reply {
		w.node = n
		rep = w.search(ctx, collections[wl], batch)
		return rep
	})
	if err != nil {
		return fmt.Errorf("search of %d ids: %w", len(batch), err)
	}
	got, _, err := rowIDs(rep.Data)
	if err != nil {
		return err
	}
	complete := r.rec.Since(time.Now())
	at := 0
	for i, id := range batch {
		o := Op{Client: 0, Node: w.node.ID, Workload: wl, F: "search", IDs: []int64{id}, Found: []int64{},
			Type: TypeOK, InvokeNs: invoke, CompleteNs: complete}
		if i < len(rep.Topks) {
			o.Found = append(o.Found, got[at:min(at+rep.Topks[i], len(got))]...)
			at += rep.Topks[i]
		}
		_ = r.rec.Record(o)
	}
	return nil
}

// stateHashes polls every node's /v1/test/state until, per shard group,
// all replicas report the same applied index, and returns their hashes
// (group → node → hash) and whether every group's hashes agree. Replicas
// that never catch up are noted, not compared.
func (r *run) stateHashes(ctx context.Context, notes *[]string) (map[string]map[string]string, bool) {
	done := map[string]map[string]string{}
	var lastSeen map[string][]replicaState
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		lastSeen = r.replicaStates(ctx)
		for g, reps := range lastSeen {
			if _, ok := done[g]; ok || len(reps) == 0 {
				continue
			}
			if slices.ContainsFunc(reps, func(x replicaState) bool { return x.Applied != reps[0].Applied }) {
				continue
			}
			done[g] = map[string]string{}
			for _, x := range reps {
				done[g][x.Node] = x.Hash
			}
		}
		if len(done) == len(lastSeen) && len(done) > 0 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	for g, reps := range lastSeen {
		if _, ok := done[g]; !ok {
			*notes = append(*notes, fmt.Sprintf("group %s: replicas never at one applied index: %+v", g, reps))
		}
	}
	equal := len(done) > 0
	for _, hs := range done {
		for _, h := range hs {
			for _, h2 := range hs {
				equal = equal && h == h2
			}
		}
	}
	return done, equal
}

type replicaState struct {
	Group, Node, State, Hash string
	Applied                  uint64
}

func (r *run) replicaStates(ctx context.Context) map[string][]replicaState {
	out := map[string][]replicaState{}
	for _, n := range r.cl.Nodes {
		rep := r.c.get(ctx, n.HTTP, "/v1/test/state")
		var st []replicaState
		if rep.Type != TypeOK || json.Unmarshal(rep.Data, &st) != nil {
			continue
		}
		for _, x := range st {
			out[x.Group] = append(out[x.Group], x)
		}
	}
	return out
}
