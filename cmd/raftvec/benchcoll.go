package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
)

// collOpts configures `bench collections`.
type collOpts struct {
	*benchOpts
	n      int
	prefix string
	idle   time.Duration
	settle time.Duration
	probes int
	drop   bool
}

func newBenchCollectionsCmd(o *benchOpts) *cobra.Command {
	co := &collOpts{benchOpts: o}
	cmd := &cobra.Command{
		Use:   "collections",
		Short: "Create many small collections; prints create latency, idle CPU, memory, goroutines and request latency",
		Long: `Creates --n collections (dimension 4, one shard, one row each) on --clients
clients, then leaves the cluster idle for --idle and reads every node's
/metrics before and after (process CPU, RSS, goroutines, open files), then
times --probes requests (a Strong get and a Bounded search on random
collections). Figures are per node and per collection. --drop removes the
collections at the end (default: they stay, so a restart can be timed).`,
		RunE: func(*cobra.Command, []string) error { return benchCollections(co) },
	}
	f := cmd.Flags()
	f.IntVar(&co.n, "n", 1000, "collections to create")
	f.StringVar(&co.prefix, "prefix", "bc_", "collection name prefix")
	f.DurationVar(&co.settle, "settle", 2*time.Second, "wait after the creates before the idle window (longer than the nodes' --shard-hibernate-after plus 10 s to measure sleeping groups)")
	f.DurationVar(&co.idle, "idle", 10*time.Second, "idle window over which CPU is measured")
	f.IntVar(&co.probes, "probes", 200, "requests timed after the idle window")
	f.BoolVar(&co.drop, "drop", false, "drop the collections at the end")
	return cmd
}

func benchCollections(o *collOpts) error {
	before, err := scrapeAll(o.nodes())
	if err != nil {
		return err
	}
	lat := make([]time.Duration, o.n)
	var retries atomic.Int64 // inserts retried (code 2/3/8 while a new group elects its leader)
	start := time.Now()
	err = parallel(o.clients, o.n, func(_, i int) error {
		node := o.nodes()[i%len(o.nodes())]
		name := o.prefix + strconv.Itoa(i)
		t0 := time.Now()
		if _, err := post(node, "collections/create", map[string]any{"collectionName": name, "dimension": 4, "params": map[string]any{"shardsNum": 1}}); err != nil {
			return err
		}
		lat[i] = time.Since(t0)
		body := map[string]any{"collectionName": name, "data": []map[string]any{{"id": 1, "vector": []float32{1, 2, 3, 4}}}}
		return insertRetrying(o.nodes(), i, name+"-row-1", body, &retries)
	})
	if err != nil {
		return err
	}
	fmt.Printf("created %d collections on %d clients in %.1fs: create p50 %s p99 %s max %s; %d first inserts retried\n", o.n, o.clients,
		time.Since(start).Seconds(), pct(lat, 50), pct(lat, 99), pct(lat, 100), retries.Load())
	time.Sleep(o.settle) // let the last creates settle (and idle groups sleep)
	idle0, err := scrapeAll(o.nodes())
	if err != nil {
		return err
	}
	time.Sleep(o.idle)
	idle1, err := scrapeAll(o.nodes())
	if err != nil {
		return err
	}
	for i, node := range o.nodes() {
		cpu := (idle1[i]["process_cpu_seconds_total"] - idle0[i]["process_cpu_seconds_total"]) / o.idle.Seconds()
		rss, base := idle1[i]["process_resident_memory_bytes"], before[i]["process_resident_memory_bytes"]
		fmt.Printf("%s idle: CPU %.1f%% of one core, RSS %.0f MB (%.0f KB per collection), heap %.0f MB, goroutines %.0f (was %.0f), open files %.0f (was %.0f), shard groups open %.0f asleep %.0f\n",
			node, 100*cpu, rss/1e6, (rss-base)/float64(o.n)/1e3, idle1[i]["go_memstats_heap_alloc_bytes"]/1e6,
			idle1[i]["go_goroutines"], before[i]["go_goroutines"], idle1[i]["process_open_fds"], before[i]["process_open_fds"],
			idle1[i]["raftvec_shard_groups_open"], idle1[i]["raftvec_shard_groups_asleep"])
	}
	if err := o.probe(); err != nil {
		return err
	}
	if o.drop {
		return parallel(o.clients, o.n, func(_, i int) error {
			_, err := post(o.nodes()[i%len(o.nodes())], "collections/drop", map[string]any{"collectionName": o.prefix + strconv.Itoa(i)})
			return err
		})
	}
	return nil
}

// probe times Strong gets and Bounded searches on random collections.
func (o *collOpts) probe() error {
	r := rand.New(rand.NewPCG(o.seed, 7))
	var get, search []time.Duration
	for i := 0; i < o.probes; i++ {
		node := o.nodes()[i%len(o.nodes())]
		name := o.prefix + strconv.Itoa(r.IntN(o.n))
		t0 := time.Now()
		if _, err := post(node, "entities/get", map[string]any{"collectionName": name, "id": []int{1}, "consistencyLevel": "Strong"}); err != nil {
			return err
		}
		get = append(get, time.Since(t0))
		t0 = time.Now()
		if _, err := post(node, "entities/search", map[string]any{"collectionName": name, "data": [][]float32{{1, 2, 3, 4}}, "limit": 1}); err != nil {
			return err
		}
		search = append(search, time.Since(t0))
	}
	fmt.Printf("requests after idle: Strong get p50 %s p99 %s max %s; Bounded search p50 %s p99 %s max %s\n",
		pct(get, 50), pct(get, 99), pct(get, 100), pct(search, 50), pct(search, 99), pct(search, 100))
	return nil
}

// pct returns the p-th percentile (100: the maximum).
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(100 * time.Microsecond)
}

func scrapeAll(nodes []string) ([]map[string]float64, error) {
	out := make([]map[string]float64, len(nodes))
	for i, n := range nodes {
		m, err := scrape(n)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// scrape reads the unlabelled gauges and counters of a node's /metrics.
func scrape(base string) (map[string]float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}
