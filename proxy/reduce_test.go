package proxy

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/shards"
)

func hit(pk any, d float32, g any) shards.Hit {
	return shards.Hit{Entity: shards.Entity{PK: pk}, Distance: d, Group: g}
}

func fmtHits(hs []shards.Hit) string {
	var out []string
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%v:%v", h.PK, h.Distance))
	}
	return strings.Join(out, " ")
}

func TestMergeHits(t *testing.T) {
	a := []shards.Hit{hit(int64(1), 0.1, "x"), hit(int64(3), 0.5, "y"), hit(int64(5), 0.9, "x")}
	b := []shards.Hit{hit(int64(2), 0.2, "y"), hit(int64(4), 0.5, "z"), hit(int64(6), 0.7, "x")}
	tests := []struct {
		name                 string
		metric               string
		offset, limit, group int
		grouped              bool
		want                 string
	}{
		{"L2 top3", "L2", 0, 3, 1, false, "1:0.1 2:0.2 3:0.5"},
		{"L2 tie by pk", "L2", 2, 2, 1, false, "3:0.5 4:0.5"},
		{"IP larger first", "IP", 0, 2, 1, false, "5:0.9 6:0.7"},
		{"COSINE offset past end", "COSINE", 10, 2, 1, false, ""},
		{"groups of 2", "L2", 0, 2, 2, true, "1:0.1 6:0.7 2:0.2 3:0.5"},
		{"groups of 1 offset 1", "L2", 1, 5, 1, true, "2:0.2 4:0.5"},
		{"IP groups", "IP", 0, 1, 3, true, "5:0.9 6:0.7 1:0.1"},
	}
	for _, tt := range tests {
		got := fmtHits(mergeHits(tt.metric, [][]shards.Hit{a, b}, tt.offset, tt.limit, tt.group, tt.grouped))
		if got != tt.want {
			t.Errorf("%s: got %q want %q", tt.name, got, tt.want)
		}
	}
}

func TestMergeQuery(t *testing.T) {
	ents := func(pks ...any) shards.QueryResult {
		var r shards.QueryResult
		for _, pk := range pks {
			r.Entities = append(r.Entities, shards.Entity{PK: pk})
		}
		return r
	}
	tests := []struct {
		res           []shards.QueryResult
		offset, limit int
		want          string
	}{
		{[]shards.QueryResult{ents(int64(2), int64(10)), ents(int64(1), int64(3))}, 0, 0, "1 2 3 10"},
		{[]shards.QueryResult{ents(int64(2), int64(10)), ents(int64(1), int64(3))}, 1, 2, "2 3"},
		{[]shards.QueryResult{ents("b", "d"), ents("a", "c")}, 3, 5, "d"},
		{[]shards.QueryResult{{}, {}}, 0, 5, ""},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range ReduceQuery(tt.res, tt.offset, tt.limit) {
			got = append(got, fmt.Sprint(e.PK))
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("got %v want %q", got, tt.want)
		}
	}
	if n := sumCounts([]shards.QueryResult{{Count: 3}, {Count: 4}}); n != 7 {
		t.Errorf("count %d", n)
	}
}

// TestMergeHitsDropsNaN: a NaN distance (e.g. a cosine of overflowing
// vectors) is dropped as index.Merge drops it, so it cannot disorder the
// sort or reach the encoder.
func TestMergeHitsDropsNaN(t *testing.T) {
	nan := float32(math.NaN())
	lists := [][]shards.Hit{
		{{Entity: shards.Entity{PK: int64(1)}, Distance: 1}, {Entity: shards.Entity{PK: int64(2)}, Distance: nan}},
		{{Entity: shards.Entity{PK: int64(3)}, Distance: nan}, {Entity: shards.Entity{PK: int64(4)}, Distance: 0.5}},
	}
	got := mergeHits("L2", lists, 0, 10, 1, false)
	if len(got) != 2 || got[0].PK != int64(4) || got[1].PK != int64(1) {
		t.Errorf("merged %+v", got)
	}
}
