package index

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// canceller is a SearchParams.Check that fails with context.Canceled once
// more than after rows were announced: a client that leaves while the scan
// runs, without timing.
type canceller struct {
	after int64
	seen  atomic.Int64
}

func (c *canceller) check(rows int) error {
	if c.seen.Load() >= c.after {
		return context.Canceled
	}
	c.seen.Add(int64(rows))
	return nil
}

// TestSearchStopsWhenChecked: a search whose Check fails stops scanning
// (exact chunks, IVF lists, HNSW expansions, query vectors of a batch) and
// returns the error, wrapped; no partial result escapes. The filter counts
// the rows really evaluated, which must stay below the whole work.
func TestSearchStopsWhenChecked(t *testing.T) {
	const dim = 4
	r := newRand(7)
	big := randVecs(r, 20000, dim)
	small := big[:100]

	flat := func(vecs [][]float32) func([][]float32, SearchParams) ([][]Hit, error) {
		v := FlatView{Vectors: flatten(vecs), Dim: dim}
		return func(q [][]float32, p SearchParams) ([][]Hit, error) { return SearchFlat(v, q, p) }
	}
	hnsw, err := NewHNSW(dim, MetricL2, HNSWConfig{M: 8, EfConstruction: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := hnsw.Add(nil, flatten(big)); err != nil {
		t.Fatal(err)
	}
	ivf, err := NewIVFFlat(dim, MetricL2, IVFConfig{Nlist: 16, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := ivf.Train(flatten(big)); err != nil {
		t.Fatal(err)
	}
	if err := ivf.Add(nil, flatten(big)); err != nil {
		t.Fatal(err)
	}
	ivfAll := func(q [][]float32, p SearchParams) ([][]Hit, error) { return ivf.SearchNprobe(q, p, 16) }

	cases := []struct {
		name   string
		search func([][]float32, SearchParams) ([][]Hit, error)
		rows   int // rows per query vector
		nq     int
		after  int64 // rows announced before the cancel
		group  bool
	}{
		{"flat one query", flat(big), len(big), 1, ScanChunk, false},
		{"flat grouping", flat(big), len(big), 1, ScanChunk, true},
		{"flat batch, parallel", flat(big), len(big), 8, ScanChunk, false},
		{"flat batch between queries", flat(small), len(small), 50, 300, false},
		{"hnsw, filter rejects all", hnsw.Search, len(big), 1, 1, false},
		{"hnsw batch", hnsw.Search, len(big), 16, 1, false},
		{"ivf", ivfAll, len(big), 1, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var evaluated atomic.Int64
			c := &canceller{after: tc.after}
			p := SearchParams{Metric: MetricL2, TopK: 10, Check: c.check,
				// Rejecting every row makes an HNSW walk visit the whole graph.
				Filter: func(int64) bool { evaluated.Add(1); return false }}
			if tc.group {
				p.GroupSize, p.GroupKey = 1, func(id int64) any { return id % 10 }
			}
			hits, err := tc.search(randVecs(r, tc.nq, dim), p)
			if !errors.Is(err, context.Canceled) || hits != nil {
				t.Fatalf("got %d results, err %v; want none and context.Canceled", len(hits), err)
			}
			if total := int64(tc.rows * tc.nq); evaluated.Load() >= total {
				t.Fatalf("evaluated %d rows of %d: the scan did not stop", evaluated.Load(), total)
			}
			// Without a Check (or one that never fails) the same search
			// evaluates the filter on every row of every query.
			if tc.name == "flat batch between queries" {
				evaluated.Store(0)
				p.Check = nil
				if _, err := tc.search(randVecs(r, tc.nq, dim), p); err != nil {
					t.Fatal(err)
				}
				if got, want := evaluated.Load(), int64(tc.rows*tc.nq); got != want {
					t.Fatalf("without cancel: evaluated %d rows, want %d", got, want)
				}
			}
		})
	}
}
