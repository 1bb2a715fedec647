package storagetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/raftvec/raftvec/storage"
)

func mustPut(t *testing.T, s storage.ObjectStore, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, data); err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, len(data), err)
	}
}

func mustGet(t *testing.T, s storage.ObjectStore, key string) []byte {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return got
}

func mustGetEqual(t *testing.T, s storage.ObjectStore, key string, want []byte) {
	t.Helper()
	if got := mustGet(t, s, key); !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %d bytes %.16q..., want %d bytes %.16q...", key, len(got), got, len(want), want)
	}
}

func checkStat(t *testing.T, s storage.ObjectStore, key string, size int64) {
	t.Helper()
	info, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if info.Key != key || info.Size != size {
		t.Errorf("Stat(%q) = key %q size %d, want size %d", key, info.Key, info.Size, size)
	}
	checkModTime(t, key, info.ModTime)
}

// checkModTime allows an hour of clock skew between client and server.
func checkModTime(t *testing.T, key string, mt time.Time) {
	t.Helper()
	if mt.Before(since.Add(-time.Hour)) || mt.After(time.Now().Add(time.Hour)) {
		t.Errorf("%q: ModTime %v implausible (suite started %v)", key, mt, since)
	}
}

// checkList asserts List(prefix) returns exactly keys, in that order.
func checkList(t *testing.T, s storage.ObjectStore, prefix string, keys ...string) []storage.ObjectInfo {
	t.Helper()
	infos, err := s.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	got := make([]string, len(infos))
	for i, in := range infos {
		got[i] = in.Key
	}
	if !slices.Equal(got, keys) {
		t.Fatalf("List(%q) = %q, want %q", prefix, got, keys)
	}
	return infos
}
