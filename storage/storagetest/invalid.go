package storagetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/storage"
)

func testInvalidKeys(t *testing.T, s storage.ObjectStore) {
	ctx := context.Background()
	for _, k := range InvalidKeys() {
		_, getErr := s.Get(ctx, k)
		_, statErr := s.Stat(ctx, k)
		errs := map[string]error{
			"Put": s.Put(ctx, k, []byte("x")), "Get": getErr, "Stat": statErr,
			"Delete": s.Delete(ctx, k),
		}
		for op, err := range errs {
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("%s(%.40q) = %v, want ErrInvalidKey", op, k, err)
			}
		}
	}
	for _, p := range InvalidPrefixes() {
		if _, err := s.List(ctx, p); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("List(%.40q) = %v, want ErrInvalidKey", p, err)
		}
	}
	checkList(t, s, "") // nothing was written
}

// testOddValidKeys round-trips keys that are valid but easy to mangle:
// URL-special characters, spaces, non-ASCII, dots, a maximal segment, a
// long key.
func testOddValidKeys(t *testing.T, s storage.ObjectStore) {
	keys := []string{
		"odd/a+b%20c?d#e&f=g;h@i",
		"odd/sp ace/ключ/数据",
		"odd/.hidden/x",
		"odd/a..b/...",
		"odd/" + strings.Repeat("s", storage.MaxSegmentLen),
		"odd/" + strings.Repeat("long/", 100) + "end",
	}
	for i, k := range keys {
		mustPut(t, s, k, []byte(k[:i+4]))
	}
	for i, k := range keys {
		mustGetEqual(t, s, k, []byte(k[:i+4]))
		checkStat(t, s, k, int64(i+4))
	}
	infos, err := s.List(context.Background(), "odd/")
	if err != nil || len(infos) != len(keys) {
		t.Fatalf("List(odd/) = %d entries, %v; want %d", len(infos), err, len(keys))
	}
	for _, k := range keys {
		if err := s.Delete(context.Background(), k); err != nil {
			t.Errorf("Delete(%.40q): %v", k, err)
		}
	}
	checkList(t, s, "odd/")
}
