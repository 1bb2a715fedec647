package coordinator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/rpc"
)

// accessWorkload creates users and roles with grants.
func accessWorkload(t *testing.T, m *metaFSM) {
	t.Helper()
	for _, ch := range []AccessChange{
		{Op: AccessCreateUser, User: "alice", Hash: testHash("a")},
		{Op: AccessCreateUser, User: "bob", Hash: testHash("b")},
		{Op: AccessCreateRole, Role: "reader"},
		{Op: AccessGrantRole, User: "alice", Role: "reader"},
		{Op: AccessGrantRole, User: "bob", Role: RoleAdmin},
		{Op: AccessGrantPrivilege, Role: "reader", Grant: &Grant{ObjectType: ObjectCollection, ObjectName: "docs", Privilege: "Search", Grantor: "root"}},
		{Op: AccessGrantPrivilege, Role: RolePublic, Grant: &Grant{ObjectType: ObjectGlobal, ObjectName: AnyName, DB: AnyName, Privilege: "ListDatabases"}},
	} {
		mustApply(t, m, command{Op: opAccess, Access: &ch})
	}
}

// TestAccessSnapshotRoundTrip: users, hashes, roles and grants survive a
// snapshot and restore unchanged, and the state hashes agree.
func TestAccessSnapshotRoundTrip(t *testing.T) {
	m := newMetaFSM(nil)
	accessWorkload(t, m)
	snap := snapshotBytes(t, m)
	r := restored(t, snap)
	if !reflect.DeepEqual(m.access(), r.access()) {
		t.Fatalf("restored access differs:\n%+v\n%+v", m.access(), r.access())
	}
	if got := snapshotBytes(t, r); !bytes.Equal(got, snap) {
		t.Fatalf("re-encoded snapshot differs")
	}
	_, h1, _ := m.hashAt()
	_, h2, _ := r.hashAt()
	if h1 != h2 {
		t.Fatalf("state hashes differ after restore")
	}
	a := r.access()
	if u, _ := a.User("alice"); u.Hash != testHash("a") || !reflect.DeepEqual(u.Roles, []string{"reader"}) {
		t.Fatalf("alice after restore: %+v", u)
	}
	if !a.Allowed([]string{"reader"}, ObjectCollection, "docs", "", "Search") || a.Allowed(nil, ObjectCollection, "docs", "", "Search") {
		t.Fatal("grants not restored")
	}
	if !a.Allowed(nil, ObjectGlobal, AnyName, "", "ListDatabases") || !a.Allowed(nil, ObjectGlobal, AnyName, "", "ShowCollections") {
		t.Fatal("the stored public role lost a grant")
	}
}

// TestPreAccessSnapshot: a snapshot from before users existed (the one
// from before databases, too) restores with no stored user and the
// built-in roles only, and re-encodes byte for byte.
func TestPreAccessSnapshot(t *testing.T) {
	m := restored(t, []byte(preDatabaseSnapshot))
	if got := snapshotBytes(t, m); !bytes.Equal(got, []byte(preDatabaseSnapshot)) {
		t.Fatalf("re-encoded snapshot differs:\n%s\n%s", preDatabaseSnapshot, got)
	}
	a := m.access()
	if len(a.UserNames()) != 0 || !reflect.DeepEqual(a.RoleNames(), []string{RoleAdmin, RolePublic}) {
		t.Fatalf("users %v roles %v", a.UserNames(), a.RoleNames())
	}
	// And changes apply on top of it.
	mustApply(t, m, command{Op: opAccess, Access: &AccessChange{Op: AccessCreateUser, User: "u", Hash: testHash("u")}})
	if _, ok := m.access().User("u"); !ok {
		t.Fatal("user not created after restoring an old snapshot")
	}
}

// TestAccessHandedOutNeverChanges: an Access value a reader holds stays as
// it was while changes apply (they replace it).
func TestAccessHandedOutNeverChanges(t *testing.T) {
	m := newMetaFSM(nil)
	accessWorkload(t, m)
	before := m.access()
	snap := string(mustJSON(t, before))
	mustApply(t, m, command{Op: opAccess, Access: &AccessChange{Op: AccessRevokeRole, User: "alice", Role: "reader"}})
	mustApply(t, m, command{Op: opAccess, Access: &AccessChange{Op: AccessUpdatePassword, User: "alice", Hash: testHash("z")}})
	mustApply(t, m, command{Op: opAccess, Access: &AccessChange{Op: AccessRevokePrivilege, Role: "reader",
		Grant: &Grant{ObjectType: ObjectCollection, ObjectName: "docs", Privilege: "Search"}}})
	mustApply(t, m, command{Op: opAccess, Access: &AccessChange{Op: AccessDropUser, User: "bob"}})
	if got := string(mustJSON(t, before)); got != snap {
		t.Fatalf("a handed-out Access changed:\n%s\n%s", snap, got)
	}
}

// TestAccessLimitsAndErrorsChangeNothing: a refused change leaves the
// state as it was.
func TestAccessLimitsAndErrorsChangeNothing(t *testing.T) {
	m := newMetaFSM(nil)
	accessWorkload(t, m)
	before := string(snapshotBytes(t, m))
	for _, ch := range []AccessChange{
		{Op: AccessCreateUser, User: "alice", Hash: testHash("x")},
		{Op: AccessCreateUser, User: "carol", Hash: "plaintext"},
		{Op: AccessDropRole, Role: "reader"},
		{Op: AccessDropRole, Role: RoleAdmin},
		{Op: AccessGrantPrivilege, Role: "reader", Grant: &Grant{ObjectType: ObjectCollection, ObjectName: "docs", Privilege: "Nope"}},
		{Op: "nope"},
	} {
		if r := applyCmd(t, m, command{Op: opAccess, Access: &ch}); r.Err == nil {
			t.Fatalf("%+v: no error", ch)
		}
	}
	if got := string(snapshotBytes(t, m)); got != before {
		t.Fatal("a refused change changed the state")
	}
	// The limits.
	for i := len(m.access().Users); i < MaxUsers; i++ {
		mustApply(t, m, command{Op: opAccess, Access: &AccessChange{Op: AccessCreateUser, User: "u" + strings.Repeat("x", i%20) + string(rune('a'+i%26)) + string(rune('a'+i/26)), Hash: testHash("u")}})
	}
	if r := applyCmd(t, m, command{Op: opAccess, Access: &AccessChange{Op: AccessCreateUser, User: "onemore", Hash: testHash("u")}}); r.Err == nil || !strings.Contains(r.Err.Error(), "at most") {
		t.Fatalf("user %d: %v", MaxUsers+1, r.Err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidAccessName(t *testing.T) {
	for name, ok := range map[string]bool{"a": true, "_x9": true, "a.b-c": true, "9a": false, "": false,
		strings.Repeat("a", 33): false, "a b": false, "é": false} {
		if got := ValidAccessName(name, true); got != ok {
			t.Errorf("ValidAccessName(%q, user) = %v, want %v", name, got, ok)
		}
	}
	if ValidAccessName("a.b", false) {
		t.Error("a role name with a dot accepted")
	}
}

// TestForwardedErrorsKeepTheirSentinel: a metadata command proposed
// through a follower fails with the same sentinel as on the leader, for
// every sentinel Apply can return (else the API answers 65535 for, say, a
// database that already exists, when asked through a follower).
func TestForwardedErrorsKeepTheirSentinel(t *testing.T) {
	// What the follower's RPC client returns for the leader's error: the
	// code between the markers Coded puts, and the message.
	wire := func(err error) error {
		msg := err.Error()
		if code, rest, ok := strings.Cut(strings.TrimPrefix(msg, "\x00"), "\x00"); ok && strings.HasPrefix(msg, "\x00") {
			return &rpc.Error{Code: code, Msg: rest}
		}
		return &rpc.Error{Msg: msg}
	}
	for _, s := range sentinels {
		err := decodeErr(wire(encodeErr(fmt.Errorf("%w: %q", s.err, "x"))))
		if !errors.Is(err, s.err) {
			t.Errorf("%s does not survive forwarding: %v", s.name, err)
		}
	}
}
