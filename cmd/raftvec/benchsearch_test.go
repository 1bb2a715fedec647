package main

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/server"
)

var searchRow = regexp.MustCompile(`(?m)^(ef=\d+|nprobe=\d+|default)\s+([0-9.]+)\s+(\d+)µs\s+(\d+)µs\s+([0-9.]+)$`)

// TestBenchSearchPrintsRecall inserts a small clustered data set into a
// standalone server with bench insert (HNSW, waiting for the index) and
// checks that bench search prints a row per ef with QPS, latencies and a
// recall@10 that grows with ef.
func TestBenchSearchPrintsRecall(t *testing.T) {
	cfg := server.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTPAddr, cfg.RaftAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Raft.HeartbeatTimeout, cfg.Raft.ElectionTimeout = 200*time.Millisecond, 200*time.Millisecond
	s, err := server.Start(cfg, hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: io.Discard}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	o := &benchOpts{addr: "http://" + s.HTTPAddr(), clients: 2, collection: "b", dim: 16, rows: 3000, batch: 500, seed: 3,
		metric: "L2", dataset: "synthetic", clusters: 20, indexType: "HNSW", m: 8, efc: 64, waitIndex: true,
		queries: 50, topK: 10, level: "Strong", ef: []int{10, 64}, recall: true}
	if err := benchInsert(o); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := benchSearch(&out, o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	rows := searchRow.FindAllStringSubmatch(out.String(), -1)
	if len(rows) != 2 {
		t.Fatalf("want a row per ef:\n%s", out.String())
	}
	recall := map[string]float64{}
	for _, r := range rows {
		recall[r[1]], _ = strconv.ParseFloat(r[5], 64)
		if qps, _ := strconv.ParseFloat(r[2], 64); qps <= 0 {
			t.Fatalf("QPS in %q", r[0])
		}
	}
	t.Log(out.String())
	if recall["ef=64"] < 0.95 || recall["ef=64"] < recall["ef=10"] {
		t.Fatalf("recall per ef %v:\n%s", recall, out.String())
	}
}
