package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/local"
	"github.com/raftvec/raftvec/storage/storagetest"
)

// opLog records what an instrumented store reports.
type opLog struct {
	mu     sync.Mutex
	calls  map[string]int
	failed map[string]int
	bytes  map[string]int64
}

func newOpLog() *opLog {
	return &opLog{calls: map[string]int{}, failed: map[string]int{}, bytes: map[string]int64{}}
}

func (l *opLog) ObserveOp(op string, n int64, d time.Duration, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[op]++
	l.bytes[op] += n
	if failed {
		l.failed[op]++
	}
	if d < 0 {
		panic("negative duration")
	}
}

func newLocal(t *testing.T) storage.ObjectStore {
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The decorator is a conforming store itself.
func TestInstrumentedConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.ObjectStore {
		return storage.Instrument(newLocal(t), newOpLog())
	})
}

func TestInstrumentCounts(t *testing.T) {
	ctx := context.Background()
	log := newOpLog()
	s := storage.Instrument(newLocal(t), log)
	if _, ok := s.(storage.Filer); !ok {
		t.Fatal("an instrumented local store is no longer a storage.Filer")
	}
	key := storage.InsertLogKey("m", 1, 2, 3, 4, 0)
	if err := s.Put(ctx, key, []byte("dave")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Get(ctx, key); err != nil || string(b) != "dave" {
		t.Fatalf("get %q %v", b, err)
	}
	if _, err := s.Get(ctx, key+"x"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing get: %v", err)
	}
	if _, err := s.Stat(ctx, key); err != nil {
		t.Fatal(err)
	}
	if objs, err := s.List(ctx, "m/"); err != nil || len(objs) != 1 {
		t.Fatalf("list %v %v", objs, err)
	}
	if err := s.Put(ctx, "bad//key", []byte("x")); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("bad key: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"put": 2, "get": 2, "stat": 1, "list": 1, "delete": 1}
	for op, n := range want {
		if log.calls[op] != n {
			t.Errorf("%s calls %d, want %d", op, log.calls[op], n)
		}
	}
	// A missing object is not a failure; a refused key is.
	if log.failed["get"] != 0 || log.failed["put"] != 1 {
		t.Errorf("failed %v, want one put", log.failed)
	}
	if log.bytes["put"] != 4 || log.bytes["get"] != 4 {
		t.Errorf("bytes %v, want 4 put and 4 got", log.bytes)
	}
	if storage.Instrument(nil, log) != nil {
		t.Error("instrumenting no store made one")
	}
}
