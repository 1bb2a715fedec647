package raft

import (
	"errors"
	"testing"

	hraft "github.com/hashicorp/raft"
)

func entry(idx uint64, size int) *hraft.Log {
	return &hraft.Log{Index: idx, Term: 1, Type: hraft.LogCommand, Data: make([]byte, size)}
}

// countingStore counts GetLog calls that reach the store.
type countingStore struct {
	*hraft.InmemStore
	gets int
}

func (s *countingStore) GetLog(idx uint64, out *hraft.Log) error {
	s.gets++
	return s.InmemStore.GetLog(idx, out)
}

// TestLogCacheBoundsBytes: the cache keeps the newest entries up to its
// byte bound, serves them without the store, and empties itself when the
// log is truncated or skips; every entry stays readable from the store.
func TestLogCacheBoundsBytes(t *testing.T) {
	store := &countingStore{InmemStore: hraft.NewInmemStore()}
	c := newLogCache(store, 1000)
	for i := uint64(1); i <= 10; i++ {
		if err := c.StoreLogs([]*hraft.Log{entry(i, 300)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.mu.logs) != 3 || c.mu.bytes != 900 || c.mu.logs[0].Index != 8 {
		t.Fatalf("cache holds %d entries, %d bytes, from %d; want 3, 900, 8", len(c.mu.logs), c.mu.bytes, c.mu.logs[0].Index)
	}
	var l hraft.Log
	for _, tc := range []struct {
		idx       uint64
		fromStore bool
	}{{10, false}, {8, false}, {7, true}, {1, true}} {
		before := store.gets
		if err := c.GetLog(tc.idx, &l); err != nil || l.Index != tc.idx || len(l.Data) != 300 {
			t.Fatalf("GetLog(%d) = %d, %v", tc.idx, l.Index, err)
		}
		if (store.gets > before) != tc.fromStore {
			t.Fatalf("GetLog(%d): store read %v, want %v", tc.idx, store.gets > before, tc.fromStore)
		}
	}
	if err := c.StoreLog(entry(11, 5000)); err != nil || len(c.mu.logs) != 0 {
		t.Fatalf("an entry above the bound: %v, %d cached", err, len(c.mu.logs))
	}
	_ = c.StoreLogs([]*hraft.Log{entry(12, 10), entry(13, 10)})
	if err := c.DeleteRange(13, 13); err != nil || len(c.mu.logs) != 0 {
		t.Fatalf("truncation left %d entries cached (%v)", len(c.mu.logs), err)
	}
	if err := c.GetLog(13, &l); !errors.Is(err, hraft.ErrLogNotFound) {
		t.Fatalf("truncated entry: %v", err)
	}
	_ = c.StoreLogs([]*hraft.Log{entry(20, 10)}) // a gap (after a snapshot install)
	_ = c.StoreLogs([]*hraft.Log{entry(30, 10)})
	if len(c.mu.logs) != 1 || c.mu.logs[0].Index != 30 {
		t.Fatalf("after a gap: %d entries cached", len(c.mu.logs))
	}
}
