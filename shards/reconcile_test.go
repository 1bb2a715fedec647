package shards

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/raftvec/raftvec/coordinator"
)

// viewSeq is a test host's metadata view: the views set by setView, read
// in turn (the last one stays), safe for the host's goroutines to read
// while a test changes them.
type viewSeq struct {
	mu sync.Mutex
	vs []func() *coordinator.View
	i  int
}

func (s *viewSeq) view() *coordinator.View {
	s.mu.Lock()
	if len(s.vs) == 0 {
		s.mu.Unlock()
		return nil // no coordinator
	}
	s.i++
	next := s.vs[min(s.i-1, len(s.vs)-1)]
	s.mu.Unlock()
	return next() // unlocked: a view func may call back into the host
}

// hostViews maps each testHost to its viewSeq.
var hostViews sync.Map

// setView makes h read the views vs in turn (the last one stays).
func setView(h *Host, vs ...func() *coordinator.View) {
	seq, ok := hostViews.Load(h)
	if !ok {
		panic("setView on a host not made by testHost")
	}
	s := seq.(*viewSeq)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vs, s.i = vs, 0
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

func TestReconcileRemovesDroppedShards(t *testing.T) {
	h, dir := testHost(t)
	c := testCollection(t) // ID 7
	if err := h.Ensure(c); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"shard-5-0", "shard-500-0", "shard-x", "other"} { // 5: left by a crash; 500: not yet created here
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Collection 7 dropped (next ID 100 > 7), nothing else exists.
	setView(h, func() *coordinator.View { return coordinator.NewView(2, 100, nil) })
	if err := h.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if len(h.Replicas()) != 0 {
		t.Fatalf("replicas after the drop: %d", len(h.Replicas()))
	}
	for d, want := range map[string]bool{"shard-7-0": false, "shard-5-0": false, "shard-500-0": true, "shard-x": true, "other": true} {
		if got := exists(t, filepath.Join(dir, d)); got != want {
			t.Errorf("%s exists %v, want %v", d, got, want)
		}
	}
	if _, err := h.Replica(c, 0); err == nil {
		t.Fatal("a dropped collection's shard was opened again")
	}
}

// TestReconcileKeepsConcurrentlyOpenedShard pins defect 1 of issue 10: a
// reconcile that read its metadata before a collection was created must
// not delete the shard opened for it meanwhile (the shard went on running
// on a deleted raft.db and every acknowledged write was lost on restart).
func TestReconcileKeepsConcurrentlyOpenedShard(t *testing.T) {
	h, dir := testHost(t)
	c := testCollection(t)                   // ID 7
	before := coordinator.NewView(1, 7, nil) // read just before c was created
	after := coordinator.NewView(2, 8, []*coordinator.Collection{c})
	setView(h, func() *coordinator.View {
		// The create lands while this reconcile holds the older view.
		if err := h.Ensure(c); err != nil {
			t.Error(err)
		}
		return before
	}, func() *coordinator.View { return after })
	if err := h.Reconcile(); err != nil {
		t.Fatal(err)
	}
	r, err := h.Replica(c, 0)
	if err != nil || len(h.Replicas()) != 1 {
		t.Fatalf("replica after reconcile: %v (%d open)", err, len(h.Replicas()))
	}
	if !exists(t, filepath.Join(dir, "shard-7-0", "raft.db")) {
		t.Fatal("the open shard's raft.db was deleted")
	}
	if _, _, err := r.Write(context.Background(), 1, batch(&c.Schema, []int64{1}, []string{"r"}), false); err != nil {
		t.Fatal(err)
	}
	// A reconcile with a stale view (before the create) changes nothing either.
	setView(h, func() *coordinator.View { return before })
	if err := h.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if len(h.Replicas()) != 1 || !exists(t, filepath.Join(dir, "shard-7-0", "raft.db")) {
		t.Fatal("a stale view removed a shard created after it")
	}
}

// TestReconcileRemovesMovedShard: a shard placed on other nodes is closed
// and its data deleted.
func TestReconcileRemovesMovedShard(t *testing.T) {
	h, dir := testHost(t)
	c := testCollection(t)
	if err := h.Ensure(c); err != nil {
		t.Fatal(err)
	}
	moved := c.Clone()
	moved.Shards[0].Replicas = []string{"n2"}
	setView(h, func() *coordinator.View { return coordinator.NewView(3, 8, []*coordinator.Collection{moved}) })
	if err := h.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if len(h.Replicas()) != 0 || exists(t, filepath.Join(dir, "shard-7-0")) {
		t.Fatalf("moved shard still here: %d replicas", len(h.Replicas()))
	}
}

// TestReconcileSkipsCollectionDroppedWhileOpening: a reconcile lists the
// collections of one view and opens their shards; a collection dropped in
// between (the open sees a newer view) is skipped, not an error. A node
// joining with empty data during collection churn failed its start-up so
// (Jepsen membership fault).
func TestReconcileSkipsCollectionDroppedWhileOpening(t *testing.T) {
	h, _ := testHost(t)
	c := testCollection(t) // ID 7
	listed := coordinator.NewView(1, 8, []*coordinator.Collection{c})
	dropped := coordinator.NewView(2, 9, nil)
	setView(h, func() *coordinator.View { return listed }, func() *coordinator.View { return dropped })
	if err := h.Reconcile(); err != nil {
		t.Fatalf("reconcile with a collection dropped meanwhile: %v", err)
	}
	if len(h.Replicas()) != 0 {
		t.Fatalf("%d replicas of a dropped collection open", len(h.Replicas()))
	}
}
