package fsm

import (
	"bytes"
	"io"
	"slices"
	"testing"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// oldEncode encodes an insert, upsert or delete as builds before the stamp
// did: no TTL, no time, and row partitions only when set.
func oldEncode(c *Command) []byte {
	e := &segment.Encoder{}
	e.Byte(Version)
	e.Byte(byte(c.Kind))
	e.Varint(c.Partition)
	e.String(c.Key)
	switch c.Kind {
	case KindInsert, KindUpsert:
		segment.EncodeBatch(e, c.Rows)
		if c.RowPartitions != nil {
			encodeIDs(e, c.RowPartitions)
		}
	case KindDelete:
		e.String(c.Filter)
		e.Bytes(c.Params)
	case KindCompact:
		encodeIDs(e, c.Segments)
	}
	return e.Buf
}

// TestCommandStamp: entries written before the stamp decode with no TTL
// and no time; Stamp sets the time of stamped kinds in place and leaves
// other entries alone.
func TestCommandStamp(t *testing.T) {
	s := testSchema(t)
	cases := []struct {
		name string
		c    Command
	}{
		{"insert", Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2}, 0)}},
		{"insert with row partitions", Command{Kind: KindInsert, Rows: rows(s, []int64{1, 2}, 0), RowPartitions: []int64{3, 4}}},
		{"upsert", Command{Kind: KindUpsert, Partition: 1, Rows: rows(s, []int64{1}, 0), Key: "k"}},
		{"delete", Command{Kind: KindDelete, Filter: "id > {x}", Params: []byte(`{"x":1}`)}},
		{"compact", Command{Kind: KindCompact, Segments: []int64{7, 8}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, err := Decode(oldEncode(&tc.c), s)
			if err != nil {
				t.Fatalf("an entry from before the stamp: %v", err)
			}
			if old.TTL != 0 || old.Time != 0 || len(old.RowPartitions) != len(tc.c.RowPartitions) {
				t.Fatalf("old entry decoded with ttl %d, time %d, %d row partitions", old.TTL, old.Time, len(old.RowPartitions))
			}
			c := tc.c
			c.TTL, c.Time = 3000, 1
			data := c.Encode()
			if !Stamp(data, 1_700_000_000_123) {
				t.Fatal("Stamp refused a stamped kind")
			}
			got, err := Decode(data, s)
			if err != nil {
				t.Fatal(err)
			}
			if got.TTL != 3000 || got.Time != 1_700_000_000_123 || got.Key != c.Key || len(got.RowPartitions) != len(c.RowPartitions) {
				t.Fatalf("decoded ttl %d, time %d, key %q, %d row partitions", got.TTL, got.Time, got.Key, len(got.RowPartitions))
			}
		})
	}
	for _, c := range []Command{{Kind: KindTick, Time: 5}, {Kind: KindSeal, Segment: 3}} {
		data := c.Encode()
		before := bytes.Clone(data)
		if Stamp(data, 99) || !bytes.Equal(data, before) {
			t.Errorf("Stamp changed an entry of kind %d", c.Kind)
		}
	}
}

// TestWriteTimesRestore: write times survive a snapshot; a snapshot from
// before them dates every row at the snapshot's leader time, alike on
// every replica restored from it.
func TestWriteTimesRestore(t *testing.T) {
	s := testSchema(t)
	sh := NewShard(s, 1<<20)
	for i, c := range []*Command{
		{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2}, 0), Time: 1000},
		{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{3}, 0), Time: 4000},
		{Kind: KindTick, Time: 4500},
	} {
		if r := sh.Apply(&hraft.Log{Index: uint64(i + 1), Type: hraft.LogCommand, Data: c.Encode()}).(Result); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	times := func(sh *Shard) []int64 {
		var out []int64
		sh.View(func(v View) {
			g := v.Segments()[0]
			for row := 0; row < g.Rows(); row++ {
				wt, _ := v.WriteTime(g.ID, row)
				out = append(out, wt)
			}
		})
		return out
	}
	restore := func(b []byte) *Shard {
		out := NewShard(s, 1<<20)
		if err := out.Restore(io.NopCloser(bytes.NewReader(b))); err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := []struct {
		name string
		snap []byte
		want []int64
	}{
		{"current", sh.Encode(), []int64{1000, 1000, 4000}},
		{"before write times", withoutTimes(sh), []int64{4500, 4500, 4500}},
		{"before the write log", sh.encodeWithoutWrites(), []int64{4500, 4500, 4500}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := restore(tc.snap)
			if got := times(r); !slices.Equal(got, tc.want) {
				t.Fatalf("write times %v, want %v", got, tc.want)
			}
			if again := restore(r.Encode()); again.StateHash() != r.StateHash() {
				t.Fatal("a second restore changed the state")
			}
		})
	}
}

// withoutTimes is the state encoding as it was before write times: the
// write log's runs without the section of their times and the leader time.
func withoutTimes(sh *Shard) []byte {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e := &segment.Encoder{}
	sh.mu.writes.encodeTimes(e, sh.mu.segments)
	b := sh.encodeLocked()
	return b[:len(b)-len(e.Buf)-len(leaderTimeSection(sh))]
}

// leaderTimeSection is the encoding's last section: the leader time.
func leaderTimeSection(sh *Shard) []byte {
	e := &segment.Encoder{}
	e.Varint(sh.mu.leaderTime)
	return e.Buf
}
