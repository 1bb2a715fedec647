package jepsen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultWorkloads run together (on disjoint collections) unless a run
// names its own, under every fault family. Churn under node removal
// (membership, mixed) used to find a bug: a collection created while a node
// was removed kept 2-replica shards, and removing and wiping one of those
// nodes took the shard's quorum. Shards now grow back when nodes come up
// (coordinator.TestShardsGrowBackWhenNodesComeUp); the window between the
// re-add and the new replica's promotion remains (a node closes its replica
// as soon as the placement moves it, and nodes/remove does not wait for the
// groups to replace the node).
var DefaultWorkloads = []string{WorkloadRegister, WorkloadSet, WorkloadDelete, WorkloadSession, WorkloadChurn}

// Options configure one run.
type Options struct {
	Bin, MinIOBin string
	Dir           string // the run's directory (created)
	Nodes         int
	QueryNodes    int // query-only nodes besides Nodes (FaultQueryNode needs some)
	Fault         string
	Seed          int64
	Duration      time.Duration // workloads run this long; faults stop 10 s before the end
	Workloads     []string
	Clients       int           // workers per workload
	OpPause       time.Duration // mean pause between a worker's ops
	LinTimeout    time.Duration // porcupine's time budget
	// UnsafeStrongReads runs the deliberately broken server.
	UnsafeStrongReads bool
	PortLo, PortHi    int
	Progress          io.Writer
}

// Defaults fills unset options.
func (o *Options) Defaults() {
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	if o.Fault == "" {
		o.Fault = FaultMixed
	}
	if o.Duration == 0 {
		o.Duration = 60 * time.Second
	}
	if len(o.Workloads) == 0 {
		o.Workloads = DefaultWorkloads
	}
	if o.Clients == 0 {
		o.Clients = 3
	}
	if o.OpPause == 0 {
		o.OpPause = 40 * time.Millisecond
	}
	if o.LinTimeout == 0 {
		o.LinTimeout = 60 * time.Second
	}
	if o.PortLo == 0 {
		// Below the kernel's ephemeral range (32768 and up): a port picked
		// there could be taken by an outgoing connection before its node
		// binds it (a quick run once failed so: "address already in use").
		o.PortLo, o.PortHi = 10000, 19000
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// run is the state of one run.
type run struct {
	o     Options
	cl    *Cluster
	rec   *Recorder
	start time.Time
	rng   *rand.Rand
	c     *Client
	// importer writes the import workload's files (nil without it).
	importer *importer
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.o.Progress, "[%6.1fs] %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

// Run starts a cluster, runs the workloads under the fault schedule, heals,
// checks, and writes history.jsonl, report.txt and report.json (and
// timeline.html when the run fails) into o.Dir.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.Defaults()
	if !ValidFault(o.Fault) {
		return nil, fmt.Errorf("jepsen: unknown fault %q (want one of %v, %s, mixed or none)", o.Fault, Families, FaultQueryNode)
	}
	if o.Fault == FaultQueryNode && o.QueryNodes == 0 {
		return nil, fmt.Errorf("jepsen: fault %s needs query nodes (--query-nodes)", FaultQueryNode)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	hist, err := os.Create(filepath.Join(o.Dir, "history.jsonl"))
	if err != nil {
		return nil, err
	}
	defer hist.Close()
	r := &run{o: o, start: time.Now(), rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x6a65707365)), c: NewClient(3 * time.Second)}
	r.rec = NewRecorder(hist, r.start)
	r.logf("fault %s, seed %d, %d nodes (+%d query nodes), workloads %v, %s", o.Fault, o.Seed, o.Nodes, o.QueryNodes, o.Workloads, o.Duration)
	r.cl, err = StartCluster(ctx, ClusterConfig{Bin: o.Bin, MinIOBin: o.MinIOBin, Dir: o.Dir, Nodes: o.Nodes, QueryNodes: o.QueryNodes,
		UnsafeStrongReads: o.UnsafeStrongReads, PortLo: o.PortLo, PortHi: o.PortHi})
	if err != nil {
		return nil, err
	}
	defer r.cl.Close()
	r.logf("cluster up: %s", ids(r.cl.Nodes))
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	if slices.Contains(o.Workloads, WorkloadImport) {
		if r.importer, err = newImporter(ctx, r.cl.MinIO); err != nil {
			return nil, err
		}
	}
	r.exercise(ctx)
	meta := r.finish(ctx)
	rep := Analyze(meta, r.rec.Ops(), o.LinTimeout)
	return rep, r.writeReport(rep)
}

// setup creates one collection per workload.
func (r *run) setup(ctx context.Context) error {
	for _, wl := range r.o.Workloads {
		params := map[string]any{"shardsNum": 2, "consistencyLevel": "Strong"}
		if wl == WorkloadTTL {
			params["ttlSeconds"] = ttlSeconds(r.o.Duration)
		}
		body := map[string]any{"collectionName": collections[wl], "dimension": 4, "metricType": "L2", "params": params}
		if err := r.retry(ctx, 60*time.Second, func(n *Node) Reply {
			rep := r.c.Call(ctx, n.HTTP, "collections/create", body, nil, true)
			if rep.Type != TypeOK && hasCollection(r.c.Call(ctx, n.HTTP, "collections/has", body, nil, false)) {
				return Reply{Type: TypeOK} // an earlier attempt created it
			}
			return rep
		}); err != nil {
			return fmt.Errorf("jepsen: create %s: %w", collections[wl], err)
		}
	}
	return nil
}

func hasCollection(r Reply) bool {
	var d struct{ Has bool }
	return json.Unmarshal(r.Data, &d) == nil && d.Has
}

// retry calls fn on node after node until it returns ok or timeout passes.
func (r *run) retry(ctx context.Context, timeout time.Duration, fn func(*Node) Reply) error {
	deadline := time.Now().Add(timeout)
	var last Reply
	for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
		n := r.cl.Nodes[i%len(r.cl.Nodes)]
		if last = fn(n); last.Type == TypeOK {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New(last.Err)
}

// exercise runs the workers and the nemesis for the run's duration.
func (r *run) exercise(ctx context.Context) {
	wctx, stop := context.WithTimeout(ctx, r.o.Duration)
	defer stop()
	var wg sync.WaitGroup
	values := &atomic.Int64{}
	id := 0
	for _, wl := range r.o.Workloads {
		for i := 0; i < r.o.Clients; i++ {
			id++
			w := &worker{id: id, node: r.cl.Nodes[id%len(r.cl.Nodes)], cl: r.cl, c: NewClient(3 * time.Second), rec: r.rec,
				rng: rand.New(rand.NewPCG(uint64(r.o.Seed), uint64(id))), values: values, pause: r.o.OpPause}
			wg.Add(1)
			go func(wl string) {
				defer wg.Done()
				switch wl {
				case WorkloadRegister:
					w.registerLoop(wctx, 4)
				case WorkloadSet, WorkloadTTL:
					w.setLoop(wctx, wl)
				case WorkloadImport:
					w.importLoop(wctx, r.importer)
				case WorkloadDelete:
					w.deleteLoop(wctx)
				case WorkloadSession:
					w.sessionLoop(wctx, 3)
				case WorkloadChurn:
					w.churnLoop(wctx, NewClient(10*time.Second))
				}
			}(wl)
		}
	}
	wg.Add(1)
	go func() { defer wg.Done(); r.nemesis(wctx) }()
	wg.Wait()
}

// leaderOf finds the leader of the register collection's shard of key 1.
func (r *run) leaderOf(ctx context.Context) *Node {
	for _, n := range r.cl.Nodes {
		if !n.Alive() || n.paused {
			continue
		}
		rep := r.c.get(ctx, n.HTTP, "/v1/collections/"+collections[WorkloadRegister]+"/entities/1/trace")
		var tr struct{ Leader string }
		if rep.Type == TypeOK && json.Unmarshal(rep.Data, &tr) == nil {
			for _, m := range r.cl.Nodes {
				if m.ID == tr.Leader {
					return m
				}
			}
		}
	}
	return nil
}

// writeReport writes report.txt and report.json, and timeline.html when
// the run failed.
func (r *run) writeReport(rep *Report) error {
	f, err := os.Create(filepath.Join(r.o.Dir, "report.txt"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := rep.WriteText(io.MultiWriter(f, r.o.Progress)); err != nil {
		return err
	}
	j, err := os.Create(filepath.Join(r.o.Dir, "report.json"))
	if err != nil {
		return err
	}
	defer j.Close()
	if err := rep.WriteJSON(j); err != nil {
		return err
	}
	if !rep.Valid() {
		return WriteTimeline(filepath.Join(r.o.Dir, "timeline.html"), r.rec.Ops())
	}
	return nil
}
