package fsm

import (
	"errors"
	"reflect"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// restoreCmd is the commit of a restored segment holding ids, with the
// rows at the deleted positions flagged.
func restoreCmd(s *segment.Schema, out int64, deleted []uint32, ids ...int64) *Command {
	bm := roaring.BitmapOf(deleted...)
	b, err := bm.ToBytes()
	if err != nil {
		panic(err)
	}
	return &Command{Kind: KindRestoreCommit, Partition: 1, Output: out, Rows: rows(s, ids, 0), Chunks: chunksFor(s, int64(len(ids))),
		Excluded: [][]byte{b}, Indexes: []segment.IndexRef{{Name: "v_idx#7", Field: 105, Type: "HNSW", Key: "index_files/7/1/1/x/HNSW", Checksum: 42, Version: 3}}}
}

// TestRestoreCommit: a restore commit adopts its rows with their deletion
// flags and index files; deleted rows stay out of the pk index (their keys
// may repeat); a repeat is replayed; a used or foreign ID, a live key and
// a bitmap beyond the rows are refused and change nothing; growing
// segments created afterwards take IDs above the restored ones.
func TestRestoreCommit(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	tests := []struct {
		name     string
		cmd      *Command
		wantErr  error
		count    int64
		replayed bool
		changes  bool
	}{
		{name: "adopts rows", cmd: restoreCmd(s, base+1, []uint32{1}, 10, 11, 12), count: 2, changes: true},
		{name: "retry replayed", cmd: restoreCmd(s, base+1, []uint32{1}, 10, 11, 12), count: 2, replayed: true},
		{name: "deleted key repeats", cmd: restoreCmd(s, base+2, []uint32{2}, 11, 20, 10), count: 2, changes: true},
		{name: "live key refused", cmd: restoreCmd(s, base+3, nil, 21, 20), wantErr: ErrDuplicateKey},
		{name: "held ID replayed", cmd: restoreCmd(s, base+2, nil, 30), count: 2, replayed: true},
		{name: "compaction output refused", cmd: restoreCmd(s, base|CompactionOutputBit|5, nil, 30), wantErr: ErrBadCommand},
		{name: "foreign shard refused", cmd: restoreCmd(s, (2<<32)+5, nil, 30), wantErr: ErrBadCommand},
		{name: "flags beyond rows", cmd: restoreCmd(s, base+5, []uint32{3}, 30), wantErr: ErrBadCommand},
		{name: "gap allowed", cmd: restoreCmd(s, base+7, nil, 30), count: 1, changes: true},
		{name: "below the counter refused", cmd: restoreCmd(s, base+6, nil, 31), wantErr: ErrBadCommand},
	}
	sh := NewShard(s, base)
	var idx uint64
	apply := func(c *Command) Result {
		idx++
		return sh.Apply(&hraft.Log{Index: idx, Type: hraft.LogCommand, Data: c.Encode()}).(Result)
	}
	for _, tt := range tests {
		before := sh.StateHash()
		r := apply(tt.cmd)
		if !errors.Is(r.Err, tt.wantErr) || (tt.wantErr == nil && r.Err != nil) {
			t.Fatalf("%s: err %v, want %v", tt.name, r.Err, tt.wantErr)
		}
		if r.Count != tt.count || r.Replayed != tt.replayed {
			t.Fatalf("%s: %+v, want count %d replayed %v", tt.name, r, tt.count, tt.replayed)
		}
		if changed := sh.StateHash() != before; changed != tt.changes {
			t.Fatalf("%s: state changed %v, want %v", tt.name, changed, tt.changes)
		}
	}
	sh.View(func(v View) {
		g, _, ok := v.Lookup(int64(11))
		if !ok || g.ID != base+2 {
			t.Fatalf("pk 11: %v %v, want the live row in segment %d", g, ok, base+2)
		}
		if _, _, ok := v.Lookup(int64(12)); !ok {
			t.Fatal("pk 12 lost")
		}
		first := v.Segments()[0]
		if first.State != segment.Flushed || !first.IsDeleted(1) || first.Live() != 2 || first.IndexNamed("v_idx#7") == nil {
			t.Fatalf("restored segment: state %s deleted %v live %d indexes %v", first.State, first.Deleted, first.Live(), first.Indexes)
		}
	})
	// A growing segment after the restore takes the next free ID.
	apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{40}, 0)})
	sh.View(func(v View) {
		g, _, ok := v.Lookup(int64(40))
		if !ok || g.ID != base+8 {
			t.Fatalf("growing segment after restore: %v, want ID %d", g, base+8)
		}
	})
}

// TestRestoreCommitEncoding: a restore commit decodes to what was encoded.
func TestRestoreCommitEncoding(t *testing.T) {
	s := testSchema(t)
	c := restoreCmd(s, 1<<32+1, []uint32{0, 2}, 1, 2, 3)
	c.Key = "restore/b/1"
	got, err := Decode(c.Encode(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got.Output != c.Output || got.Key != c.Key || !reflect.DeepEqual(got.Indexes, c.Indexes) ||
		!reflect.DeepEqual(got.Excluded, c.Excluded) || !reflect.DeepEqual(got.Chunks, c.Chunks) || got.Rows.Rows() != 0 && got.Rows.Columns[0].Len() != 3 {
		t.Fatalf("decoded %+v, want %+v", got, c)
	}
}
