package jepsen

import (
	"context"
	"slices"
	"time"
)

// nemesis runs the fault schedule until ctx ends: a quiet warm-up, then
// faults injected for 3–10 s and healed for 5–10 s, stopping 10 s before
// the end so that the cluster recovers while the workloads still run.
func (r *run) nemesis(ctx context.Context) {
	if r.o.Fault == FaultNone {
		<-ctx.Done()
		return
	}
	nm := &Nemesis{cl: r.cl, rng: r.rng, client: r.c.http, leaderOf: r.leaderOf, releasable: r.releasable()}
	end := time.Now().Add(r.o.Duration - 10*time.Second)
	if !sleepCtx(ctx, min(10*time.Second, r.o.Duration/6)) {
		return
	}
	for time.Now().Add(3 * time.Second).Before(end) {
		family := r.o.Fault
		if family == FaultMixed {
			family = r.mixedFamily()
		}
		desc, h, err := nm.inject(ctx, family)
		r.nemesisOp("start", family+": "+desc, err)
		hold := 3*time.Second + time.Duration(r.rng.Int64N(int64(7*time.Second)))
		if until := time.Until(end); hold > until {
			hold = max(until, time.Second)
		}
		sleepCtx(ctx, hold)
		if h != nil {
			// Healing must happen even after ctx ended.
			hctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			err = h(hctx)
			cancel()
		}
		r.nemesisOp("stop", family+": "+desc, err)
		if !sleepCtx(ctx, 5*time.Second+time.Duration(r.rng.Int64N(int64(5*time.Second)))) {
			return
		}
	}
	<-ctx.Done()
}

func (r *run) nemesisOp(f, desc string, err error) {
	o := Op{Client: NemesisClient, Workload: WorkloadNemesis, F: f, Fault: desc, Type: TypeInfo}
	o.InvokeNs = r.rec.Since(time.Now())
	o.CompleteNs = o.InvokeNs
	if err != nil {
		o.Err = err.Error()
	}
	_ = r.rec.Record(o)
	if err != nil {
		r.logf("nemesis %s %s: error: %v", f, desc, err)
	} else {
		r.logf("nemesis %s %s", f, desc)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// mixedFamily picks a random fault family; query-node only when the run
// has query nodes.
func (r *run) mixedFamily() string {
	fams := Families
	if r.o.QueryNodes > 0 {
		fams = append(slices.Clone(Families), FaultQueryNode)
	}
	return fams[r.rng.IntN(len(fams))]
}

// releasable lists the run's workload collections (churn's come and go).
func (r *run) releasable() []string {
	var out []string
	for _, wl := range r.o.Workloads {
		if wl != WorkloadChurn {
			out = append(out, collections[wl])
		}
	}
	return out
}
