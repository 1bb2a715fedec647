package fsm

import (
	"bytes"
	"io"
	"testing"

	hraft "github.com/hashicorp/raft"
)

// TestSnapshotSegments: every snapshot, whoever takes it, and the one a
// shard is restored from record the segments they name until the next
// SnapshotSegments call.
func TestSnapshotSegments(t *testing.T) {
	s := testSchema(t)
	sh := NewShard(s, 1000)
	if ids := sh.SnapshotSegments(); len(ids) != 0 {
		t.Fatalf("before any snapshot: %v", ids)
	}
	sh.Apply(&hraft.Log{Index: 1, Type: hraft.LogCommand, Data: (&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1}, 0)}).Encode()})
	if _, err := sh.Snapshot(); err != nil {
		t.Fatal(err)
	}
	sh.Apply(&hraft.Log{Index: 2, Type: hraft.LogCommand, Data: (&Command{Kind: KindInsert, Partition: 2, Rows: rows(s, []int64{2}, 0)}).Encode()})
	snap, err := sh.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if ids := sh.SnapshotSegments(); len(ids) != 2 || !ids[1001] || !ids[1002] {
		t.Fatalf("named by the snapshots: %v, want 1001 and 1002", ids)
	}
	if ids := sh.SnapshotSegments(); len(ids) != 0 {
		t.Fatalf("a second call: %v, want none", ids)
	}
	restored := NewShard(s, 1000)
	if err := restored.Restore(io.NopCloser(bytes.NewReader(snap.(*snapshot).data))); err != nil {
		t.Fatal(err)
	}
	if ids := restored.SnapshotSegments(); len(ids) != 2 || !ids[1001] || !ids[1002] {
		t.Fatalf("named by the snapshot restored from: %v, want 1001 and 1002", ids)
	}
}
