package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
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
	dataset    string // random | synthetic | mnist
	clusters   int    // synthetic: Gaussian clusters
	// insert: the collection's index and whether to wait for it.
	indexType string
	m, efc    int
	nlist     int
	waitIndex bool
	// search: one run per ef / nprobe value; recall against ground truth.
	ef, nprobe []int
	recall     bool
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
	pf.IntVar(&o.dim, "dim", 128, "vector dimension (random, synthetic)")
	pf.Uint64Var(&o.seed, "seed", 1, "seed of the generated vectors")
	pf.StringVar(&o.metric, "metric", "L2", "metric type (L2, IP, COSINE)")
	pf.StringVar(&o.dataset, "dataset", "random", "vectors: random (uniform), synthetic (clustered Gaussians) or mnist (60,000 × 784; test images as queries)")
	pf.IntVar(&o.clusters, "clusters", 100, "synthetic: Gaussian clusters")
	pf.IntVar(&o.rows, "rows", 100000, "rows inserted (search: rows that were inserted, for the ground truth; mnist: at most 60,000)")
	ins := &cobra.Command{
		Use:   "insert",
		Short: "Create the collection (dropping an old one) and insert seeded vectors; prints rows/s",
		RunE:  func(*cobra.Command, []string) error { return benchInsert(o) },
	}
	ins.Flags().IntVar(&o.batch, "batch", 1000, "rows per insert request")
	ins.Flags().StringVar(&o.indexType, "index", "AUTOINDEX", "index type of the collection: AUTOINDEX, HNSW, IVF_FLAT or FLAT")
	ins.Flags().IntVar(&o.m, "M", 16, "HNSW: max links per node")
	ins.Flags().IntVar(&o.efc, "efc", 200, "HNSW: efConstruction")
	ins.Flags().IntVar(&o.nlist, "nlist", 128, "IVF_FLAT: lists per segment")
	ins.Flags().BoolVar(&o.waitIndex, "wait-index", false, "flush after inserting and wait until the index covers every row")
	search := &cobra.Command{
		Use:   "search",
		Short: "Run seeded queries on --clients clients; prints QPS, p50/p99 latency and recall@k per ef/nprobe",
		Long: `Runs --queries searches (one vector each) on --clients concurrent clients,
once per --ef (HNSW, AUTOINDEX) or --nprobe (IVF_FLAT) value, and prints
QPS, p50/p99 latency and recall@k against exact ground truth computed here
over the vectors bench insert inserted (same --dataset, --rows, --dim,
--clusters, --seed). Queries come from the same distribution (synthetic:
further rows of the mixture; mnist: the test images; random: uniform).`,
		RunE: func(*cobra.Command, []string) error { return benchSearch(os.Stdout, o) },
	}
	sf := search.Flags()
	sf.IntVar(&o.queries, "queries", 200, "number of queries")
	sf.IntVar(&o.topK, "topk", 10, "results per query (recall@topk)")
	sf.StringVar(&o.level, "consistency", "Eventually", "consistency level of the searches (Strong, Bounded, Session, Eventually)")
	sf.IntSliceVar(&o.ef, "ef", nil, "HNSW search list sizes, one run each (default: the server's)")
	sf.IntSliceVar(&o.nprobe, "nprobe", nil, "IVF_FLAT lists probed, one run each (default: the server's)")
	sf.BoolVar(&o.recall, "recall", true, "compute exact ground truth and print recall@topk")
	cmd.AddCommand(ins, search)
	cmd.AddCommand(newBenchIndexCmd())
	cmd.AddCommand(newBenchCollectionsCmd(o))
	cmd.AddCommand(newBenchFulltextCmd(o))
	cmd.AddCommand(newBenchFilterCmd(o))
	cmd.AddCommand(newBenchImportCmd(o))
	cmd.AddCommand(newBenchBackupCmd(o))
	return cmd
}

// post sends a Milvus REST v2 request and checks the envelope's code.
func post(base, path string, body any) (json.RawMessage, error) {
	return postWith(base, path, body, nil)
}

// codeError is a reply with a non-zero envelope code.
type codeError struct {
	path string
	code int
	msg  string
}

func (e *codeError) Error() string { return fmt.Sprintf("%s: code %d: %s", e.path, e.code, e.msg) }

// postWith is post with extra request headers.
func postWith(base, path string, body any, header map[string]string) (json.RawMessage, error) {
	b, ok := body.(rawBody)
	if !ok {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequest(http.MethodPost, base+"/v2/vectordb/"+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return envelopeData(path, resp.StatusCode, raw)
}

// envelopeData checks a Milvus REST envelope's code and returns its data.
func envelopeData(path string, status int, raw []byte) (json.RawMessage, error) {
	var env struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d: %s", path, status, raw)
	}
	if env.Code != 0 {
		return nil, &codeError{path: path, code: env.Code, msg: env.Message}
	}
	return env.Data, nil
}

// insertAttempts bounds the attempts of one insert batch; retryBackoff is
// the first wait between them (doubling, at most 2 s).
const insertAttempts = 8

var retryBackoff = 50 * time.Millisecond

// retryable reports whether a failed insert may be sent again with the
// same Idempotency-Key, as a real client should: 2 (unavailable: not
// applied), 3 (outcome unknown), 8 (rate limited), 10001 (timed out:
// outcome unknown) or no reply at all (outcome unknown). The key makes the
// server apply the batch at most once. Anything else (bad data, unknown
// collection) fails the same way again.
func retryable(err error) bool {
	var ce *codeError
	if errors.As(err, &ce) {
		switch ce.code {
		case 2, 3, 8, 10001:
			return true
		}
		return false
	}
	return err != nil
}

// insertRetrying posts one insert batch with an Idempotency-Key, retrying
// retryable failures (on the next node, with backoff) up to insertAttempts
// times; retries counts the retries.
func insertRetrying(nodes []string, first int, key string, body any, retries *atomic.Int64) error {
	hdr := map[string]string{"Idempotency-Key": key}
	for attempt := 0; ; attempt++ {
		_, err := postWith(nodes[(first+attempt)%len(nodes)], "entities/insert", body, hdr)
		if err == nil || !retryable(err) || attempt+1 >= insertAttempts {
			if err != nil && attempt > 0 {
				err = fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return err
		}
		retries.Add(1)
		time.Sleep(min(retryBackoff<<attempt, 2*time.Second))
	}
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
func progress(status func() string) (stop func()) { return progressEvery(2*time.Second, status) }

// progressEvery is progress at another interval.
func progressEvery(every time.Duration, status func() string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
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
