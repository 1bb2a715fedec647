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

// testContextDone: a call whose context is already done fails with the
// context's error and changes nothing.
func testContextDone(t *testing.T, s storage.ObjectStore) {
	mustPut(t, s, "ctx/keep", []byte("keep"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, getErr := s.Get(ctx, "ctx/keep")
	_, statErr := s.Stat(ctx, "ctx/keep")
	_, listErr := s.List(ctx, "ctx/")
	errs := map[string]error{
		"Put": s.Put(ctx, "ctx/new", []byte("new")), "Get": getErr, "Stat": statErr,
		"List": listErr, "Delete": s.Delete(ctx, "ctx/keep"),
	}
	for op, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with cancelled context = %v, want context.Canceled", op, err)
		}
	}
	checkList(t, s, "ctx/", "ctx/keep")
	mustGetEqual(t, s, "ctx/keep", []byte("keep"))

	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if _, err := s.Get(dctx, "ctx/keep"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get past deadline = %v, want context.DeadlineExceeded", err)
	}
	if err := s.Put(dctx, "ctx/keep", []byte("changed")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Put past deadline = %v, want context.DeadlineExceeded", err)
	}
	mustGetEqual(t, s, "ctx/keep", []byte("keep"))
}

// testContextCancelMidPut cancels 5 MiB Puts at random moments (up to
// 4 ms in the first round, doubling each round, so that both outcomes
// occur): each Put either succeeds (and the new value is stored) or fails
// with context.Canceled (and the old or the new value is stored, whole).
func testContextCancelMidPut(t *testing.T, s storage.ObjectStore) {
	const key = "ctx/mid"
	r := rand.New(rand.NewPCG(7, 7))
	old := randBytes(10, 5<<20)
	mustPut(t, s, key, old)
	const rounds = 8
	cancelled := 0
	for i := range rounds {
		next := randBytes(uint64(11+i), 5<<20)
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(time.Duration(r.IntN(4000<<i))*time.Microsecond, cancel)
		err := s.Put(ctx, key, next)
		timer.Stop()
		cancel()
		got := mustGet(t, s, key)
		switch {
		case err == nil && !bytes.Equal(got, next):
			t.Fatalf("round %d: Put succeeded but Get returns other bytes", i)
		case err != nil && !errors.Is(err, context.Canceled):
			t.Fatalf("round %d: Put = %v, want nil or context.Canceled", i, err)
		case !bytes.Equal(got, next) && !bytes.Equal(got, old):
			t.Fatalf("round %d: object torn after cancelled Put (%d bytes)", i, len(got))
		}
		if err != nil {
			cancelled++
		}
		old = got
	}
	t.Logf("%d of %d Puts cancelled mid-flight", cancelled, rounds)
}
