package shards

import (
	"context"
	"testing"
	"time"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/fsm"
)

// TestCountMatchesQuery: count(*) (Query with countOnly, which counts
// without collecting rows) sees exactly the rows a query returns, with
// and without a filter, with deleted rows, expired rows and rows both
// deleted and expired.
func TestCountMatchesQuery(t *testing.T) {
	_, c, r := testReplica(t)
	ctx := context.Background()
	var first int64
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{1, 2, 3}, []string{"r", "b", "r"}), false); err != nil {
		t.Fatal(err)
	}
	r.fsm.View(func(v fsm.View) { first = v.LeaderTime() })
	if _, _, err := r.propose(ctx, &fsm.Command{Kind: fsm.KindSeal}); err != nil {
		t.Fatal(err)
	}
	hour := time.Hour.Milliseconds()
	if err := r.Tick(ctx, time.UnixMilli(first+hour/2)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{4, 5, 6}, []string{"r", "b", "r"}), false); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"id == 2", "id == 5"} { // one also expires, one does not
		if _, _, err := r.Delete(ctx, 0, f, nil); err != nil {
			t.Fatal(err)
		}
	}
	red, err := expr.Compile(`color == "r"`, &c.Schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		spec ReadSpec
		want int64
	}{
		{"all live", ReadSpec{}, 4},
		{"filtered", ReadSpec{Filter: red}, 4},
		{"first segment expired", ReadSpec{TTL: hour, At: first + hour}, 2},
		{"filtered and expired", ReadSpec{Filter: red, TTL: hour, At: first + hour}, 2},
		{"everything expired", ReadSpec{TTL: hour, At: first + 2*hour}, 0},
	} {
		q, err := r.Query(ctx, tc.spec, nil, nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		n, err := r.Query(ctx, tc.spec, nil, nil, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		if n.Count != int64(len(q.Entities)) || n.Count != tc.want {
			t.Errorf("%s: count %d, query %d rows, want %d", tc.name, n.Count, len(q.Entities), tc.want)
		}
	}
}
