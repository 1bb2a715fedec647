package storagetest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/raftvec/raftvec/storage"
)

// NewStore returns a fresh, empty store and registers its own cleanup
// (Close must be idempotent: the Close test closes the store first).
type NewStore func(t *testing.T) storage.ObjectStore

// Run runs every conformance test as a subtest, each on its own store.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.ObjectStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"OddValidKeys", testOddValidKeys},
		{"BuffersNotShared", testBuffersNotShared},
		{"Overwrite", testOverwrite},
		{"IdempotentOverwrite", testIdempotentOverwrite},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"List", testList},
		{"ListPrefixIsNotSegment", testListPrefixIsNotSegment},
		{"InvalidKeys", testInvalidKeys},
		{"ConcurrentDifferentKeys", testConcurrentDifferentKeys},
		{"ConcurrentSameKey", testConcurrentSameKey},
		{"ContextDone", testContextDone},
		{"ContextCancelMidPut", testContextCancelMidPut},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// since is when the suite's process started, to sanity-check ModTime.
var since = time.Now()

func testRoundTrip(t *testing.T, s storage.ObjectStore) {
	objs := map[string][]byte{
		"rt/empty":      {},
		"rt/small":      []byte("hello, Dave"),
		"rt/deep/a/b/c": randBytes(1, 4096),
		"rt/big":        randBytes(2, 5<<20),
	}
	for k, v := range objs {
		mustPut(t, s, k, v)
	}
	for k, v := range objs {
		mustGetEqual(t, s, k, v)
		checkStat(t, s, k, int64(len(v)))
	}
}

func testBuffersNotShared(t *testing.T, s storage.ObjectStore) {
	in := []byte("original")
	mustPut(t, s, "buf/x", in)
	copy(in, "MUTATED!")
	out := mustGet(t, s, "buf/x")
	if string(out) != "original" {
		t.Fatalf("Get after mutating Put's buffer = %q, want %q", out, "original")
	}
	copy(out, "MUTATED!")
	mustGetEqual(t, s, "buf/x", []byte("original"))
}

func testOverwrite(t *testing.T, s storage.ObjectStore) {
	mustPut(t, s, "ow/k", randBytes(3, 100_000))
	v2 := []byte("short")
	mustPut(t, s, "ow/k", v2)
	mustGetEqual(t, s, "ow/k", v2)
	checkStat(t, s, "ow/k", int64(len(v2)))
	mustPut(t, s, "ow/k", nil)
	mustGetEqual(t, s, "ow/k", nil)
	checkStat(t, s, "ow/k", 0)
}

func testIdempotentOverwrite(t *testing.T, s storage.ObjectStore) {
	v := randBytes(4, 70_000)
	for range 3 {
		mustPut(t, s, "idem/chunk", bytes.Clone(v))
	}
	mustGetEqual(t, s, "idem/chunk", v)
	checkList(t, s, "idem/", "idem/chunk")
}

func testNotFound(t *testing.T, s storage.ObjectStore) {
	ctx := context.Background()
	mustPut(t, s, "nf/dir/obj", []byte("x"))
	for _, k := range []string{"missing", "nf/missing", "nf/dir", "nf/dir/obj/below", "nf/di"} {
		if _, err := s.Get(ctx, k); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", k, err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", k, err)
		}
	}
}

func testDelete(t *testing.T, s storage.ObjectStore) {
	ctx := context.Background()
	mustPut(t, s, "del/a", []byte("a"))
	mustPut(t, s, "del/dir/b", []byte("b"))
	for _, k := range []string{"del/a", "del/a", "del/missing", "del/dir", "nothing/here"} {
		if err := s.Delete(ctx, k); err != nil {
			t.Errorf("Delete(%q) = %v, want nil", k, err)
		}
	}
	if _, err := s.Get(ctx, "del/a"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "del/a"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
	}
	mustGetEqual(t, s, "del/dir/b", []byte("b"))
	checkList(t, s, "del/", "del/dir/b")
	if err := s.Delete(ctx, "del/dir/b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkList(t, s, "")
	mustPut(t, s, "del/dir/b", []byte("again")) // parents may have been removed
	mustGetEqual(t, s, "del/dir/b", []byte("again"))
}

func testClose(t *testing.T, s storage.ObjectStore) {
	ctx := context.Background()
	mustPut(t, s, "close/x", []byte("x"))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, getErr := s.Get(ctx, "close/x")
	_, statErr := s.Stat(ctx, "close/x")
	_, listErr := s.List(ctx, "")
	errs := map[string]error{
		"Put": s.Put(ctx, "close/y", nil), "Get": getErr, "Stat": statErr,
		"List": listErr, "Delete": s.Delete(ctx, "close/x"),
	}
	for op, err := range errs {
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", op, err)
		}
	}
}

func randBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
