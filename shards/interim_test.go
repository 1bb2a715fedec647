package shards

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// clusteredBatch holds rows first.. with 2-d vectors around 50 centres.
func clusteredBatch(s *segment.Schema, r *rand.Rand, first, n int) (*segment.Batch, [][]float32) {
	b := segment.NewBatch(s)
	vecs := make([][]float32, n)
	for i := range n {
		c := float32(r.IntN(50))
		vecs[i] = []float32{c*10 + float32(r.NormFloat64()), c*7 + float32(r.NormFloat64())}
		b.Columns[0].AppendValue(int64(first + i))
		b.Columns[1].AppendValue("r")
		b.Columns[2].AppendValue(vecs[i])
	}
	return b, vecs
}

// TestInterimIndexServesGrowingRows: once a growing segment has enough
// rows, its interim index answers searches that ask for the field's ANN
// index; rows added after the last indexing pass are scanned exactly, a
// deleted row is never returned, and recall against the exact answer is
// high.
func TestInterimIndexServesGrowingRows(t *testing.T) {
	_, c, r := testReplica(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	var all [][]float32
	covered := 10000 // a multiple of the batch size, above interimTrainRows
	for first := 1; first <= covered+1500; first += 500 {
		b, vecs := clusteredBatch(&c.Schema, rng, first, 500)
		if _, _, err := r.Write(ctx, 1, b, false); err != nil {
			t.Fatal(err)
		}
		all = append(all, vecs...)
		if first+499 == covered {
			r.extendInterim(ctx, map[int]index.Metric{2: index.MetricL2})
		}
	}
	if x := r.interim.get(interimKey{r.segmentIDs(t)[0], 2}); x == nil || x.rows.Load() != int64(covered) {
		t.Fatalf("interim index after the first pass: %+v", x)
	}
	search := func(indexName string, q [][]float32, k int) [][]Hit {
		t.Helper()
		res, err := r.Search(ctx, ReadSpec{}, &SearchRequest{AnnsField: 2, Vectors: q, Metric: "L2", TopK: k, GroupField: -1, IndexName: indexName})
		if err != nil {
			t.Fatal(err)
		}
		return res.Hits
	}
	// Self matches: one row the index covers, one only the scan sees.
	for _, pk := range []int{17, covered + 700} {
		before := r.interim.searches.Load()
		hits := search("ix", [][]float32{all[pk-1]}, 1)[0]
		if len(hits) != 1 || hits[0].PK != int64(pk) || hits[0].Distance != 0 {
			t.Fatalf("self search of row %d: %+v", pk, hits)
		}
		if r.interim.searches.Load() == before {
			t.Fatal("the search did not use the interim index")
		}
	}
	if n, _, err := r.Delete(ctx, 0, "id == 17", nil); err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	if hits := search("ix", [][]float32{all[16]}, 1)[0]; len(hits) == 1 && hits[0].PK == int64(17) {
		t.Fatal("a deleted row was returned")
	}
	// Recall@10 against the exact scan (no index name: no interim index).
	queries := make([][]float32, 50)
	for i := range queries {
		queries[i] = all[rng.IntN(len(all))]
	}
	approx, exact := search("ix", queries, 10), search("", queries, 10)
	found, total := 0, 0
	for q := range queries {
		want := map[any]bool{}
		for _, h := range exact[q] {
			want[h.PK] = true
		}
		for _, h := range approx[q] {
			if want[h.PK] {
				found++
			}
		}
		total += len(exact[q])
	}
	if recall := float64(found) / float64(total); recall < 0.9 {
		t.Fatalf("recall@10 through the interim index = %.3f", recall)
	}
}

// TestInterimIndexDroppedWithIndex: a segment whose built index is
// recorded loses its interim index at the next pass.
func TestInterimIndexDroppedWithIndex(t *testing.T) {
	_, c, r := testReplica(t)
	ctx := context.Background()
	b, _ := clusteredBatch(&c.Schema, rand.New(rand.NewPCG(3, 4)), 1, interimTrainRows)
	if _, _, err := r.Write(ctx, 1, b, false); err != nil {
		t.Fatal(err)
	}
	metrics := map[int]index.Metric{2: index.MetricL2}
	r.extendInterim(ctx, metrics)
	seg := r.segmentIDs(t)[0]
	if r.interim.get(interimKey{seg, 2}) == nil {
		t.Fatal("no interim index for a segment at the training size")
	}
	r.extendInterim(ctx, nil) // the collection's index was dropped
	if r.interim.get(interimKey{seg, 2}) != nil {
		t.Fatal("the interim index outlived its collection index")
	}
	r.extendInterim(ctx, metrics)
	// No background loop runs in this test, so nothing else reads the
	// segment while the test records a built index as Indexed would.
	built := func(x segment.IndexRef) {
		r.fsm.View(func(v fsm.View) {
			for _, g := range v.Segments() {
				g.SetIndex(x)
			}
		})
		r.extendInterim(ctx, metrics)
	}
	built(segment.IndexRef{Name: "other", Field: 999}) // another vector field's index
	if r.interim.get(interimKey{seg, 2}) == nil {
		t.Fatal("an index of another field dropped this field's interim index")
	}
	built(segment.IndexRef{Name: "ix", Field: r.fsm.Schema().Fields[2].ID})
	if r.interim.get(interimKey{seg, 2}) != nil {
		t.Fatal("the interim index outlived the built index")
	}
}

// segmentIDs lists the replica's segments.
func (r *Replica) segmentIDs(t *testing.T) []int64 {
	t.Helper()
	var ids []int64
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			ids = append(ids, g.ID)
		}
	})
	if len(ids) == 0 {
		t.Fatal("no segments")
	}
	return ids
}
