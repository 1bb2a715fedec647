package coordinator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

func TestDeterminism(t *testing.T) {
	m1, m2 := newMetaFSM(nil), newMetaFSM(nil)
	for i, c := range workload() {
		r1, r2 := applyCmd(t, m1, c), applyCmd(t, m2, c)
		if r1.Err != nil || r2.Err != nil || r1.ID != r2.ID {
			t.Fatalf("step %d (%s): results %+v and %+v", i, c.Op, r1, r2)
		}
		if s1, s2 := snapshotBytes(t, m1), snapshotBytes(t, m2); !bytes.Equal(s1, s2) {
			t.Fatalf("step %d (%s): snapshots differ:\n%s\n%s", i, c.Op, s1, s2)
		}
	}
}

func TestSnapshotRestore(t *testing.T) {
	m := newMetaFSM(nil)
	for _, c := range workload() {
		mustApply(t, m, c)
	}
	snap := snapshotBytes(t, m)
	r := restored(t, snap)
	if again := snapshotBytes(t, r); !bytes.Equal(again, snap) {
		t.Fatalf("restored snapshot differs:\n%s\n%s", snap, again)
	}
	if dumpState(r) != dumpState(m) {
		t.Fatalf("restored state differs:\n%s\n%s", dumpState(m), dumpState(r))
	}
	// Both replicas go on identically: same IDs, same errors, same state.
	next := []command{
		{Op: opAllocIDs, N: 5},
		{Op: opCreateCollection, Collection: testCollection("c", 1, 4)},
		{Op: opCreatePartition, Name: "x", Partition: "q"},
		{Op: opCreateAlias, Name: "x", NewName: "c"},
		{Op: opDropPartition, Name: "a2", Partition: "p"},
	}
	for _, c := range next {
		a, b := applyCmd(t, m, c), applyCmd(t, r, c)
		if a.ID != b.ID || errName(a.Err) != errName(b.Err) || (a.Err == nil) != (b.Err == nil) {
			t.Fatalf("%s: original %+v, restored %+v", c.Op, a, b)
		}
	}
	if !bytes.Equal(snapshotBytes(t, m), snapshotBytes(t, r)) {
		t.Fatal("states diverged after restore")
	}
}

func TestRestoreRejects(t *testing.T) {
	m := newTestFSM(t)
	mustApply(t, m, command{Op: opCreateCollection, Collection: testCollection("c", 1, 4)})
	good := string(snapshotBytes(t, m))
	tests := []struct {
		name, data string
	}{
		{"not JSON", "{"},
		{"invalid schema", strings.Replace(good, `"Dim":4`, `"Dim":0`, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshotBytes(t, m)
			if err := m.Restore(io.NopCloser(strings.NewReader(tc.data))); err == nil {
				t.Fatal("Restore succeeded")
			}
			if !bytes.Equal(snapshotBytes(t, m), before) {
				t.Fatal("a failed Restore changed the state")
			}
		})
	}
}

func TestDefaultsCanonical(t *testing.T) {
	m := newMetaFSM(nil)
	for _, c := range workload() {
		mustApply(t, m, c)
	}
	want := map[string]any{"i8": int64(-3), "big": int64(1<<53 + 1), "f": 0.25, "d": 1.0, "s": "x", "b": true, "n": nil}
	check := func(where string, m *metaFSM) {
		c, err := m.get("defaults")
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range want {
			f, _ := c.Schema.Field(name)
			if !reflect.DeepEqual(f.Default, w) {
				t.Errorf("%s: default of %q = %#v (%T), want %#v (%T)", where, name, f.Default, f.Default, w, w)
			}
		}
	}
	check("applied", m)
	check("restored", restored(t, snapshotBytes(t, m)))
}

func TestGetReturnsDeepCopy(t *testing.T) {
	m := newMetaFSM(nil)
	for _, c := range workload() {
		mustApply(t, m, c)
	}
	before := snapshotBytes(t, m)
	for _, name := range []string{"a2", "x", "defaults"} {
		c, err := m.get(name)
		if err != nil {
			t.Fatal(err)
		}
		c.Name, c.Loaded, c.ShardsNum = "hacked", !c.Loaded, 99
		c.Schema.Fields[0].Name = "hacked"
		c.Schema.Fields = append(c.Schema.Fields, segment.Field{Name: "extra"})
		c.Partitions[0].ID = -1
		c.Shards[0].Replicas[0] = "hacked"
		if c.Properties != nil {
			c.Properties["k"] = "hacked"
		}
		for i := range c.Indexes {
			c.Indexes[i].Params["M"] = "hacked"
		}
	}
	if !bytes.Equal(snapshotBytes(t, m), before) {
		t.Fatal("mutating a copy from get changed the state")
	}
}

func TestApplyEdgeCases(t *testing.T) {
	changes := 0
	m := newMetaFSM(func() { changes++ })
	mustApply(t, m, command{Op: opSetNode, Node: &NodeInfo{ID: "n1", State: NodeUp}})
	tests := []struct {
		name        string
		log         *hraft.Log
		wantErr     error
		wantChanges int
	}{
		{"non-command entries are ignored", &hraft.Log{Type: hraft.LogNoop}, nil, 1},
		{"malformed JSON", &hraft.Log{Type: hraft.LogCommand, Data: []byte("{")}, ErrInvalid, 1},
		{"unknown op", cmdLog(t, command{Op: "bogus", Name: "c"}), ErrCollectionNotFound, 1},
		{"create without collection", cmdLog(t, command{Op: opCreateCollection}), ErrInvalid, 1},
		{"create", cmdLog(t, command{Op: opCreateCollection, Collection: testCollection("c", 1, 4)}), nil, 2},
		{"unknown op on a collection", cmdLog(t, command{Op: "bogus", Name: "c"}), ErrInvalid, 2},
		{"index without body", cmdLog(t, command{Op: opCreateIndex, Name: "c"}), ErrInvalid, 2},
		{"node without ID", cmdLog(t, command{Op: opSetNode, Node: &NodeInfo{}}), ErrInvalid, 2},
		{"alloc does not notify", cmdLog(t, command{Op: opAllocIDs, N: 1}), nil, 2},
		{"load notifies", cmdLog(t, command{Op: opSetLoaded, Name: "c", Loaded: true}), nil, 3},
	}
	for _, tc := range tests {
		r, ok := m.Apply(tc.log).(result)
		if !ok || !errors.Is(r.Err, tc.wantErr) || (tc.wantErr == nil) != (r.Err == nil) {
			t.Errorf("%s: result %+v, want error %v", tc.name, r, tc.wantErr)
		}
		if changes != tc.wantChanges {
			t.Errorf("%s: %d change notifications, want %d", tc.name, changes, tc.wantChanges)
		}
	}
}

// cmdLog wraps a command in a Raft log entry.
func cmdLog(t *testing.T, c command) *hraft.Log {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return &hraft.Log{Type: hraft.LogCommand, Data: b}
}

// TestHashAtAgreesAcrossMembersAndRestore: members that applied the same
// entries report the same hash; a different entry changes it; a restored
// snapshot hashes like its source.
func TestHashAtAgreesAcrossMembersAndRestore(t *testing.T) {
	a, b := newTestFSM(t), newTestFSM(t)
	for _, m := range []*metaFSM{a, b} {
		mustApply(t, m, command{Op: opCreateCollection, Collection: testCollection("c", 2, 4)})
	}
	_, ha, err := a.hashAt()
	if err != nil {
		t.Fatal(err)
	}
	if _, hb, _ := b.hashAt(); ha != hb {
		t.Fatalf("same entries, different hashes %s %s", ha, hb)
	}
	mustApply(t, b, command{Op: opCreateCollection, Collection: testCollection("d", 1, 4)})
	if _, hb, _ := b.hashAt(); ha == hb {
		t.Fatal("a new collection left the hash unchanged")
	}
	r := newMetaFSM(nil)
	if err := r.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, a)))); err != nil {
		t.Fatal(err)
	}
	if idx, hr, _ := r.hashAt(); hr != ha || idx != 0 {
		t.Fatalf("restored: index %d hash %s, want 0 and %s", idx, hr, ha)
	}
}

// TestSharedNeverChanges: what shared hands out is never changed by later
// metadata changes (copy on write), whichever op changes the collection, so
// the read paths may use it without copying.
func TestSharedNeverChanges(t *testing.T) {
	m := newMetaFSM(nil)
	var held []*Collection
	var dumps []string
	dump := func(c *Collection) string {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, cmd := range workload() {
		mustApply(t, m, cmd)
		for _, name := range m.keys() {
			c, err := m.shared(name)
			if err != nil {
				t.Fatal(err)
			}
			held, dumps = append(held, c), append(dumps, dump(c))
		}
	}
	mustApply(t, m, command{Op: opDropIndex, Name: "a2", NewName: "ix"})
	mustApply(t, m, command{Op: opSetLoaded, Name: "a2", Loaded: false})
	for i, c := range held {
		if got := dump(c); got != dumps[i] {
			t.Fatalf("collection %q handed out by shared changed later:\nwas %s\nnow %s", c.Name, dumps[i], got)
		}
	}
	if c, _ := m.shared("a2"); len(c.Indexes) != 0 || c.Loaded {
		t.Fatalf("shared after the changes: indexes %v loaded %v", c.Indexes, c.Loaded)
	}
}
