package jepsen

import (
	"context"
	"fmt"
	"time"
)

// queryNode injects one fault around the query nodes (FaultQueryNode):
// kill -9 a query node (restarted at heal), isolate one from every other
// node, SIGSTOP one, or release a workload's collection (reads of it fail
// with code 101 meanwhile; loaded again at heal, after which its query
// replicas are re-created and catch up).
func (nm *Nemesis) queryNode(ctx context.Context) (string, heal, error) {
	var qs []*Node
	for _, n := range nm.cl.Nodes {
		if n.Query {
			qs = append(qs, n)
		}
	}
	if len(qs) == 0 {
		return "", nil, fmt.Errorf("jepsen: %s: the cluster has no query node", FaultQueryNode)
	}
	q := qs[nm.rng.IntN(len(qs))]
	switch nm.rng.IntN(4) {
	case 0:
		nm.cl.Kill(q)
		return "kill -9 query node " + q.ID, func(ctx context.Context) error { return nm.cl.Restart(ctx, q) }, nil
	case 1:
		return "isolate query node " + q.ID, nm.healPartition, nm.partition(ctx, []*Node{q}, nm.others(q))
	case 2:
		return "SIGSTOP query node " + q.ID, func(context.Context) error { return nm.cl.Pause(q, false) }, nm.cl.Pause(q, true)
	}
	coll := nm.releasable[nm.rng.IntN(len(nm.releasable))]
	if err := nm.loadCollection(ctx, coll, false); err != nil {
		return "release " + coll, nil, err
	}
	return "release " + coll, func(ctx context.Context) error { return nm.loadCollection(ctx, coll, true) }, nil
}

// loadCollection loads or releases a collection through any node that
// answers, retrying for up to a minute.
func (nm *Nemesis) loadCollection(ctx context.Context, coll string, load bool) error {
	path := "/v2/vectordb/collections/release"
	if load {
		path = "/v2/vectordb/collections/load"
	}
	c := NewClient(10 * time.Second)
	body := fmt.Sprintf(`{"collectionName":%q}`, coll)
	var last Reply
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		for _, n := range nm.cl.Nodes {
			if !n.Alive() || n.paused {
				continue
			}
			if last = c.callPath(ctx, n.HTTP, path, body); last.Type == TypeOK {
				return nil
			}
		}
		if !sleepCtx(ctx, 500*time.Millisecond) {
			break
		}
	}
	return fmt.Errorf("jepsen: %s %s: %s", path, coll, last.Err)
}
