package fsm

import (
	"bytes"
	"io"
	"testing"

	hraft "github.com/hashicorp/raft"
)

// TestWrittenAt: each row answers the log index of the entry that wrote
// it, across a snapshot and restore; a snapshot from before the write log
// (no trailing section) restores with no answers.
func TestWrittenAt(t *testing.T) {
	s := testSchema(t)
	sh := NewShard(s, 1<<20)
	apply := func(idx uint64, c *Command) {
		t.Helper()
		if r := sh.Apply(&hraft.Log{Index: idx, Type: hraft.LogCommand, Data: c.Encode()}).(Result); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	apply(5, &Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2, 3}, 0)})
	apply(6, &Command{Kind: KindTick, Time: 1})
	apply(9, &Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{4}, 0)})
	apply(12, &Command{Kind: KindUpsert, Partition: 1, Rows: rows(s, []int64{2, 5}, 1)})
	want := map[int]uint64{0: 5, 1: 5, 2: 5, 3: 9, 4: 12, 5: 12}
	check := func(sh *Shard, what string, present bool) {
		t.Helper()
		sh.View(func(v View) {
			g := v.Segments()[0]
			for row, idx := range want {
				got, ok := v.WrittenAt(g.ID, row)
				if ok != present || (present && got != idx) {
					t.Errorf("%s: row %d written at %d (%v), want %d (%v)", what, row, got, ok, idx, present)
				}
			}
		})
	}
	check(sh, "applied", true)
	snap := sh.Encode()
	restored := NewShard(s, 1<<20)
	if err := restored.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	check(restored, "restored", true)
	if restored.StateHash() != sh.StateHash() {
		t.Fatal("a restored replica's state hash differs")
	}
	// The same state without the write log, as older snapshots end.
	old := NewShard(s, 1<<20)
	old.mu.state = newState()
	trimmed := sh.encodeWithoutWrites()
	if err := old.Restore(io.NopCloser(bytes.NewReader(trimmed))); err != nil {
		t.Fatalf("a snapshot without the write log: %v", err)
	}
	check(old, "old snapshot", false)
}

// encodeWithoutWrites is the state encoding as it was before the write log.
func (sh *Shard) encodeWithoutWrites() []byte {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	saved := sh.mu.writes
	sh.mu.writes = writeLog{}
	defer func() { sh.mu.writes = saved }()
	b := sh.encodeLocked()
	return b[:len(b)-2-len(leaderTimeSection(sh))] // the empty log and its times are one byte each: zero counts
}
