package shards

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
)

// visiblePKs runs every read path over spec (query by filter, get by
// keys, count, exact search) and returns the keys each one saw.
func visiblePKs(t *testing.T, r *Replica, spec ReadSpec, keys []any) map[string][]int64 {
	t.Helper()
	ctx := context.Background()
	pks := func(es []Entity) []int64 {
		var out []int64
		for _, e := range es {
			out = append(out, e.PK.(int64))
		}
		slices.Sort(out)
		return out
	}
	out := map[string][]int64{}
	q, err := r.Query(ctx, spec, nil, nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	out["query"] = pks(q.Entities)
	g, err := r.Query(ctx, spec, keys, nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	out["get"] = pks(g.Entities)
	c, err := r.Query(ctx, spec, nil, nil, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	out["count"] = []int64{c.Count}
	s, err := r.Search(ctx, spec, &SearchRequest{AnnsField: 2, Vectors: [][]float32{{0, 0}}, Metric: "L2", TopK: 10, GroupField: -1})
	if err != nil {
		t.Fatal(err)
	}
	var hits []Entity
	for _, h := range s.Hits[0] {
		hits = append(hits, h.Entity)
	}
	out["search"] = pks(hits)
	return out
}

// TestReadFilterExpiry: a read leaves out the rows whose write time + TTL
// is at or before its time, the later of ReadSpec.At (a Strong read's
// leader clock) and the leader time applied on the replica; in growing and
// sealed segments alike, on every read path, and in the segment listing a
// compaction plans from. Rows written after the leader time moved on are
// written at it.
func TestReadFilterExpiry(t *testing.T) {
	_, c, r := testReplica(t)
	ctx := context.Background()
	leaderTime := func() (ms int64) {
		r.fsm.View(func(v fsm.View) { ms = v.LeaderTime() })
		return ms
	}
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{1, 2}, []string{"r", "b"}), false); err != nil {
		t.Fatal(err)
	}
	first := leaderTime() // rows 1 and 2's write time
	if _, _, err := r.propose(ctx, &fsm.Command{Kind: fsm.KindSeal}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{3}, []string{"r"}), false); err != nil {
		t.Fatal(err)
	}
	written := leaderTime() // row 3's
	hour := time.Hour.Milliseconds()
	keys := []any{int64(1), int64(2), int64(3)}
	all := map[string][]int64{"query": {1, 2, 3}, "get": {1, 2, 3}, "count": {3}, "search": {1, 2, 3}}
	none := map[string][]int64{"query": nil, "get": nil, "count": {0}, "search": nil}
	cases := []struct {
		name string
		spec ReadSpec
		want map[string][]int64
	}{
		{"no ttl", ReadSpec{At: written + 10*hour}, all},
		{"ttl not reached", ReadSpec{TTL: hour, At: first + hour - 1}, all},
		{"ttl reached at the read's time", ReadSpec{TTL: hour, At: written + hour}, none},
		{"the log's time when later", ReadSpec{TTL: hour, At: 1}, all},
	}
	for _, tc := range cases {
		if got := visiblePKs(t, r, tc.spec, keys); !equalPKs(got, tc.want) {
			t.Errorf("%s: saw %v, want %v", tc.name, got, tc.want)
		}
	}
	// A tick moves the log's time: reads without a read index see it.
	if err := r.Tick(ctx, time.UnixMilli(written+hour)); err != nil {
		t.Fatal(err)
	}
	if got := visiblePKs(t, r, ReadSpec{TTL: hour}, keys); !equalPKs(got, none) {
		t.Errorf("after a tick: saw %v, want none", got)
	}
	// A row written now is written at the leader time, not the older clock.
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{4}, []string{"r"}), false); err != nil {
		t.Fatal(err)
	}
	if got := visiblePKs(t, r, ReadSpec{TTL: hour}, []any{int64(4)}); !slices.Equal(got["query"], []int64{4}) {
		t.Errorf("a row written after the tick: saw %v", got)
	}
	// The listing counts expired rows per segment and names them.
	var expired int64
	for _, s := range r.SegmentsAt(hour, 0) {
		expired += s.Expired
		if s.Expired > 0 {
			flags := roaring.New()
			if _, err := flags.FromBuffer(s.ExpiredFlags); err != nil || int64(flags.GetCardinality()) != s.Expired {
				t.Errorf("segment %d: %d expired, flags %v (%v)", s.ID, s.Expired, flags, err)
			}
		}
	}
	if expired != 3 {
		t.Errorf("segments list %d expired rows, want 3", expired)
	}
	if plans := PlanCompaction(flushedCopy(r.SegmentsAt(hour, 0)), 0, 0.2); len(plans) != 2 {
		t.Errorf("compaction plans %v, want both segments with expired rows", plans)
	}
}

// flushedCopy marks every segment Flushed (what PlanCompaction considers).
func flushedCopy(segs []SegmentInfo) []SegmentInfo {
	out := slices.Clone(segs)
	for i := range out {
		out[i].State = "Flushed"
	}
	return out
}

func equalPKs(a, b map[string][]int64) bool {
	for k, v := range b {
		if !slices.Equal(a[k], v) {
			return false
		}
	}
	return len(a) == len(b)
}

// TestStrongReadExpiresAtLeaderClock: a Strong read evaluates expiry at
// the leader's clock when it granted the read index, so a row is gone for
// it as soon as its TTL has passed, with no log entry since.
func TestStrongReadExpiresAtLeaderClock(t *testing.T) {
	_, c, r := testReplica(t)
	ctx := context.Background()
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{1}, []string{"r"}), false); err != nil {
		t.Fatal(err)
	}
	count := func(level string, ttl int64) int64 {
		t.Helper()
		q, _, err := r.ServeRead(ctx, ReadArgs{Opts: ReadOptions{Consistency: level}, TTL: ttl, Query: &QueryRequest{CountOnly: true}})
		if err != nil {
			t.Fatal(err)
		}
		return q.Count
	}
	var written int64
	r.fsm.View(func(v fsm.View) { written = v.LeaderTime() })
	time.Sleep(50 * time.Millisecond) // past a 20 ms TTL by any clock
	for _, tc := range []struct {
		level string
		ttl   int64
		want  int64
	}{
		{coordinator.Strong, time.Hour.Milliseconds(), 1},
		{coordinator.Strong, 20, 0},
	} {
		if got := count(tc.level, tc.ttl); got != tc.want {
			t.Errorf("%s read, ttl %d ms: count %d, want %d", tc.level, tc.ttl, got, tc.want)
		}
	}
	// An Eventually read goes by the log's time alone: the row stays
	// until an entry (an idle leader's tick) carries a time past its TTL.
	// (The replica's loop may tick meanwhile, so the answer must agree with
	// the leader time before or after the read.)
	leaderTime := func() (ms int64) {
		r.fsm.View(func(v fsm.View) { ms = v.LeaderTime() })
		return ms
	}
	before := leaderTime()
	got := count(coordinator.Eventually, 20)
	after := leaderTime()
	if !(got == 1 && before < written+20) && !(got == 0 && after >= written+20) {
		t.Errorf("Eventually read between leader times %d and %d (row written at %d), ttl 20 ms: count %d", before, after, written, got)
	}
}
