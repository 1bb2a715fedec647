package shards

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/storage"
)

// memStore is an in-memory ObjectStore that can be made to fail.
type memStore struct {
	mu   sync.Mutex
	objs map[string][]byte
	down bool
}

func (m *memStore) Put(_ context.Context, key string, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errors.New("object storage down")
	}
	m.objs[key] = append([]byte(nil), b...)
	return nil
}

func (m *memStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	if !ok || m.down {
		return nil, errors.New("not found")
	}
	return b, nil
}

func (m *memStore) List(_ context.Context, prefix string) ([]storage.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []storage.ObjectInfo
	for k, b := range m.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, storage.ObjectInfo{Key: k, Size: int64(len(b))})
		}
	}
	return out, nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
	return nil
}

func (m *memStore) keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.objs {
		out = append(out, k)
	}
	return out
}

func TestFlusherChunksSealsAndSurvivesStorageOutage(t *testing.T) {
	h, _ := testHost(t)
	store := &memStore{objs: map[string][]byte{}, down: true}
	h.cfg.Lifecycle = Lifecycle{Store: store, Root: "files", ChunkSize: 200, SealSize: 1000, MaxBacklog: 1 << 20,
		MaxSegmentSize: 1 << 30, CompactionRatio: 0.2}
	c := testCollection(t)
	r, err := h.Replica(c, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids := make([]int64, 60)
	colors := make([]string, 60)
	for i := range ids {
		ids[i], colors[i] = int64(i), "c"
	}
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, ids, colors), false); err != nil {
		t.Fatal(err)
	}
	before, err := r.Query(ctx, ReadSpec{}, nil, []int{1, 2}, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	// Storage down: the step fails, nothing is recorded, data stays.
	if err := h.lifecycleStep(ctx, r, time.Now()); err == nil {
		t.Fatal("flush with storage down succeeded")
	}
	if segs := r.Segments(); segs[0].FlushedRows != 0 {
		t.Fatalf("chunk recorded without an upload: %+v", segs)
	}
	store.mu.Lock()
	store.down = false
	store.mu.Unlock()
	for i := 0; i < 5; i++ {
		if err := h.lifecycleStep(ctx, r, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	segs := r.Segments()
	if len(segs) != 1 || segs[0].State != "Flushed" || segs[0].FlushedRows != 60 || segs[0].Chunks < 2 {
		t.Fatalf("after flushing: %+v", segs)
	}
	for _, k := range segs[0].Keys {
		if !strings.HasPrefix(k, "files/insert_log/7/1/") {
			t.Fatalf("key %q not in the documented layout", k)
		}
		b := store.objs[k]
		if _, _, err := segment.DecodeChunkFile(b); err != nil {
			t.Fatalf("object %s: %v", k, err)
		}
	}
	if len(store.keys()) != len(segs[0].Keys) {
		t.Fatalf("%d objects for %d manifest keys", len(store.keys()), len(segs[0].Keys))
	}
	after, err := r.Query(ctx, ReadSpec{}, nil, []int{1, 2}, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Entities) != len(before.Entities) || after.Entities[59].PK != before.Entities[59].PK {
		t.Fatal("query results changed across sealing and flushing")
	}
	// New writes go to a new growing segment.
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{100}, []string{"c"}), false); err != nil {
		t.Fatal(err)
	}
	if segs := r.Segments(); len(segs) != 2 || segs[1].State != "Growing" {
		t.Fatalf("after a new write: %+v", segs)
	}
}

func TestBacklogLimitRefusesWrites(t *testing.T) {
	h, _ := testHost(t)
	store := &memStore{objs: map[string][]byte{}, down: true}
	h.cfg.Lifecycle = Lifecycle{Store: store, ChunkSize: 1 << 20, SealSize: 1 << 30, MaxBacklog: 100}
	c := testCollection(t)
	r, _ := h.Replica(c, 0)
	r.maxBacklog = 100
	ctx := context.Background()
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{1, 2, 3, 4, 5, 6, 7, 8}, []string{"a", "b", "c", "d", "e", "f", "g", "h"}), false); err != nil {
		t.Fatal(err)
	}
	_ = h.lifecycleStep(ctx, r, time.Now())
	if _, _, err := r.Write(ctx, 1, batch(&c.Schema, []int64{9}, []string{"x"}), false); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("write over the backlog limit: %v", err)
	}
	if n := r.Live(0); n != 8 {
		t.Fatalf("refused write changed data: %d rows", n)
	}
}

func TestPlanCompaction(t *testing.T) {
	seg := func(id, part, rows, deleted, bytes int64, state string) SegmentInfo {
		return SegmentInfo{ID: id, Partition: part, Rows: rows, Deleted: deleted, Bytes: bytes, State: state}
	}
	cases := []struct {
		name string
		segs []SegmentInfo
		want [][]int64
	}{
		{"nothing", []SegmentInfo{seg(1, 1, 10, 0, 100, "Flushed")}, nil},
		{"deleted ratio", []SegmentInfo{seg(1, 1, 10, 2, 100, "Flushed"), seg(2, 1, 10, 1, 600, "Flushed")}, [][]int64{{1}}},
		{"merge small", []SegmentInfo{seg(1, 1, 10, 0, 100, "Flushed"), seg(2, 1, 10, 0, 100, "Flushed"), seg(3, 1, 10, 0, 100, "Flushed")}, [][]int64{{1, 2, 3}}},
		{"size cap", []SegmentInfo{seg(1, 1, 10, 0, 400, "Flushed"), seg(2, 1, 10, 0, 400, "Flushed"), seg(3, 1, 10, 0, 400, "Flushed")}, [][]int64{{1, 2}}},
		{"per partition", []SegmentInfo{seg(1, 1, 10, 0, 100, "Flushed"), seg(2, 2, 10, 0, 100, "Flushed")}, nil},
		{"not flushed", []SegmentInfo{seg(1, 1, 10, 5, 100, "Sealed"), seg(2, 1, 10, 0, 100, "Growing")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := PlanCompaction(tc.segs, 1000, 0.2)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
