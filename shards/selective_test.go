package shards

import (
	"testing"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// blindIndex is an index that finds nothing: any hit must come from the
// exact scan.
type blindIndex struct{}

func (blindIndex) search(q [][]float32, _ index.SearchParams, _ map[string]any) ([][]index.Hit, error) {
	return make([][]index.Hit, len(q)), nil
}

// TestSelectiveFilterBypassesIndex: a filter that passes few rows of a
// segment makes its search exact (found by the Jepsen set workload: an
// HNSW walk restricted to 50 of 2000 rows missed exact matches); a broad
// filter or none keeps using the index.
func TestSelectiveFilterBypassesIndex(t *testing.T) {
	_, _, r := testReplica(t)
	schema := r.fsm.Schema()
	g := segment.New(1, 0, schema)
	ids := make([]int64, 100)
	colors := make([]string, 100)
	for i := range ids {
		ids[i], colors[i] = int64(i+1), "r"
	}
	b := batch(schema, ids, colors)
	for i := range ids {
		g.Append(b, i)
	}
	g.State = segment.Flushed
	g.SetIndex(segment.IndexRef{Name: "ix", Field: schema.Fields[2].ID, Type: "HNSW", Key: "blind"})
	// The segment is not in the replica's state, so its background loop
	// would drop the planted index from the cache: stop it first (its exit
	// closes the cache, which this test then reopens with the one index).
	r.stop()
	<-r.done
	r.indexes.mu.Lock()
	r.indexes.m, r.indexes.closed = map[string]*loadedIndex{"blind": {ix: blindIndex{}}}, false
	r.indexes.mu.Unlock()
	req := &SearchRequest{AnnsField: 2, Vectors: [][]float32{{5, 0}}, TopK: 1, GroupField: -1, IndexName: "ix"}
	cases := []struct {
		filter string
		found  bool
	}{
		{"id in [5, 6]", true}, // 2% of the rows: exact scan
		{"id > 3", false},      // 97%: the index
		{"", false},            // no filter: the index
	}
	for _, tc := range cases {
		var spec ReadSpec
		if tc.filter != "" {
			var err error
			if spec.Filter, err = expr.Compile(tc.filter, schema, nil); err != nil {
				t.Fatal(err)
			}
		}
		hits, err := r.searchSegment(g, spec, req, index.MetricL2, r.guard(t.Context()))
		if err != nil {
			t.Fatal(err)
		}
		got := len(hits[0]) == 1 && hits[0][0].ID == 4 // row 4 holds id 5
		if got != tc.found {
			t.Errorf("filter %q: hits %v, want exact hit %v", tc.filter, hits[0], tc.found)
		}
	}
}
