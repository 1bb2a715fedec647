package storagetest

import (
	"context"
	"testing"

	"github.com/raftvec/raftvec/storage"
)

func testList(t *testing.T, s storage.ObjectStore) {
	keys := []string{
		"a/b/1", "a/b/2/deep/x", "a/bc/3", "a/b.c", "a/a", "b/1", "ab", "a/b/10",
	}
	for i, k := range keys {
		mustPut(t, s, k, make([]byte, i))
	}
	all := checkList(t, s, "", "a/a", "a/b.c", "a/b/1", "a/b/10", "a/b/2/deep/x", "a/bc/3", "ab", "b/1")
	for _, in := range all {
		if in.Size != int64(sizeOf(keys, in.Key)) {
			t.Errorf("List entry %q: size %d, want %d", in.Key, in.Size, sizeOf(keys, in.Key))
		}
		checkModTime(t, in.Key, in.ModTime)
	}
	checkList(t, s, "a", "a/a", "a/b.c", "a/b/1", "a/b/10", "a/b/2/deep/x", "a/bc/3", "ab")
	checkList(t, s, "a/", "a/a", "a/b.c", "a/b/1", "a/b/10", "a/b/2/deep/x", "a/bc/3")
	checkList(t, s, "a/b", "a/b.c", "a/b/1", "a/b/10", "a/b/2/deep/x", "a/bc/3")
	checkList(t, s, "a/b/", "a/b/1", "a/b/10", "a/b/2/deep/x")
	checkList(t, s, "a/b/1", "a/b/1", "a/b/10")
	checkList(t, s, "a/b/2/d", "a/b/2/deep/x")
	checkList(t, s, "a/bc", "a/bc/3")
	checkList(t, s, "a/b/2/deep/x", "a/b/2/deep/x")
	checkList(t, s, "a/b/2/deep/x/")
	checkList(t, s, "zzz")
	checkList(t, s, "zzz/yyy/")
	checkList(t, s, "b/1/")
	if err := s.Delete(context.Background(), "a/b/1"); err != nil {
		t.Fatal(err)
	}
	checkList(t, s, "a/b/", "a/b/10", "a/b/2/deep/x")
}

func sizeOf(keys []string, key string) int {
	for i, k := range keys {
		if k == key {
			return i
		}
	}
	return -1
}

// testListPrefixIsNotSegment guards the layout's use of trailing "/": the
// prefix of segment 1 must not match segment 12.
func testListPrefixIsNotSegment(t *testing.T, s storage.ObjectStore) {
	k1 := storage.InsertLogKey("files", 1, 2, 1, 100, 0)
	k12 := storage.InsertLogKey("files", 1, 2, 12, 100, 0)
	mustPut(t, s, k1, []byte("seg1"))
	mustPut(t, s, k12, []byte("seg12"))
	checkList(t, s, storage.InsertLogSegmentPrefix("files", 1, 2, 1), k1)
	checkList(t, s, storage.InsertLogSegmentPrefix("files", 1, 2, 12), k12)
	checkList(t, s, "files/insert_log/1/2/1", k1, k12)
}
