package backup

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/segment"
)

var update = flag.Bool("update", false, "rewrite testdata/manifest.golden.json")

// sample is a two-shard backup of a small collection: one segment with
// deletions and an index file, one without; shard 1 has none.
func sample(t *testing.T) *Manifest {
	t.Helper()
	s := segment.Schema{Name: "docs", Fields: []segment.Field{
		{ID: 100, Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{ID: 101, Name: "vector", Type: segment.TypeFloatVector, Dim: 4},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	files := func(seg, chunk int64) []File {
		return []File{{Key: ChunkKey("nightly", seg, 100, chunk), Checksum: 11, Size: 80},
			{Key: ChunkKey("nightly", seg, 101, chunk), Checksum: 12, Size: 160}}
	}
	return &Manifest{Format: Format, Name: "nightly", CreatedAt: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC),
		Collection: "docs", CollectionID: 7, Schema: s, ShardsNum: 2, Consistency: "Bounded",
		Partitions: []Partition{{ID: 8, Name: "_default"}, {ID: 12, Name: "2026"}},
		Indexes:    []Index{{Name: "vector", BuildName: "vector#9", FieldName: "vector", IndexType: "HNSW", MetricType: "L2", Params: map[string]string{"M": "16"}}},
		Properties: map[string]string{"collection.ttl.seconds": "0"}, Loaded: true,
		Shards: []Shard{
			{Shard: 0, AppliedIndex: 42, Segments: []Segment{
				{ID: 7<<32 | 1, Partition: 8, Rows: 20, Deleted: 2, Flags: []byte{0x3a, 0x30, 0, 0},
					Chunks: []Chunk{{Index: 0, FromRow: 0, ToRow: 10, Files: files(7<<32|1, 0)}, {Index: 1, FromRow: 10, ToRow: 20, Files: files(7<<32|1, 1)}},
					Indexes: []IndexFile{{Index: "vector#9", Field: 101, Type: "HNSW", Version: 3,
						File: File{Key: IndexKey("nightly", 7<<32|1, 0), Checksum: 99, Size: 4096}}}},
				{ID: 7<<32 | 8388613, Partition: 12, Rows: 5,
					Chunks: []Chunk{{Index: 0, FromRow: 0, ToRow: 5, Files: files(7<<32|8388613, 0)}}},
			}},
			{Shard: 1, AppliedIndex: 3, Segments: []Segment{}},
		},
		Rows: 25, LiveRows: 23, Objects: 7, Bytes: 4816}
}

// TestManifestGolden: the encoding of a sample manifest is the golden
// file's bytes (the format is read by other builds and clusters: change
// it only with Format), and decodes back to the same manifest.
func TestManifestGolden(t *testing.T) {
	m := sample(t)
	got, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "manifest.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from %s (go test ./backup -update rewrites it):\n%s", path, got)
	}
	back, err := Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := back.Encode()
	if !bytes.Equal(again, want) || !reflect.DeepEqual(back.Shards[0].Segments[0].Flags, m.Shards[0].Segments[0].Flags) {
		t.Fatalf("decode and encode again:\n%s", again)
	}
}

// TestManifestDecodeRefuses: manifests that a restore could not trust are
// refused with ErrBadManifest, saying why.
func TestManifestDecodeRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *Manifest)
		want   string
	}{
		{"other format", func(m *Manifest) { m.Format = 2 }, "format 2"},
		{"bad name", func(m *Manifest) { m.Name = "a/b" }, "invalid backup name"},
		{"missing shard", func(m *Manifest) { m.Shards = m.Shards[:1] }, "1 shards listed"},
		{"shards out of order", func(m *Manifest) { m.Shards[0].Shard, m.Shards[1].Shard = 1, 0 }, "listed at position"},
		{"chunk gap", func(m *Manifest) { m.Shards[0].Segments[0].Chunks[1].FromRow = 11 }, "does not fit"},
		{"chunk missing a field", func(m *Manifest) {
			c := &m.Shards[0].Segments[0].Chunks[0]
			c.Files = c.Files[:1]
		}, "does not fit"},
		{"rows not covered", func(m *Manifest) { m.Shards[0].Segments[0].Rows = 21 }, "cover 20 rows of 21"},
		{"totals", func(m *Manifest) { m.LiveRows = 25 }, "totals say"},
	}
	for _, tt := range tests {
		m := sample(t)
		tt.change(m)
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		_, err = Decode(b)
		if !errors.Is(err, ErrBadManifest) || !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("%s: %v, want ErrBadManifest saying %q", tt.name, err, tt.want)
		}
	}
	if _, err := Decode([]byte("{")); !errors.Is(err, ErrBadManifest) {
		t.Fatalf("not JSON: %v", err)
	}
}

// TestValidName: names are one key segment of safe characters.
func TestValidName(t *testing.T) {
	for _, ok := range []string{"b1", "nightly-2026-12-07", "a.b_c"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".hidden", "a/b", "a b", strings.Repeat("x", 129), "é"} {
		if ValidName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
