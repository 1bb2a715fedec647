package coordinator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/raftvec/raftvec/segment"
)

// TestDataDriven runs the scripts under testdata/ against a fresh metadata
// FSM each. Every command is one log entry (except show and get, which
// read), and its result or the state is compared with the golden text.
// Regenerate with -rewrite.
//
//	node id=n1 [state=up|down|removed] [roles=data,query,index]
//	create name=c [shards=1] [replicas=0] [dim=4] [pk=Int64|VarChar|Float] [auto_id]
//	drop name=c | rename name=a to=b | load name=c [loaded=true] [replicas=0]
//	task coll=c segment=1   (plans an index build)
//	partition-create coll=c name=p | partition-drop coll=c name=p
//	index-create coll=c name=ix [field=vec] [type=HNSW] [metric=L2] | index-drop coll=c name=ix
//	alias-create alias=a coll=c | alias-alter alias=a coll=c | alias-drop alias=a
//	alloc n=10
//	get name=c   (resolves aliases)
//	show
//
// Collection and alias commands take db=d (default: the default database;
// rename also to_db=d). Databases:
//
//	db-create name=d [props=k=v,...] | db-drop name=d
//	db-alter name=d [set=k=v,...] [delete=k,...]
//	dbs   (every database) | list [db=d]   (a database's collections)
//
// Users and roles (hash=h: a bcrypt-shaped test hash ending in h):
//
//	user-create user=u [hash=h] | user-drop user=u | user-password user=u hash=h
//	role-grant user=u role=r | role-revoke user=u role=r
//	role-create role=r | role-drop role=r
//	priv-grant role=r type=Collection name=c [db=d] priv=Insert | priv-revoke ...
//	access   (every user and role) | allowed roles=r,... type=T name=n [db=d] priv=P
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		m := newMetaFSM(nil)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			str := func(key, def string) string {
				v := def
				d.MaybeScanArgs(t, key, &v)
				return v
			}
			num := func(key string, def int) int {
				v := def
				d.MaybeScanArgs(t, key, &v)
				return v
			}
			run := func(c command) string { return formatResult(applyCmd(t, m, c)) }
			// qn is the qualified name of argument key in the db argument's
			// database.
			qn := func(key string) string { return Qualify(str("db", ""), str(key, "")) }
			switch d.Cmd {
			case "node":
				n := &NodeInfo{ID: str("id", ""), State: str("state", NodeUp)}
				if d.HasArg("roles") {
					n.Roles = strings.Split(str("roles", ""), ",")
				}
				return run(command{Op: opSetNode, Node: n})
			case "create":
				c := testCollection(str("name", ""), num("shards", 1), num("dim", 4))
				c.ReplicaNumber = num("replicas", 0)
				pk := &c.Schema.Fields[0]
				var err error
				if pk.Type, err = segment.ParseDataType(str("pk", "Int64")); err != nil {
					t.Fatal(err)
				}
				if pk.Type == segment.TypeVarChar {
					pk.MaxLength = 64
				}
				c.Schema.AutoID = d.HasArg("auto_id")
				c.DB = str("db", "")
				return run(command{Op: opCreateCollection, Collection: c})
			case "drop":
				return run(command{Op: opDropCollection, Name: qn("name")})
			case "rename":
				return run(command{Op: opRenameCollection, Name: qn("name"), NewName: Qualify(str("to_db", str("db", "")), str("to", ""))})
			case "load":
				loaded := true
				d.MaybeScanArgs(t, "loaded", &loaded)
				return run(command{Op: opSetLoaded, Name: qn("name"), Loaded: loaded, N: int64(num("replicas", 0))})
			case "partition-create", "partition-drop":
				op := map[string]string{"partition-create": opCreatePartition, "partition-drop": opDropPartition}[d.Cmd]
				return run(command{Op: op, Name: qn("coll"), Partition: str("name", "")})
			case "index-create":
				ix := &Index{Name: str("name", ""), FieldName: str("field", "vec"), IndexType: str("type", "HNSW"), MetricType: str("metric", "L2")}
				return run(command{Op: opCreateIndex, Name: qn("coll"), Index: ix})
			case "index-drop":
				return run(command{Op: opDropIndex, Name: qn("coll"), NewName: str("name", "")})
			case "alias-create", "alias-alter", "alias-drop":
				op := map[string]string{"alias-create": opCreateAlias, "alias-alter": opAlterAlias, "alias-drop": opDropAlias}[d.Cmd]
				return run(command{Op: op, Name: qn("alias"), NewName: qn("coll")})
			case "alloc":
				return run(command{Op: opAllocIDs, N: int64(num("n", 0))})
			case "get":
				c, err := m.get(qn("name"))
				if err != nil {
					return fmt.Sprintf("error %s: %v\n", errName(err), err)
				}
				return fmt.Sprintf("%s id=%d partitions=%d indexes=%d\n", display(c.QualifiedName()), c.ID, len(c.Partitions), len(c.Indexes))
			case "db-create", "db-drop", "db-alter":
				op := map[string]string{"db-create": opCreateDatabase, "db-drop": opDropDatabase, "db-alter": opAlterDatabase}[d.Cmd]
				ch := &dbChange{Name: str("name", ""), Properties: keyValues(str("props", str("set", "")))}
				if del := str("delete", ""); del != "" {
					ch.DeleteKeys = strings.Split(del, ",")
				}
				return run(command{Op: op, DB: ch})
			case "dbs":
				return dumpDatabases(m)
			case "user-create", "user-drop", "user-password", "role-grant", "role-revoke",
				"role-create", "role-drop", "priv-grant", "priv-revoke":
				op := map[string]string{"user-create": AccessCreateUser, "user-drop": AccessDropUser,
					"user-password": AccessUpdatePassword, "role-grant": AccessGrantRole, "role-revoke": AccessRevokeRole,
					"role-create": AccessCreateRole, "role-drop": AccessDropRole,
					"priv-grant": AccessGrantPrivilege, "priv-revoke": AccessRevokePrivilege}[d.Cmd]
				ch := &AccessChange{Op: op, User: str("user", ""), Role: str("role", "")}
				if h := str("hash", "x"); h != "bad" {
					ch.Hash = testHash(h)
				}
				if d.HasArg("priv") {
					ch.Grant = &Grant{ObjectType: str("type", ""), ObjectName: str("name", ""), DB: str("db", ""), Privilege: str("priv", "")}
				}
				return run(command{Op: opAccess, Access: ch})
			case "access":
				return dumpAccess(m.access())
			case "allowed":
				var roles []string
				if r := str("roles", ""); r != "" {
					roles = strings.Split(r, ",")
				}
				return fmt.Sprintf("%v\n", m.access().Allowed(roles, str("type", ""), str("name", ""), str("db", ""), str("priv", "")))
			case "list":
				names, err := m.list(str("db", ""))
				if err != nil {
					return fmt.Sprintf("error %s: %v\n", errName(err), err)
				}
				return fmt.Sprintf("%v\n", names)
			case "task":
				var seg int
				d.ScanArgs(t, "segment", &seg)
				c, err := m.get(str("coll", ""))
				if err != nil {
					t.Fatal(err)
				}
				return run(command{Op: opCreateTask, Task: &Task{Kind: TaskIndex, Collection: c.ID, Segments: []int64{int64(seg)}}})
			case "tasks":
				return dumpTasks(m)
			case "nodes":
				return dumpNodes(m)
			case "show":
				return dumpState(m)
			}
			d.Fatalf(t, "unknown command %q", d.Cmd)
			return ""
		})
	})
}

var sentinels = []struct {
	err  error
	name string
}{
	{ErrCollectionNotFound, "ErrCollectionNotFound"},
	{ErrCollectionExists, "ErrCollectionExists"},
	{ErrPartitionNotFound, "ErrPartitionNotFound"},
	{ErrPartitionExists, "ErrPartitionExists"},
	{ErrIndexNotFound, "ErrIndexNotFound"},
	{ErrIndexExists, "ErrIndexExists"},
	{ErrAliasNotFound, "ErrAliasNotFound"},
	{ErrAliasExists, "ErrAliasExists"},
	{ErrDatabaseNotFound, "ErrDatabaseNotFound"},
	{ErrDatabaseExists, "ErrDatabaseExists"},
	{ErrDatabaseNotEmpty, "ErrDatabaseNotEmpty"},
	{ErrUserNotFound, "ErrUserNotFound"},
	{ErrUserExists, "ErrUserExists"},
	{ErrRoleNotFound, "ErrRoleNotFound"},
	{ErrRoleExists, "ErrRoleExists"},
	{ErrInvalid, "ErrInvalid"},
	{segment.ErrSchema, "segment.ErrSchema"},
}

// errName names the sentinel an error wraps.
func errName(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return "unclassified"
}

// formatResult prints a result for golden output.
func formatResult(r result) string {
	if r.Err != nil {
		return fmt.Sprintf("error %s: %v\n", errName(r.Err), r.Err)
	}
	if r.ID != 0 {
		return fmt.Sprintf("ok id=%d\n", r.ID)
	}
	return "ok\n"
}

// dumpState prints the whole metadata state in a stable order.
func dumpState(m *metaFSM) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var b strings.Builder
	names := make([]string, 0, len(m.mu.Collections))
	for n := range m.mu.Collections {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		c := m.mu.Collections[name]
		var placement, queries []string
		for _, sp := range c.Shards {
			placement = append(placement, strings.Join(sp.Replicas, ","))
			queries = append(queries, strings.Join(sp.Queries, ","))
		}
		fmt.Fprintf(&b, "collection %s id=%d schema=%s auto_id=%v shards=%d replicas=%d loaded=%v placement=[%s]\n",
			display(name), c.ID, c.Schema.Name, c.Schema.AutoID, c.ShardsNum, c.ReplicaNumber, c.Loaded, strings.Join(placement, " "))
		if strings.Join(queries, "") != "" || c.Released {
			fmt.Fprintf(&b, "  queries=[%s] released=%v\n", strings.Join(queries, " "), c.Released)
		}
		var parts []string
		for _, p := range c.Partitions {
			parts = append(parts, fmt.Sprintf("%s=%d", p.Name, p.ID))
		}
		fmt.Fprintf(&b, "  partitions: %s\n", strings.Join(parts, " "))
		for _, ix := range c.Indexes {
			fmt.Fprintf(&b, "  index %s on %s %s/%s\n", ix.Name, ix.FieldName, ix.IndexType, ix.MetricType)
		}
	}
	aliases := make([]string, 0, len(m.mu.Aliases))
	for a := range m.mu.Aliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		fmt.Fprintf(&b, "alias %s -> %s\n", display(a), display(m.mu.Aliases[a]))
	}
	if len(m.mu.Databases) > 0 {
		b.WriteString(dumpDatabasesLocked(m))
	}
	fmt.Fprintf(&b, "next_id=%d next_auto_id=autoIDBase+%d\n", m.mu.NextID, m.mu.NextAutoID-autoIDBase)
	return b.String()
}

// display prints a qualified name as db.name (the bare name in the
// default database).
func display(q string) string {
	db, name := SplitName(q)
	if db == DefaultDatabase {
		return name
	}
	return db + "." + name
}

// keyValues parses k=v,k2=v2 (nil for "").
func keyValues(s string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// dumpDatabases prints every database in creation order.
func dumpDatabases(m *metaFSM) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return dumpDatabasesLocked(m)
}

func dumpDatabasesLocked(m *metaFSM) string {
	var b strings.Builder
	for _, db := range m.databasesLocked() {
		keys := slices.Sorted(maps.Keys(db.Properties))
		var props []string
		for _, k := range keys {
			props = append(props, k+"="+db.Properties[k])
		}
		fmt.Fprintf(&b, "database %s id=%d properties=[%s] collections=%v\n", db.Name, db.ID, strings.Join(props, " "), m.collectionsInLocked(db.Name))
	}
	return b.String()
}

// dumpTasks prints the assigned tasks in ID order.
func dumpTasks(m *metaFSM) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := make([]int64, 0, len(m.mu.Tasks))
	for id := range m.mu.Tasks {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var b strings.Builder
	for _, id := range ids {
		t := m.mu.Tasks[id]
		fmt.Fprintf(&b, "task %d %s segments=%v assignee=%s state=%s\n", id, t.Kind, t.Segments, t.Assignee, t.State)
	}
	return b.String()
}

// dumpNodes prints the registry.
func dumpNodes(m *metaFSM) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := make([]string, 0, len(m.mu.Nodes))
	for id := range m.mu.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		n := m.mu.Nodes[id]
		fmt.Fprintf(&b, "node %s %s roles=%s\n", id, n.State, strings.Join(n.Roles, ","))
	}
	return b.String()
}

// testHash is a string of a bcrypt hash's form ending in suffix.
func testHash(suffix string) string {
	h := "$2a$10$" + strings.Repeat(".", 53)
	return h[:len(h)-len(suffix)] + suffix
}

// dumpAccess prints the users (roles, hash suffix) and roles (grants).
func dumpAccess(a *Access) string {
	var b strings.Builder
	for _, n := range a.UserNames() {
		u := a.Users[n]
		fmt.Fprintf(&b, "user %s hash=...%s roles=%v\n", n, strings.TrimLeft(u.Hash[7:], "."), u.Roles)
	}
	for _, n := range a.RoleNames() {
		r, _ := a.Role(n)
		fmt.Fprintf(&b, "role %s users=%v\n", n, a.UsersOf(n))
		for _, g := range r.Grants {
			fmt.Fprintf(&b, "  %s %s.%s %s\n", g.ObjectType, g.DB, g.ObjectName, g.Privilege)
		}
	}
	return b.String()
}
