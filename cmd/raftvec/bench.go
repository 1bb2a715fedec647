package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/spf13/cobra"
)

type benchOpts struct {
	addr       string
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
	cmd.AddCommand(ins, search)
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

func benchInsert(o *benchOpts) error {
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": o.collection})
	if _, err := post(o.addr, "collections/create", map[string]any{
		"collectionName": o.collection, "dimension": o.dim, "metricType": o.metric,
	}); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(o.seed, 0))
	start, last := time.Now(), time.Now()
	for done := 0; done < o.rows; done += o.batch {
		n := min(o.batch, o.rows-done)
		rows := make([]map[string]any, n)
		for i, v := range randVectors(r, n, o.dim) {
			rows[i] = map[string]any{"id": done + i, "vector": v}
		}
		if _, err := post(o.addr, "entities/insert", map[string]any{"collectionName": o.collection, "data": rows}); err != nil {
			return err
		}
		if time.Since(last) > 2*time.Second {
			fmt.Printf("  %d/%d rows, %.0f rows/s\n", done+n, o.rows, float64(done+n)/time.Since(start).Seconds())
			last = time.Now()
		}
	}
	el := time.Since(start)
	fmt.Printf("insert: %d rows, dim %d, batch %d: %.2fs, %.0f rows/s\n", o.rows, o.dim, o.batch, el.Seconds(), float64(o.rows)/el.Seconds())
	return nil
}

func benchSearch(o *benchOpts) error {
	r := rand.New(rand.NewPCG(o.seed+1, 0))
	lat := make([]time.Duration, 0, o.queries)
	start := time.Now()
	for _, q := range randVectors(r, o.queries, o.dim) {
		t := time.Now()
		if _, err := post(o.addr, "entities/search", map[string]any{
			"collectionName": o.collection, "data": [][]float32{q}, "limit": o.topK, "consistencyLevel": "Eventually",
		}); err != nil {
			return err
		}
		lat = append(lat, time.Since(t))
	}
	el := time.Since(start)
	slices.Sort(lat)
	fmt.Printf("search: %d queries, top-%d, dim %d: %.1f QPS, p50 %v, p99 %v\n", o.queries, o.topK, o.dim,
		float64(len(lat))/el.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100])
	return nil
}
