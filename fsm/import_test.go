package fsm

import (
	"errors"
	"testing"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// importCmd is the commit of an import worker's segment holding ids.
func importCmd(s *segment.Schema, out int64, ids ...int64) *Command {
	return &Command{Kind: KindImportCommit, Partition: 1, Output: out, Rows: rows(s, ids, 0), Chunks: chunksFor(s, int64(len(ids)))}
}

// TestImportCommit: an import commit adopts its rows (pk index, flushed
// state, vectors left in storage); a repeat is replayed; a duplicate of a
// live key, a key repeated in the file or a foreign output ID is refused
// and changes nothing; an abort takes the rows back.
func TestImportCommit(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	out := base | CompactionOutputBit | 40
	tests := []struct {
		name     string
		cmd      *Command
		wantErr  error
		count    int64
		replayed bool
		changes  bool
	}{
		{name: "adopts rows", cmd: importCmd(s, out, 10, 11, 12), count: 3, changes: true},
		{name: "retry replayed", cmd: importCmd(s, out, 10, 11, 12), count: 3, replayed: true},
		{name: "live key refused", cmd: importCmd(s, out+1, 20, 1), wantErr: ErrDuplicateKey},
		{name: "imported key refused", cmd: importCmd(s, out+1, 12), wantErr: ErrDuplicateKey},
		{name: "key repeated in file", cmd: importCmd(s, out+1, 21, 21), wantErr: ErrDuplicateKey},
		{name: "foreign output", cmd: importCmd(s, (2<<32)|CompactionOutputBit|41, 22), wantErr: ErrBadCommand},
		{name: "not an output ID", cmd: importCmd(s, base+41, 22), wantErr: ErrBadCommand},
		{name: "no rows", cmd: &Command{Kind: KindImportCommit, Output: out + 2, Rows: segment.NewBatch(s)}, wantErr: ErrBadCommand},
		{name: "abort unknown", cmd: &Command{Kind: KindImportAbort, Output: out + 3}},
		{name: "second file", cmd: importCmd(s, out+4, 30, 31), count: 2, changes: true},
		{name: "abort", cmd: &Command{Kind: KindImportAbort, Output: out + 4}, count: 2, changes: true},
	}
	sh := NewShard(s, base)
	var idx uint64
	apply := func(c *Command) Result {
		idx++
		return sh.Apply(&hraft.Log{Index: idx, Type: hraft.LogCommand, Data: c.Encode()}).(Result)
	}
	apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2}, 0)})
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
		for _, pk := range []int64{1, 2, 10, 11, 12} {
			if _, _, ok := v.Lookup(pk); !ok {
				t.Errorf("key %d not found", pk)
			}
		}
		for _, pk := range []int64{20, 21, 22, 30, 31} {
			if _, _, ok := v.Lookup(pk); ok {
				t.Errorf("key %d found", pk)
			}
		}
		var g *segment.Segment
		for _, x := range v.Segments() {
			if x.ID == out {
				g = x
			}
		}
		if g == nil || g.State != segment.Flushed || g.Resident(4) || g.Partition != 1 || g.Rows() != 3 {
			t.Fatalf("imported segment %+v", g)
		}
	})
	// Deletes reach imported rows; a later insert of a key imported is refused.
	if r := apply(&Command{Kind: KindDelete, Filter: "id == 11"}); r.Count != 1 {
		t.Fatalf("delete of an imported row: %+v", r)
	}
	if r := apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{12}, 0)}); !errors.Is(r.Err, ErrDuplicateKey) {
		t.Fatalf("insert over an imported key: %+v", r)
	}
}

// TestImportDeterminism: the same entries give the same state on two
// replicas, and the import commit survives a decode/encode round trip.
func TestImportDeterminism(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	entries := []*Command{
		{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2}, 0)},
		importCmd(s, base|CompactionOutputBit|5, 7, 8, 9),
		{Kind: KindDelete, Filter: "id == 8"},
	}
	a, b := NewShard(s, base), NewShard(s, base)
	for i, c := range entries {
		data := c.Encode()
		d, err := Decode(data, s)
		if err != nil {
			t.Fatal(err)
		}
		if string(d.Encode()) != string(data) {
			t.Fatalf("entry %d does not round-trip", i)
		}
		a.Apply(&hraft.Log{Index: uint64(i + 1), Type: hraft.LogCommand, Data: data})
		b.Apply(&hraft.Log{Index: uint64(i + 1), Type: hraft.LogCommand, Data: data})
	}
	if a.StateHash() != b.StateHash() {
		t.Fatal("replicas diverged")
	}
}

// TestImportOverExpiredKey: as for an insert, a key whose row has expired
// under the import commit's TTL (by the shard's leader time) is free: the
// imported row replaces it and the expired row is flagged deleted. A live
// key, or an expired one without a TTL in the entry, is still a duplicate.
// The TTL survives the entry's round trip, and an entry without one
// decodes as before.
func TestImportOverExpiredKey(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	sh := NewShard(s, base)
	var idx uint64
	apply := func(c *Command, ms int64) Result {
		idx++
		data := c.Encode()
		if ms > 0 && !Stamp(data, ms) {
			t.Fatalf("kind %d carries no time", c.Kind)
		}
		d, err := Decode(data, s)
		if err != nil || d.TTL != c.TTL || string(d.Encode()) != string(data) {
			t.Fatalf("entry does not round-trip: %v, ttl %d want %d", err, d.TTL, c.TTL)
		}
		return sh.Apply(&hraft.Log{Index: idx, Type: hraft.LogCommand, Data: data}).(Result)
	}
	apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1}, 0)}, 1000)
	apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{2}, 0)}, 5000)
	withTTL := func(c *Command, ttl int64) *Command { c.TTL = ttl; return c }
	out := base | CompactionOutputBit | 7
	tests := []struct {
		name    string
		cmd     *Command
		time    int64
		wantErr error
	}{
		{"live key under the TTL", withTTL(importCmd(s, out, 2, 3), 3000), 0, ErrDuplicateKey},
		{"expired key without a TTL", importCmd(s, out, 1, 3), 0, ErrDuplicateKey},
		// Stamped like an insert: its rows are written at 9000.
		{"expired key replaced", withTTL(importCmd(s, out, 1, 3), 3000), 9000, nil},
	}
	for _, tt := range tests {
		if r := apply(tt.cmd, tt.time); !errors.Is(r.Err, tt.wantErr) || (tt.wantErr == nil && r.Err != nil) {
			t.Fatalf("%s: %+v, want %v", tt.name, r, tt.wantErr)
		}
	}
	sh.View(func(v View) {
		g, row, ok := v.Lookup(int64(1))
		if !ok || g.ID != out || row != 0 {
			t.Fatalf("key 1 is at %v row %d (found %v), want the imported segment", g, row, ok)
		}
		var first *segment.Segment
		for _, x := range v.Segments() {
			if x.ID != out {
				first = x
			}
		}
		if first == nil || first.Deleted == nil || !first.Deleted.Contains(0) || first.Deleted.Contains(1) {
			t.Fatalf("the expired row is not the only one flagged deleted: %+v", first)
		}
		expired := func(now int64) uint64 {
			if b := v.Expired(g, 3000, now); b != nil {
				return b.GetCardinality()
			}
			return 0
		}
		if v.LeaderTime() != 9000 || expired(11999) != 0 || expired(12000) != 2 {
			t.Fatalf("imported rows are not written at their commit's time 9000 (leader time %d)", v.LeaderTime())
		}
	})
}
