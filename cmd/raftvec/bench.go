package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
)

type benchOpts struct {
	addr       string
	addrs      []string // all nodes; requests rotate among them
	clients    int
	level      string
	collection string
	dim        int
	rows       int
	batch      int
	queries    int
	topK       int
	seed       uint64
	metric     string
}

func newBenchCmd() *cobra.Command {
	o := &benchOpts{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks against a running server (insert, search)",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.addr, "addr", "http://127.0.0.1:19530", "server base URL")
	pf.StringSliceVar(&o.addrs, "addrs", nil, "base URLs of several nodes; clients spread requests over them (default: --addr)")
	pf.IntVar(&o.clients, "clients", 1, "concurrent clients")
	pf.StringVar(&o.collection, "collection", "bench", "collection name")
	pf.IntVar(&o.dim, "dim", 128, "vector dimension")
	pf.Uint64Var(&o.seed, "seed", 1, "seed of the synthetic vectors")
	pf.StringVar(&o.metric, "metric", "L2", "metric type (L2, IP, COSINE)")
	ins := &cobra.Command{
		Use:   "insert",
		Short: "Create the collection (dropping an old one) and insert seeded random vectors; prints rows/s",
		RunE:  func(*cobra.Command, []string) error { return benchInsert(o) },
	}
	ins.Flags().IntVar(&o.rows, "rows", 100000, "rows to insert")
	ins.Flags().IntVar(&o.batch, "batch", 1000, "rows per insert request")
	search := &cobra.Command{
		Use:   "search",
		Short: "Run seeded random queries one at a time; prints QPS and p50/p99 latency",
		RunE:  func(*cobra.Command, []string) error { return benchSearch(o) },
	}
	search.Flags().IntVar(&o.queries, "queries", 200, "number of queries")
	search.Flags().IntVar(&o.topK, "topk", 10, "results per query")
	search.Flags().StringVar(&o.level, "consistency", "Eventually", "consistency level of the searches (Strong, Bounded, Session, Eventually)")
	cmd.AddCommand(ins, search)
	cmd.AddCommand(newBenchIndexCmd())
	return cmd
}

// post sends a Milvus REST v2 request and checks the envelope's code.
func post(base, path string, body any) (json.RawMessage, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	resp, err := http.Post(base+"/v2/vectordb/"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	if env.Code != 0 {
		return nil, fmt.Errorf("%s: code %d: %s", path, env.Code, env.Message)
	}
	return env.Data, nil
}

func randVectors(r *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()
		}
		out[i] = v
	}
	return out
}

func (o *benchOpts) nodes() []string {
	if len(o.addrs) > 0 {
		return o.addrs
	}
	return []string{o.addr}
}

func benchInsert(o *benchOpts) error {
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": o.collection})
	if _, err := post(o.addr, "collections/create", map[string]any{
		"collectionName": o.collection, "dimension": o.dim, "metricType": o.metric,
	}); err != nil {
		return err
	}
	batches := (o.rows + o.batch - 1) / o.batch
	var done atomic.Int64
	start := time.Now()
	stop := progress(func() string {
		n := done.Load()
		return fmt.Sprintf("%d/%d rows, %.0f rows/s", n, o.rows, float64(n)/time.Since(start).Seconds())
	})
	err := parallel(o.clients, batches, func(client, b int) error {
		r := rand.New(rand.NewPCG(o.seed, uint64(b)))
		n := min(o.batch, o.rows-b*o.batch)
		rows := make([]map[string]any, n)
		for i, v := range randVectors(r, n, o.dim) {
			rows[i] = map[string]any{"id": b*o.batch + i, "vector": v}
		}
		nodes := o.nodes()
		_, err := post(nodes[b%len(nodes)], "entities/insert", map[string]any{"collectionName": o.collection, "data": rows})
		done.Add(int64(n))
		return err
	})
	stop()
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Printf("insert: %d rows, dim %d, batch %d, %d clients, %d nodes: %.2fs, %.0f rows/s\n",
		o.rows, o.dim, o.batch, o.clients, len(o.nodes()), el.Seconds(), float64(o.rows)/el.Seconds())
	return nil
}

// parallel runs fn for items 0..n-1 on `clients` goroutines and returns the
// first error.
func parallel(clients, n int, fn func(client, item int) error) error {
	var next atomic.Int64
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					errs <- nil
					return
				}
				if err := fn(c, i); err != nil {
					next.Store(int64(n))
					errs <- err
					return
				}
			}
		}()
	}
	var first error
	for c := 0; c < clients; c++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// progress prints status() every 2 s until the returned stop is called.
func progress(status func() string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Println("  " + status())
			}
		}
	}()
	return func() { close(done); <-finished }
}

func benchSearch(o *benchOpts) error {
	r := rand.New(rand.NewPCG(o.seed+1, 0))
	queries := randVectors(r, o.queries, o.dim)
	lat := make([]time.Duration, o.queries)
	start := time.Now()
	err := parallel(o.clients, o.queries, func(_, i int) error {
		t := time.Now()
		nodes := o.nodes()
		_, err := post(nodes[i%len(nodes)], "entities/search", map[string]any{
			"collectionName": o.collection, "data": [][]float32{queries[i]}, "limit": o.topK, "consistencyLevel": o.level,
		})
		lat[i] = time.Since(t)
		return err
	})
	if err != nil {
		return err
	}
	el := time.Since(start)
	slices.Sort(lat)
	fmt.Printf("search: %d queries, top-%d, dim %d, %s, %d clients: %.1f QPS, p50 %v, p99 %v\n", o.queries, o.topK, o.dim, o.level,
		o.clients, float64(len(lat))/el.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100])
	return nil
}
