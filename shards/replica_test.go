package shards

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/segment"
)

func testHost(t *testing.T) (*Host, string) {
	t.Helper()
	dir := t.TempDir()
	return testHostAt(t, dir), dir
}

// testHostAt opens a one-node Host (node n1) on dir: a second one on the
// same dir, once the first is closed, is that node restarted.
func testHostAt(t *testing.T, dir string) *Host {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := raft.NewMux(ln, hclog.NewNullLogger())
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = mux.Serve(ctx) }()
	views := &viewSeq{}
	h := NewHost(Config{Dir: dir, Logger: hclog.NewNullLogger(), View: views.view, Raft: raft.Config{ID: "n1",
		HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond}}, mux, nil)
	hostViews.Store(h, views)
	t.Cleanup(func() { _ = h.Close(); cancel(); _ = mux.Close(); hostViews.Delete(h) })
	return h
}

// testReplica opens shard 0 of testCollection on a one-node testHost.
func testReplica(t *testing.T) (*Host, *coordinator.Collection, *Replica) {
	t.Helper()
	h, _ := testHost(t)
	c := testCollection(t)
	r, err := h.Replica(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h, c, r
}

func testCollection(t *testing.T) *coordinator.Collection {
	s := segment.Schema{Name: "c", Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "color", Type: segment.TypeVarChar, MaxLength: 8},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 2},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return &coordinator.Collection{ID: 7, Name: "c", Schema: s, ShardsNum: 1, Consistency: coordinator.Strong,
		Shards: []coordinator.ShardPlacement{{Replicas: []string{"n1"}, Initial: []string{"n1"}}}}
}

func batch(s *segment.Schema, ids []int64, colors []string) *segment.Batch {
	b := segment.NewBatch(s)
	for i, id := range ids {
		b.Columns[0].AppendValue(id)
		b.Columns[1].AppendValue(colors[i])
		b.Columns[2].AppendValue([]float32{float32(id), 0})
	}
	return b
}

func TestReplicaWriteQuerySearch(t *testing.T) {
	_, c, r := testReplica(t)
	ctx := context.Background()
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{1, 2, 3, 4, 5}, []string{"r", "b", "r", "b", "r"}), false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{6, 3}, []string{"r", "r"}), false); !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("duplicate insert: %v", err)
	}
	if n, _, err := r.Delete(ctx, 0, "id == 1", nil); err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	if err := r.Gate(ctx, coordinator.Strong, ""); err != nil {
		t.Fatal(err)
	}
	red, err := expr.Compile(`color == "r"`, &c.Schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := r.Query(ctx, ReadSpec{Filter: red}, nil, []int{1}, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Entities) != 2 || q.Entities[0].PK != int64(3) || q.Entities[1].PK != int64(5) {
		t.Fatalf("query red: %+v", q.Entities)
	}
	if cnt, err := r.Query(ctx, ReadSpec{}, nil, nil, 0, true); err != nil || cnt.Count != 4 || r.Live(0) != 4 {
		t.Fatalf("count %d live %d: %v", cnt.Count, r.Live(0), err)
	}
	req := &SearchRequest{AnnsField: 2, Vectors: [][]float32{{0, 0}}, Metric: "L2", TopK: 2, GroupField: -1}
	res, err := r.Search(ctx, ReadSpec{Filter: red}, req)
	if err != nil {
		t.Fatal(err)
	}
	if hits := res.Hits[0]; len(hits) != 2 || hits[0].PK != int64(3) || hits[0].Distance != 9 || hits[1].PK != int64(5) {
		t.Fatalf("filtered, deletion-aware search: %+v", hits)
	}
	req = &SearchRequest{AnnsField: 2, Vectors: [][]float32{{0, 0}}, Metric: "L2", TopK: 2, GroupField: 1, GroupSize: 1}
	res, err = r.Search(ctx, ReadSpec{}, req)
	if err != nil {
		t.Fatal(err)
	}
	if hits := res.Hits[0]; len(hits) != 2 || hits[0].PK != int64(2) || hits[1].PK != int64(3) {
		t.Fatalf("grouping search: %+v", hits)
	}
}

func TestGateSessionToken(t *testing.T) {
	h, _ := testHost(t)
	c := testCollection(t)
	r, _ := h.Replica(c, 0)
	ctx := context.Background()
	_, idx, err := r.Write(ctx, 1, batch(&c.Schema, []int64{1}, []string{"r"}), false)
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := r.Gate(tctx, coordinator.Session, "999999"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a token from the future must time out: %v", err)
	}
	if err := r.Gate(ctx, coordinator.Session, strconv.FormatUint(idx, 10)); err != nil {
		t.Fatal(err)
	}
	if err := r.Gate(ctx, coordinator.Session, "x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad token: %v", err)
	}
}

// TestBoundedFreshness: a Bounded read is served without a read index only
// while the last leader tick applied here is within the staleness bound.
func TestBoundedFreshness(t *testing.T) {
	h, _ := testHost(t)
	c := testCollection(t)
	r, _ := h.Replica(c, 0)
	now := time.Now()
	if r.fresh(now) {
		t.Fatal("fresh before any tick")
	}
	if err := r.Tick(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	if !r.fresh(now.Add(r.bound - time.Second)) {
		t.Fatal("not fresh within the bound")
	}
	if r.fresh(now.Add(r.bound + time.Second)) {
		t.Fatal("fresh past the bound")
	}
	if err := r.Gate(context.Background(), coordinator.Bounded, ""); err != nil {
		t.Fatal(err)
	}
}

// TestProposeAfterDeadlineIsRejected: a forwarded proposal that arrives
// after its deadline (it sat in a paused node's socket while its client
// gave up and wrote again) must not enter the log; the reply says "not
// applied". Found by the Jepsen session workload under SIGSTOP.
func TestProposeAfterDeadlineIsRejected(t *testing.T) {
	h, c, r := testReplica(t)
	if err := r.Gate(context.Background(), coordinator.Strong, ""); err != nil {
		t.Fatal(err)
	}
	cmd := &fsm.Command{Kind: fsm.KindInsert, Partition: 1, Rows: batch(&c.Schema, []int64{7}, []string{"r"})}
	svc := h.Service()
	var reply ProposeReply
	past := ProposeArgs{Group: r.Name, Data: cmd.Encode(), Deadline: time.Now().Add(-time.Millisecond).UnixNano()}
	if err := decodeErr(svc.Propose(past, &reply)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("expired proposal: %v, want ErrUnavailable", err)
	}
	if n := r.Live(1); n != 0 {
		t.Fatalf("expired proposal applied: %d live rows", n)
	}
	future := past
	future.Deadline = time.Now().Add(5 * time.Second).UnixNano()
	if err := decodeErr(svc.Propose(future, &reply)); err != nil || reply.Count != 1 {
		t.Fatalf("proposal within its deadline: %v (count %d)", err, reply.Count)
	}
	if n := r.Live(1); n != 1 {
		t.Fatalf("live rows after the valid proposal: %d, want 1", n)
	}
}
