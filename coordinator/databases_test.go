package coordinator

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	hraft "github.com/hashicorp/raft"
)

// preDatabaseSnapshot is a snapshot written by the coordinator before
// databases existed (commit 1a43850): collection "docs" with alias "al".
const preDatabaseSnapshot = `{"collections":{"docs":{"ID":1,"Name":"docs","Schema":{"Name":"docs","Description":"","AutoID":false,"EnableDynamic":false,"Fields":[{"ID":100,"Name":"id","Description":"","Type":5,"ElementType":0,"PrimaryKey":true,"AutoID":false,"PartitionKey":false,"Nullable":false,"IsDynamic":false,"Dim":0,"MaxLength":0,"MaxCapacity":0,"EnableAnalyzer":false,"EnableMatch":false,"AnalyzerParams":"","Default":null},{"ID":101,"Name":"vec","Description":"","Type":11,"ElementType":0,"PrimaryKey":false,"AutoID":false,"PartitionKey":false,"Nullable":false,"IsDynamic":false,"Dim":2,"MaxLength":0,"MaxCapacity":0,"EnableAnalyzer":false,"EnableMatch":false,"AnalyzerParams":"","Default":null},{"ID":102,"Name":"n","Description":"","Type":5,"ElementType":0,"PrimaryKey":false,"AutoID":false,"PartitionKey":false,"Nullable":true,"IsDynamic":false,"Dim":0,"MaxLength":0,"MaxCapacity":0,"EnableAnalyzer":false,"EnableMatch":false,"AnalyzerParams":"","Default":null},{"ID":103,"Name":"vec2","Description":"","Type":11,"ElementType":0,"PrimaryKey":false,"AutoID":false,"PartitionKey":false,"Nullable":false,"IsDynamic":false,"Dim":2,"MaxLength":0,"MaxCapacity":0,"EnableAnalyzer":false,"EnableMatch":false,"AnalyzerParams":"","Default":null}],"Functions":null},"ShardsNum":1,"Consistency":"Bounded","Partitions":[{"ID":2,"Name":"_default"}],"Indexes":null,"Loaded":false,"Properties":null,"ReplicaNumber":1,"WantReplicas":3,"Shards":[{"Replicas":["n1"],"Initial":["n1"]}]}},"aliases":{"al":"docs"},"nodes":{"n1":{"id":"n1","raftAddr":"a:1","httpAddr":"","state":"up"}},"tasks":{},"next_id":3,"next_auto_id":1099511627776}`

// TestPreDatabaseSnapshot: a snapshot from before databases restores as
// the default database holding every collection and alias, encodes to the
// same bytes (so its state hash is unchanged), and old-style commands (no
// database anywhere) still address the default database.
func TestPreDatabaseSnapshot(t *testing.T) {
	m := restored(t, []byte(preDatabaseSnapshot))
	if got := snapshotBytes(t, m); !bytes.Equal(got, []byte(preDatabaseSnapshot)) {
		t.Fatalf("re-encoded snapshot differs:\n%s\n%s", preDatabaseSnapshot, got)
	}
	if dbs := m.databases(); len(dbs) != 1 || dbs[0].Name != DefaultDatabase || dbs[0].ID != DefaultDatabaseID {
		t.Fatalf("databases = %+v, want only default", dbs)
	}
	if names, err := m.list(""); err != nil || !slices.Equal(names, []string{"docs"}) {
		t.Fatalf("default's collections = %v, %v", names, err)
	}
	for _, name := range []string{"docs", "al", Qualify(DefaultDatabase, "al")} {
		if c, err := m.get(name); err != nil || c.ID != 1 || c.Database() != DefaultDatabase {
			t.Fatalf("get(%q) = %+v, %v", name, c, err)
		}
	}
	// An entry written by the old code: no db field.
	old := []byte(`{"op":"create_partition","name":"al","partition":"p"}`)
	if r := applyRaw(t, m, old); r.Err != nil || r.ID != 3 {
		t.Fatalf("old-style entry: %+v", r)
	}
	// A new database may hold a collection of the same name.
	mustApply(t, m, command{Op: opCreateDatabase, DB: &dbChange{Name: "db1"}})
	c := testCollection("docs", 1, 2)
	c.DB = "db1"
	mustApply(t, m, command{Op: opCreateCollection, Collection: c})
	a, _ := m.get("docs")
	b, _ := m.get(Qualify("db1", "docs"))
	if a.ID == b.ID || len(a.Partitions) != 2 || len(b.Partitions) != 1 {
		t.Fatalf("default docs %+v, db1 docs %+v", a, b)
	}
}

func TestQualify(t *testing.T) {
	tests := []struct {
		db, name, want string
	}{
		{"", "c", "c"},
		{"default", "c", "c"},
		{"db1", "c", "db1" + nameSep + "c"},
		// A name holding the separator is qualified explicitly, so it never
		// reads as another database's name.
		{"", "db1" + nameSep + "c", "default" + nameSep + "db1" + nameSep + "c"},
	}
	for _, tc := range tests {
		got := Qualify(tc.db, tc.name)
		if got != tc.want {
			t.Errorf("Qualify(%q, %q) = %q, want %q", tc.db, tc.name, got, tc.want)
		}
		if db, name := SplitName(got); db != NormalizeDatabase(tc.db) || name != tc.name {
			t.Errorf("SplitName(%q) = %q, %q", got, db, name)
		}
	}
}

// TestNoCrossDatabaseLookup: a name crafted to look like another
// database's qualified name resolves to nothing, and cannot be created.
func TestNoCrossDatabaseLookup(t *testing.T) {
	m := newTestFSM(t)
	mustApply(t, m, command{Op: opCreateDatabase, DB: &dbChange{Name: "db1"}})
	c := testCollection("secret", 1, 2)
	c.DB = "db1"
	mustApply(t, m, command{Op: opCreateCollection, Collection: c})
	crafted := "db1" + nameSep + "secret"
	if _, err := m.get(Qualify("", crafted)); !errors.Is(err, ErrCollectionNotFound) {
		t.Fatalf("default database lookup of %q: %v", crafted, err)
	}
	bad := testCollection(crafted, 1, 2)
	if r := applyCmd(t, m, command{Op: opCreateCollection, Collection: bad}); !errors.Is(r.Err, ErrInvalid) {
		t.Fatalf("creating %q: %v", crafted, r.Err)
	}
	if r := applyCmd(t, m, command{Op: opCreateDatabase, DB: &dbChange{Name: "a" + nameSep + "b"}}); !errors.Is(r.Err, ErrInvalid) {
		t.Fatalf("creating a database holding the separator: %v", r.Err)
	}
}

func TestMaxDatabases(t *testing.T) {
	m := newMetaFSM(nil)
	for i := 1; i < MaxDatabases; i++ {
		mustApply(t, m, command{Op: opCreateDatabase, DB: &dbChange{Name: fmt.Sprintf("db%d", i)}})
	}
	before := snapshotBytes(t, m)
	if r := applyCmd(t, m, command{Op: opCreateDatabase, DB: &dbChange{Name: "one_more"}}); !errors.Is(r.Err, ErrInvalid) {
		t.Fatalf("database %d: %v", MaxDatabases+1, r.Err)
	}
	if !bytes.Equal(before, snapshotBytes(t, m)) {
		t.Fatal("a refused create changed the state")
	}
	mustApply(t, m, command{Op: opDropDatabase, DB: &dbChange{Name: "db1"}})
	mustApply(t, m, command{Op: opCreateDatabase, DB: &dbChange{Name: "one_more"}})
}

// TestDatabasesHandedOutNeverChange: what database and databases return
// is a copy; a later alter does not change it.
func TestDatabasesHandedOutNeverChange(t *testing.T) {
	m := newMetaFSM(nil)
	mustApply(t, m, command{Op: opCreateDatabase, DB: &dbChange{Name: "db1", Properties: map[string]string{"k": "v"}}})
	d, err := m.database("db1")
	if err != nil {
		t.Fatal(err)
	}
	all := m.databases()
	mustApply(t, m, command{Op: opAlterDatabase, DB: &dbChange{Name: "db1", Properties: map[string]string{"k": "w"}}})
	if d.Properties["k"] != "v" || all[1].Properties["k"] != "v" {
		t.Fatalf("handed out %+v and %+v changed", d, all)
	}
	if d, _ := m.database("db1"); d.Properties["k"] != "w" {
		t.Fatalf("after alter: %+v", d)
	}
}

// applyRaw applies a log entry's bytes as Raft does.
func applyRaw(t testing.TB, m *metaFSM, data []byte) result {
	t.Helper()
	r, ok := m.Apply(&hraft.Log{Type: hraft.LogCommand, Data: data}).(result)
	if !ok {
		t.Fatalf("Apply returned a %T", r)
	}
	return r
}
