package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/index"
)

// mnistRows is the size of the MNIST training set.
const mnistRows = 60000

// baseVectors returns the rows bench insert inserts (row i gets id i),
// flat, and their dimension; they depend only on --dataset, --rows, --dim,
// --clusters and --seed, so bench search can recompute them.
func (o *benchOpts) baseVectors() ([]float32, int, error) {
	if o.rows <= 0 {
		return nil, 0, fmt.Errorf("--rows must be positive, got %d", o.rows)
	}
	switch strings.ToLower(o.dataset) {
	case "random", "":
		r := rand.New(rand.NewPCG(o.seed, 0))
		base, err := dataset.Flatten(randVectors(r, o.rows, o.dim), o.dim)
		return base, o.dim, err
	case "synthetic":
		return dataset.Synthetic(o.rows, o.dim, o.clusters, o.seed), o.dim, nil
	case "mnist":
		train, _, dim, err := dataset.MNIST()
		if err != nil {
			return nil, 0, fmt.Errorf("bench: MNIST: %w", err)
		}
		return train[:min(o.rows, mnistRows)*dim], dim, nil
	}
	return nil, 0, fmt.Errorf("--dataset %q: want random, synthetic or mnist", o.dataset)
}

// queryVectors returns --queries query vectors from the data set's
// distribution, disjoint from the base rows.
func (o *benchOpts) queryVectors(dim int) ([][]float32, error) {
	if o.queries <= 0 {
		return nil, fmt.Errorf("--queries must be positive, got %d", o.queries)
	}
	switch strings.ToLower(o.dataset) {
	case "synthetic":
		all := dataset.Synthetic(o.rows+o.queries, dim, o.clusters, o.seed)
		return dataset.Split(all[o.rows*dim:], dim), nil
	case "mnist":
		_, test, _, err := dataset.MNIST()
		if err != nil {
			return nil, fmt.Errorf("bench: MNIST: %w", err)
		}
		return dataset.Split(test[:min(o.queries, len(test)/dim)*dim], dim), nil
	}
	return randVectors(rand.New(rand.NewPCG(o.seed+1, 0)), o.queries, dim), nil
}

// createCollection creates the bench collection (id, vector) with an
// index of --index type on the vector field.
func (o *benchOpts) createCollection(dim int) error {
	params := map[string]any{"index_type": strings.ToUpper(o.indexType)}
	switch strings.ToUpper(o.indexType) {
	case "HNSW", "AUTOINDEX":
		params["M"], params["efConstruction"] = o.m, o.efc
	case "IVF_FLAT":
		params["nlist"] = o.nlist
	}
	_, err := post(o.addr, "collections/create", map[string]any{"collectionName": o.collection,
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}}}},
		"indexParams": []any{map[string]any{"fieldName": "vector", "indexName": "vector", "metricType": o.metric, "params": params}}})
	return err
}

// waitForIndex flushes the collection and polls indexes/describe until the
// index is Finished over every row, printing the time it took after the
// flush and since loadStart (the first insert: load-to-indexed), and the
// server's own index lag (last write to every row in a built index).
func (o *benchOpts) waitForIndex(rows int64, loadStart time.Time) error {
	start := time.Now()
	if _, err := post(o.addr, "collections/flush", map[string]any{"collectionName": o.collection}); err != nil {
		return err
	}
	var indexed atomic.Int64
	stop := progress(func() string { return fmt.Sprintf("index: %d/%d rows", indexed.Load(), rows) })
	defer stop()
	for {
		raw, err := post(o.addr, "indexes/describe", map[string]any{"collectionName": o.collection, "indexName": "vector"})
		if err != nil {
			return err
		}
		var ix []struct {
			IndexedRows int64   `json:"indexedRows"`
			IndexState  string  `json:"indexState"`
			Lag         float64 `json:"indexLagSeconds"`
			AllIndexed  string  `json:"allIndexedTime"`
		}
		if err := json.Unmarshal(raw, &ix); err != nil || len(ix) != 1 {
			return fmt.Errorf("indexes/describe: %s: %w", raw, err)
		}
		indexed.Store(ix[0].IndexedRows)
		if ix[0].IndexState == "Finished" && ix[0].IndexedRows == rows && ix[0].AllIndexed != "" {
			fmt.Printf("index: %d rows indexed %.1fs after the flush; load-to-indexed %.1fs (first insert to every row in a built index); server index lag %.1fs\n",
				rows, time.Since(start).Seconds(), time.Since(loadStart).Seconds(), ix[0].Lag)
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// searchRun is one pass of the queries with fixed search params.
type searchRun struct {
	label  string
	params map[string]any
}

func (o *benchOpts) searchRuns() []searchRun {
	var runs []searchRun
	for _, ef := range o.ef {
		runs = append(runs, searchRun{"ef=" + strconv.Itoa(ef), map[string]any{"ef": ef}})
	}
	for _, n := range o.nprobe {
		runs = append(runs, searchRun{"nprobe=" + strconv.Itoa(n), map[string]any{"nprobe": n}})
	}
	if len(runs) == 0 {
		runs = append(runs, searchRun{"default", nil})
	}
	return runs
}

func benchSearch(w io.Writer, o *benchOpts) error {
	metric, err := index.ParseMetric(o.metric)
	if err != nil {
		return err
	}
	if o.topK <= 0 || o.clients <= 0 {
		return fmt.Errorf("--topk and --clients must be positive (got %d, %d)", o.topK, o.clients)
	}
	base, dim, err := o.baseVectors()
	if err != nil {
		return err
	}
	queries, err := o.queryVectors(dim)
	if err != nil {
		return err
	}
	var gt [][]int32
	if o.recall {
		if gt, err = groundTruth(w, base, queries, dim, o.topK, metric); err != nil {
			return err
		}
	}
	// Warm up (untimed): the first searches load the segments' index files.
	warm := searchRun{label: "warm-up", params: o.searchRuns()[0].params}
	if err := o.searchPass(io.Discard, warm, queries[:min(len(queries), 50)], nil); err != nil {
		return err
	}
	fmt.Fprintf(w, "search: %d queries (%s, %d rows × %d), top-%d, %s, %d clients, %d nodes\n",
		len(queries), o.dataset, len(base)/dim, dim, o.topK, o.level, o.clients, len(o.nodes()))
	fmt.Fprintf(w, "%-12s %10s %10s %10s %10s\n", "params", "QPS", "p50", "p99", fmt.Sprintf("recall@%d", o.topK))
	for _, run := range o.searchRuns() {
		if err := o.searchPass(w, run, queries, gt); err != nil {
			return err
		}
	}
	return nil
}

// groundTruth computes the exact top-k of every query over base.
func groundTruth(w io.Writer, base []float32, queries [][]float32, dim, k int, metric index.Metric) ([][]int32, error) {
	if k > len(base)/dim {
		return nil, fmt.Errorf("--topk %d is larger than the %d rows", k, len(base)/dim)
	}
	flat, err := dataset.Flatten(queries, dim)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	gt := dataset.GroundTruth(base, flat, dim, k, metric, 0)
	fmt.Fprintf(w, "ground truth: exact top-%d of %d queries over %d rows: %.1fs\n", k, len(queries), len(base)/dim, time.Since(start).Seconds())
	return gt, nil
}

// searchPass runs every query once on o.clients clients with run's params
// and prints one row: QPS, p50, p99 and recall@k (when gt is given).
func (o *benchOpts) searchPass(w io.Writer, run searchRun, queries [][]float32, gt [][]int32) error {
	lat := make([]time.Duration, len(queries))
	got := make([][]int64, len(queries))
	// Request bodies are encoded before the clock starts: the client's
	// encoding is not the server's speed.
	bodies := make([]rawBody, len(queries))
	for i, q := range queries {
		body := map[string]any{"collectionName": o.collection, "data": [][]float32{q}, "limit": o.topK, "consistencyLevel": o.level}
		if run.params != nil {
			body["searchParams"] = map[string]any{"metricType": o.metric, "params": run.params}
		}
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		bodies[i] = b
	}
	start := time.Now()
	err := parallel(o.clients, len(queries), func(_, i int) error {
		t := time.Now()
		nodes := o.nodes()
		raw, err := post(nodes[i%len(nodes)], "entities/search", bodies[i])
		lat[i] = time.Since(t)
		if err == nil {
			got[i], err = hitIDs(raw)
		}
		return err
	})
	if err != nil {
		return err
	}
	el := time.Since(start)
	slices.Sort(lat)
	rc := "-"
	if gt != nil {
		r, err := dataset.RecallIDs(got, gt, o.topK)
		if err != nil {
			return err
		}
		rc = fmt.Sprintf("%.4f", r)
	}
	fmt.Fprintf(w, "%-12s %10.1f %10s %10s %10s\n", run.label, float64(len(lat))/el.Seconds(),
		fmtLatency(lat[len(lat)/2]), fmtLatency(lat[len(lat)*99/100]), rc)
	return nil
}

// hitIDs reads the int64 primary keys of a search reply (sent as JSON
// strings or numbers).
func hitIDs(raw json.RawMessage) ([]int64, error) {
	var hits []struct {
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(raw, &hits); err != nil {
		return nil, fmt.Errorf("search reply: %w", err)
	}
	out := make([]int64, len(hits))
	for i, h := range hits {
		n, err := strconv.ParseInt(h.ID.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("search reply id %q: %w", h.ID, err)
		}
		out[i] = n
	}
	return out, nil
}
