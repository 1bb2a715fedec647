package fsm

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	hraft "github.com/hashicorp/raft"
)

// TestDeterminism applies one generated log of mixed operations to three
// replicas and checks equal state hashes and equal results per entry, then
// round-trips a snapshot.
func TestDeterminism(t *testing.T) {
	s := testSchema(t)
	gen := &logGen{r: rand.New(rand.NewPCG(42, 7)), s: s, parts: []int64{1, 2}}
	log := make([]*hraft.Log, 2000)
	for i := range log {
		log[i] = gen.entry()
	}
	log = append(log, &hraft.Log{Index: 2001, Type: hraft.LogCommand, Data: (&Command{Kind: KindDropPartition, Partition: 2}).Encode()})
	replicas := []*Shard{NewShard(s, 1<<32), NewShard(s, 1<<32), NewShard(s, 1<<32)}
	var dups, deleted, merged int64
	for _, l := range log {
		var first Result
		for i, r := range replicas {
			res := r.Apply(l).(Result)
			if i == 0 {
				first = res
			} else if res.Count != first.Count || (res.Err == nil) != (first.Err == nil) {
				t.Fatalf("entry %d: replica %d result %+v, replica 0 %+v", l.Index, i, res, first)
			}
		}
		if first.Err != nil {
			dups++
		}
		switch mustDecode(t, l, s).Kind {
		case KindDelete:
			deleted += first.Count
		case KindCompact:
			merged += first.Count
		}
	}
	if dups == 0 || deleted == 0 || merged == 0 {
		t.Fatalf("generated log exercised too little: %d rejected entries, %d deleted rows, %d merged rows", dups, deleted, merged)
	}
	h := replicas[0].StateHash()
	for i, r := range replicas[1:] {
		if r.StateHash() != h {
			t.Fatalf("replica %d hash %s != %s", i+1, r.StateHash(), h)
		}
	}
	restored := roundTrip(t, replicas[0])
	if restored.StateHash() != h {
		t.Fatalf("restored hash %s != %s", restored.StateHash(), h)
	}
	if a, b := liveCount(replicas[0]), liveCount(restored); a != b || a == 0 {
		t.Fatalf("live rows: original %d, restored %d", a, b)
	}
	// The restored replica keeps applying identically.
	more := gen.entry()
	replicas[0].Apply(more)
	restored.Apply(more)
	if replicas[0].StateHash() != restored.StateHash() {
		t.Fatal("hashes diverge after restore")
	}
}

func mustDecode(t *testing.T, l *hraft.Log, _ any) *Command {
	t.Helper()
	c, err := Decode(l.Data, testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func liveCount(sh *Shard) int64 {
	var n int64
	sh.View(func(v View) { n = v.Live(0) })
	return n
}

type memSink struct {
	bytes.Buffer
}

func (m *memSink) ID() string    { return "mem" }
func (m *memSink) Cancel() error { return nil }
func (m *memSink) Close() error  { return nil }

func roundTrip(t *testing.T, sh *Shard) *Shard {
	t.Helper()
	snap, err := sh.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	out := NewShard(sh.Schema(), 1<<32)
	if err := out.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRestoreRejectsCorruptSnapshot(t *testing.T) {
	s := testSchema(t)
	sh := NewShard(s, 0)
	sh.Apply(&hraft.Log{Index: 1, Type: hraft.LogCommand, Data: (&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2, 3}, 0)}).Encode()})
	good := sh.Encode()
	for _, cut := range []int{0, 5, len(good) / 2, len(good) - 1} {
		out := NewShard(s, 0)
		if err := out.Restore(io.NopCloser(bytes.NewReader(good[:cut]))); err == nil {
			t.Errorf("truncated snapshot (%d of %d bytes) restored without error", cut, len(good))
		}
	}
}

// FuzzDecodeCommand feeds arbitrary bytes to the command decoder: it must
// return an error or a command, never panic (except on a version byte other
// than Version, which is a deliberate stop).
func FuzzDecodeCommand(f *testing.F) {
	s := testSchema(f)
	f.Add((&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2}, 0)}).Encode())
	f.Add((&Command{Kind: KindDelete, Filter: "id > 1", Params: []byte(`{}`)}).Encode())
	f.Add((&Command{Kind: KindTick, Time: 5}).Encode())
	f.Add((&Command{Kind: KindInsert, Rows: rows(s, []int64{3}, 0), RowPartitions: []int64{2}, TTL: 3000, Time: 7}).Encode())
	f.Add((&Command{Kind: KindCompact, Segments: []int64{1, 2}, TTL: 1, Time: 9}).Encode())
	f.Add(importCmd(s, CompactionOutputBit|3, 4, 5).Encode())
	f.Add((&Command{Kind: KindImportAbort, Output: CompactionOutputBit | 3}).Encode())
	f.Add(restoreCmd(s, 1, []uint32{0}, 4, 5).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 0 && b[0] != Version {
			return
		}
		c, err := Decode(b, s)
		if err != nil {
			return
		}
		sh := NewShard(s, 0)
		sh.Apply(&hraft.Log{Index: 1, Type: hraft.LogCommand, Data: c.Encode()})
	})
}
