package storage

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestKeyLayout(t *testing.T) {
	cases := []struct{ got, want string }{
		{InsertLogKey("files", 1, 2, 3, 4, 5), "files/insert_log/1/2/3/4/5"},
		{InsertLogKey("", 1, 2, 3, 4, 5), "insert_log/1/2/3/4/5"},
		{InsertLogKey("/a/b/", 1, 2, 3, 4, 5), "a/b/insert_log/1/2/3/4/5"},
		{DeltaLogKey("files", 10, 20, 30, 40), "files/delta_log/10/20/30/40"},
		{StatsLogKey("files", 1, 2, 3, 4, 5), "files/stats_log/1/2/3/4/5"},
		{IndexFileKey("files", 7, 1, 2, 3, "HNSW_0"), "files/index_files/7/1/2/3/HNSW_0"},
		{InsertLogSegmentPrefix("files", 1, 2, 3), "files/insert_log/1/2/3/"},
		{DeltaLogSegmentPrefix("files", 1, 2, 3), "files/delta_log/1/2/3/"},
		{StatsLogSegmentPrefix("", 1, 2, 3), "stats_log/1/2/3/"},
		{IndexBuildPrefix("files", 7, 1), "files/index_files/7/1/"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
		if err := ValidatePrefix(c.got); err != nil {
			t.Errorf("%q: %v", c.got, err)
		}
	}
}

func TestKeyRoundTrip(t *testing.T) {
	vals := []int64{0, 1, 12, 449884593836384257, math.MaxInt64, -1, math.MinInt64}
	for _, root := range []string{"", "files", "a/b"} {
		for _, v := range vals {
			roundTrip(t, root, v)
		}
	}
}

func roundTrip(t *testing.T, root string, v int64) {
	t.Helper()
	ins := InsertLogID{v, v + 1, v - 1, 100, v}
	if got, err := ParseInsertLogKey(root, InsertLogKey(root, ins.Collection, ins.Partition, ins.Segment, ins.Field, ins.Chunk)); err != nil || got != ins {
		t.Errorf("insert %v: got %v, %v", ins, got, err)
	}
	del := DeltaLogID{v, 2, 3, v}
	if got, err := ParseDeltaLogKey(root, DeltaLogKey(root, del.Collection, del.Partition, del.Segment, del.Log)); err != nil || got != del {
		t.Errorf("delta %v: got %v, %v", del, got, err)
	}
	st := StatsLogID{1, v, 3, v, 5}
	if got, err := ParseStatsLogKey(root, StatsLogKey(root, st.Collection, st.Partition, st.Segment, st.Field, st.Log)); err != nil || got != st {
		t.Errorf("stats %v: got %v, %v", st, got, err)
	}
	ix := IndexFileID{v, 1, v, 4, "IVF_FLAT.centroids"}
	if got, err := ParseIndexFileKey(root, IndexFileKey(root, ix.Build, ix.Version, ix.Partition, ix.Segment, ix.File)); err != nil || got != ix {
		t.Errorf("index %v: got %v, %v", ix, got, err)
	}
}

func TestParseRejects(t *testing.T) {
	bad := []struct{ root, key string }{
		{"files", "other/insert_log/1/2/3/4/5"},
		{"files", "files/delta_log/1/2/3/4"},
		{"files", "files/insert_log/1/2/3/4"},
		{"files", "files/insert_log/1/2/3/4/5/6"},
		{"files", "files/insert_log/1/2/3/4/05"},
		{"files", "files/insert_log/1/2/3/4/+5"},
		{"files", "files/insert_log/1/2/3/4/x"},
		{"files", "files/insert_log/1/2/3/4/99999999999999999999"},
		{"files", "files/insert_log/1/2/3/4/5/"},
		{"", "files/insert_log/1/2/3/4/5"},
		{"files", "files/insert_log//2/3/4/5"},
	}
	for _, b := range bad {
		if _, err := ParseInsertLogKey(b.root, b.key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParseInsertLogKey(%q, %q) = %v, want ErrInvalidKey", b.root, b.key, err)
		}
	}
	for _, file := range []string{"", "a/b", "..", strings.Repeat("f", 300)} {
		key := IndexFileKey("files", 1, 2, 3, 4, file)
		if _, err := ParseIndexFileKey("files", key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParseIndexFileKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

// FuzzParseInsertLogKey checks that whatever parses re-encodes to the same
// key (the layout is a bijection on valid keys).
func FuzzParseInsertLogKey(f *testing.F) {
	f.Add("files", "files/insert_log/1/2/3/4/5")
	f.Add("", "insert_log/-1/0/3/4/5")
	f.Add("a/b", "a/b/insert_log/1/2/3/4/05")
	f.Fuzz(func(t *testing.T, root, key string) {
		id, err := ParseInsertLogKey(root, key)
		if err != nil {
			return
		}
		back := InsertLogKey(root, id.Collection, id.Partition, id.Segment, id.Field, id.Chunk)
		if back != key {
			t.Fatalf("parse(%q, %q) = %v, re-encodes to %q", root, key, id, back)
		}
	})
}
