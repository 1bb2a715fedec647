package coordinator

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// memSink is an in-memory hraft.SnapshotSink.
type memSink struct {
	bytes.Buffer
	closed, cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }
func (s *memSink) Close() error  { s.closed = true; return nil }

// applyCmd applies one command the way Raft does: JSON in a LogCommand.
func applyCmd(t testing.TB, m *metaFSM, c command) result {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("encoding command: %v", err)
	}
	r, ok := m.Apply(&hraft.Log{Type: hraft.LogCommand, Data: b}).(result)
	if !ok {
		t.Fatalf("Apply returned a %T", r)
	}
	return r
}

// mustApply applies a command that must succeed.
func mustApply(t testing.TB, m *metaFSM, c command) result {
	t.Helper()
	r := applyCmd(t, m, c)
	if r.Err != nil {
		t.Fatalf("%s: %v", c.Op, r.Err)
	}
	return r
}

// snapshotBytes persists a snapshot of m and returns its bytes.
func snapshotBytes(t testing.TB, m *metaFSM) []byte {
	t.Helper()
	snap, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	var sink memSink
	if err := snap.Persist(&sink); err != nil || !sink.closed || sink.cancelled {
		t.Fatalf("Persist: err=%v closed=%v cancelled=%v", err, sink.closed, sink.cancelled)
	}
	return sink.Bytes()
}

// restored returns a fresh FSM restored from snapshot bytes.
func restored(t testing.TB, data []byte) *metaFSM {
	t.Helper()
	m := newMetaFSM(nil)
	if err := m.Restore(io.NopCloser(bytes.NewReader(data))); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	return m
}

// newTestFSM returns an FSM with one live node, so collections can be
// placed.
func newTestFSM(t testing.TB) *metaFSM {
	t.Helper()
	m := newMetaFSM(nil)
	mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: "n1", RaftAddr: "a:1", State: NodeUp}})
	return m
}

// testCollection is a collection with an Int64 pk "id", a vector "vec" of
// the given dim, a scalar "n" and a second vector "vec2".
func testCollection(name string, shards, dim int) *Collection {
	return &Collection{Name: name, ShardsNum: shards, Consistency: Bounded, Schema: segment.Schema{Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "vec", Type: segment.TypeFloatVector, Dim: dim},
		{Name: "n", Type: segment.TypeInt64, Nullable: true},
		{Name: "vec2", Type: segment.TypeFloatVector, Dim: 2},
	}}}
}

// workload is a sequence of commands touching every kind of state,
// including ops whose effect is computed by iterating maps (drop and rename
// with several aliases, a node going down).
func workload() []command {
	withDefaults := testCollection("defaults", 2, 8)
	withDefaults.Properties = map[string]string{"k": "v", "a": "b"}
	withDefaults.Schema.Fields = append(withDefaults.Schema.Fields,
		segment.Field{Name: "i8", Type: segment.TypeInt8, Default: int64(-3)},
		segment.Field{Name: "big", Type: segment.TypeInt64, Default: int64(1<<53 + 1)},
		segment.Field{Name: "f", Type: segment.TypeFloat, Default: 0.25},
		segment.Field{Name: "d", Type: segment.TypeDouble, Default: 1.0},
		segment.Field{Name: "s", Type: segment.TypeVarChar, MaxLength: 8, Default: "x"},
		segment.Field{Name: "b", Type: segment.TypeBool, Default: true},
	)
	return []command{
		{Op: opSetNode, Node: &NodeInfo{ID: "n1", State: NodeUp}},
		{Op: opSetNode, Node: &NodeInfo{ID: "n2", State: NodeUp}},
		{Op: opSetNode, Node: &NodeInfo{ID: "n3", State: NodeUp}},
		{Op: opCreateCollection, Collection: testCollection("a", 3, 4)},
		{Op: opCreateCollection, Collection: testCollection("b", 1, 4)},
		{Op: opCreateCollection, Collection: withDefaults},
		{Op: opCreatePartition, Name: "a", Partition: "p"},
		{Op: opCreateIndex, Name: "a", Index: &Index{Name: "ix", FieldName: "vec", IndexType: "HNSW", MetricType: "L2", Params: map[string]string{"M": "16"}}},
		{Op: opCreateAlias, Name: "x", NewName: "a"},
		{Op: opCreateAlias, Name: "y", NewName: "a"},
		{Op: opCreateAlias, Name: "z", NewName: "b"},
		{Op: opAllocIDs, N: 100},
		{Op: opSetLoaded, Name: "y", Loaded: true},
		{Op: opRenameCollection, Name: "a", NewName: "a2"},
		{Op: opSetNode, Node: &NodeInfo{ID: "n2", State: NodeDown}},
		{Op: opDropCollection, Name: "b"},
		{Op: opAllocIDs, N: 7},
		// Databases: one holding a collection and an alias named as the
		// default database's, altered; another created and dropped.
		{Op: opCreateDatabase, DB: &dbChange{Name: "db1", Properties: map[string]string{"k": "v", "a": "b"}}},
		{Op: opCreateDatabase, DB: &dbChange{Name: "db2"}},
		{Op: opCreateCollection, Collection: inDB("db1", testCollection("a2", 2, 4))},
		{Op: opCreateAlias, Name: Qualify("db1", "x"), NewName: Qualify("db1", "a2")},
		{Op: opAlterDatabase, DB: &dbChange{Name: "db1", Properties: map[string]string{"k": "w"}, DeleteKeys: []string{"a"}}},
		{Op: opDropDatabase, DB: &dbChange{Name: "db2"}},
	}
}

// inDB puts a collection in a database.
func inDB(db string, c *Collection) *Collection {
	c.DB = db
	return c
}
