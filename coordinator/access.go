package coordinator

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Users, roles and privileges (Milvus RBAC), kept in the metadata group.
//
// A stored user has a name, a password hash and the roles granted to it; a
// role has grants (object type, object name, database, privilege). The
// metadata state holds them in one immutable *Access value, replaced as a
// whole by every change (copy on write), so a reader gets the current
// pointer and reads it without locks or copies: front ends check a
// request's privileges against the node's applied Access on every request.
//
// The FSM stores password hashes, never passwords: the node that takes the
// request hashes the password (bcrypt) before it proposes, so Apply stays
// deterministic and cheap. It only checks that a hash has bcrypt's form.
//
// Built-in roles: admin (every privilege; cannot be granted or revoked
// anything) and public (held by every user; by default, as Milvus,
// Global DescribeCollection and ShowCollections and Collection IndexDetail
// on every object of every database). Neither can be dropped or created.
// public is implicit until a grant changes it, then stored (as the default
// database is). The user root is the flag-given superuser: it is never
// stored, and cannot be created or dropped here.

// Built-in roles and the superuser.
const (
	RoleAdmin  = "admin"
	RolePublic = "public"
	RootUser   = "root"
)

// Object types of grants.
const (
	ObjectGlobal     = "Global"
	ObjectCollection = "Collection"
	ObjectUser       = "User"
)

// AllPrivileges as a grant's privilege means every privilege of its
// object type; PrivilegeAll on Global means every privilege of every type.
const (
	AllPrivileges = "*"
	PrivilegeAll  = "All"
)

// AnyName as a grant's object name or database matches every object or
// database.
const AnyName = "*"

// Privileges are the privilege names of each object type (Milvus's).
var Privileges = map[string][]string{
	ObjectGlobal: {PrivilegeAll, "CreateCollection", "DropCollection", "DescribeCollection", "ShowCollections",
		"RenameCollection", "CreateOwnership", "DropOwnership", "SelectOwnership", "ManageOwnership",
		"CreateDatabase", "DropDatabase", "ListDatabases", "DescribeDatabase", "AlterDatabase",
		"CreateAlias", "DropAlias", "DescribeAlias", "ListAliases", "FlushAll"},
	ObjectCollection: {"CreateIndex", "DropIndex", "IndexDetail", "Load", "GetLoadingProgress", "GetLoadState",
		"Release", "Insert", "Delete", "Upsert", "Search", "Flush", "GetFlushState", "Query", "GetStatistics",
		"Compaction", "Import", "CreatePartition", "DropPartition", "ShowPartitions", "HasPartition",
		"AlterCollection"},
	ObjectUser: {"UpdateUser", "SelectUser"},
}

// ClusterPrivileges are checked without regard to a grant's database:
// they act on the cluster (databases, users, roles), not inside one
// database.
var ClusterPrivileges = map[string]bool{
	"CreateOwnership": true, "DropOwnership": true, "SelectOwnership": true, "ManageOwnership": true,
	"CreateDatabase": true, "DropDatabase": true, "ListDatabases": true, "DescribeDatabase": true,
	"AlterDatabase": true, "UpdateUser": true, "SelectUser": true, PrivilegeAll: true,
}

// publicDefaults are the grants of the public role until changed
// (Milvus's defaults).
var publicDefaults = []Grant{
	{ObjectType: ObjectCollection, ObjectName: AnyName, DB: AnyName, Privilege: "IndexDetail"},
	{ObjectType: ObjectGlobal, ObjectName: AnyName, DB: AnyName, Privilege: "DescribeCollection"},
	{ObjectType: ObjectGlobal, ObjectName: AnyName, DB: AnyName, Privilege: "ShowCollections"},
}

// Limits of the access metadata.
const (
	MaxUsers        = 100
	MaxRoles        = 64 // the built-in ones included
	MaxGrantsOfRole = 256
)

// User is a stored user.
type User struct {
	Name string `json:"name"`
	// Hash is the bcrypt hash of the password. Never log it.
	Hash string `json:"hash"`
	// Roles granted to the user, sorted (public is implicit).
	Roles []string `json:"roles,omitempty"`
}

// Role is a role and its grants.
type Role struct {
	Name   string  `json:"name"`
	Grants []Grant `json:"grants,omitempty"`
}

// Grant is one privilege on one object of a role.
type Grant struct {
	ObjectType string `json:"object_type"`
	ObjectName string `json:"object_name"`
	DB         string `json:"db"`
	Privilege  string `json:"privilege"`
	Grantor    string `json:"grantor,omitempty"`
}

// Access is the users and roles. A value handed out is never changed.
type Access struct {
	Users map[string]*User `json:"users,omitempty"`
	Roles map[string]*Role `json:"roles,omitempty"`
}

// Access change ops.
const (
	AccessCreateUser      = "create_user"
	AccessDropUser        = "drop_user"
	AccessUpdatePassword  = "update_password"
	AccessGrantRole       = "grant_role"
	AccessRevokeRole      = "revoke_role"
	AccessCreateRole      = "create_role"
	AccessDropRole        = "drop_role"
	AccessGrantPrivilege  = "grant_privilege"
	AccessRevokePrivilege = "revoke_privilege"
)

// AccessChange is one change of the users and roles (the payload of the
// access command).
type AccessChange struct {
	Op   string `json:"op"`
	User string `json:"user,omitempty"`
	Role string `json:"role,omitempty"`
	// Hash is the new password's bcrypt hash (create_user,
	// update_password).
	Hash  string `json:"hash,omitempty"`
	Grant *Grant `json:"grant,omitempty"`
}

// opAccess is the command of every access change.
const opAccess = "access"

// User returns a stored user.
func (a *Access) User(name string) (*User, bool) {
	if a == nil {
		return nil, false
	}
	u, ok := a.Users[name]
	return u, ok
}

// Role returns a role, the built-in ones included (admin has no grants:
// it holds every privilege).
func (a *Access) Role(name string) (*Role, bool) {
	if a != nil {
		if r, ok := a.Roles[name]; ok {
			return r, true
		}
	}
	switch name {
	case RoleAdmin:
		return &Role{Name: RoleAdmin}, true
	case RolePublic:
		return &Role{Name: RolePublic, Grants: slices.Clone(publicDefaults)}, true
	}
	return nil, false
}

// RoleNames returns every role's name, the built-in ones first.
func (a *Access) RoleNames() []string {
	out := []string{RoleAdmin, RolePublic}
	if a == nil {
		return out
	}
	var rest []string
	for n := range a.Roles {
		if n != RoleAdmin && n != RolePublic {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// UserNames returns the stored users' names, sorted.
func (a *Access) UserNames() []string {
	if a == nil {
		return []string{}
	}
	return slices.Sorted(maps.Keys(a.Users))
}

// UsersOf returns the stored users holding a role, sorted.
func (a *Access) UsersOf(role string) []string {
	out := []string{}
	if a == nil {
		return out
	}
	for _, n := range a.UserNames() {
		if slices.Contains(a.Users[n].Roles, role) {
			out = append(out, n)
		}
	}
	return out
}

// Allowed reports whether holding roles (public is always held) grants
// privilege priv on the object of type objType named name in database db
// (name is AnyName for a Global object, or for a request naming no
// object: then only a grant on every object allows it).
func (a *Access) Allowed(roles []string, objType, name, db, priv string) bool {
	db = NormalizeDatabase(db)
	for _, rn := range append([]string{RolePublic}, roles...) {
		if rn == RoleAdmin {
			return true
		}
		r, ok := a.Role(rn)
		if !ok {
			continue
		}
		for _, g := range r.Grants {
			if g.allows(objType, name, db, priv) {
				return true
			}
		}
	}
	return false
}

func (g *Grant) allows(objType, name, db, priv string) bool {
	if g.ObjectType == ObjectGlobal && g.Privilege == PrivilegeAll {
		return g.DB == AnyName || g.DB == db || ClusterPrivileges[priv]
	}
	if g.ObjectType != objType || (g.Privilege != priv && g.Privilege != AllPrivileges) {
		return false
	}
	if g.ObjectName != AnyName && g.ObjectName != name {
		return false
	}
	return g.DB == AnyName || g.DB == db || ClusterPrivileges[priv]
}

// IsPrivilege reports whether priv is a privilege of object type objType
// (AllPrivileges is one of every type).
func IsPrivilege(objType, priv string) bool {
	ps, ok := Privileges[objType]
	return ok && (priv == AllPrivileges || slices.Contains(ps, priv))
}

// ValidAccessName reports whether a user or role name is acceptable:
// Milvus's rule, a letter or _ first, then letters, digits, _ (users also
// . and -), at most 32 bytes.
func ValidAccessName(name string, user bool) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && r >= '0' && r <= '9':
		case i > 0 && user && (r == '.' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// bcryptForm reports whether h has the form of a bcrypt hash ($2a$, $2b$
// or $2y$, cost, 53 characters of salt and hash): the FSM stores nothing
// else as a password hash.
func bcryptForm(h string) bool {
	return len(h) == 60 && h[0] == '$' && h[1] == '2' && strings.ContainsRune("aby", rune(h[2])) && h[3] == '$' && h[6] == '$'
}

// With returns the access metadata after ch, or an error (and the
// receiver unchanged). Pure: the FSM applies it, and test doubles may.
func (a *Access) With(ch *AccessChange) (*Access, error) {
	if ch == nil {
		return nil, fmt.Errorf("%w: no access change", ErrInvalid)
	}
	n := &Access{Users: map[string]*User{}, Roles: map[string]*Role{}}
	if a != nil {
		maps.Copy(n.Users, a.Users)
		maps.Copy(n.Roles, a.Roles)
	}
	var err error
	switch ch.Op {
	case AccessCreateUser:
		err = n.createUser(ch)
	case AccessDropUser:
		err = n.dropUser(ch.User)
	case AccessUpdatePassword:
		err = n.updatePassword(ch)
	case AccessGrantRole, AccessRevokeRole:
		err = n.userRole(ch)
	case AccessCreateRole:
		err = n.createRole(ch.Role)
	case AccessDropRole:
		err = n.dropRole(ch.Role)
	case AccessGrantPrivilege, AccessRevokePrivilege:
		err = n.privilege(ch)
	default:
		err = fmt.Errorf("%w: unknown access op %q", ErrInvalid, ch.Op)
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// storedUser returns a stored user, or ErrUserNotFound (root is not
// stored: it cannot be changed through the metadata).
func (a *Access) storedUser(name string) (*User, error) {
	if name == RootUser {
		return nil, fmt.Errorf("%w: %q is the built-in superuser, set by the node's flags (--users), and cannot be changed through the API", ErrInvalid, name)
	}
	u, ok := a.Users[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUserNotFound, name)
	}
	return u, nil
}

func (a *Access) createUser(ch *AccessChange) error {
	switch {
	case !ValidAccessName(ch.User, true):
		return fmt.Errorf("%w: invalid user name %q: a letter or _ first, then letters, digits, _, . or -, at most 32", ErrInvalid, ch.User)
	case ch.User == RootUser:
		return fmt.Errorf("%w: %q is the built-in superuser", ErrUserExists, ch.User)
	case !bcryptForm(ch.Hash):
		return fmt.Errorf("%w: the password hash is not a bcrypt hash", ErrInvalid)
	}
	if _, ok := a.Users[ch.User]; ok {
		return fmt.Errorf("%w: %q", ErrUserExists, ch.User)
	}
	if len(a.Users) >= MaxUsers {
		return fmt.Errorf("%w: a cluster has at most %d users", ErrInvalid, MaxUsers)
	}
	a.Users[ch.User] = &User{Name: ch.User, Hash: ch.Hash}
	return nil
}

func (a *Access) dropUser(name string) error {
	if _, err := a.storedUser(name); err != nil {
		return err
	}
	delete(a.Users, name)
	return nil
}

func (a *Access) updatePassword(ch *AccessChange) error {
	u, err := a.storedUser(ch.User)
	if err != nil {
		return err
	}
	if !bcryptForm(ch.Hash) {
		return fmt.Errorf("%w: the password hash is not a bcrypt hash", ErrInvalid)
	}
	cp := *u
	cp.Hash = ch.Hash
	a.Users[cp.Name] = &cp
	return nil
}

// userRole grants or revokes a role of a user; granting a role held or
// revoking one not held is a no-op (so a retried change is harmless).
func (a *Access) userRole(ch *AccessChange) error {
	u, err := a.storedUser(ch.User)
	if err != nil {
		return err
	}
	if _, ok := a.Role(ch.Role); !ok {
		return fmt.Errorf("%w: %q", ErrRoleNotFound, ch.Role)
	}
	if ch.Role == RolePublic {
		return fmt.Errorf("%w: every user holds the role %q", ErrInvalid, RolePublic)
	}
	cp := *u
	held := slices.Contains(u.Roles, ch.Role)
	switch {
	case ch.Op == AccessGrantRole && !held:
		cp.Roles = append(slices.Clone(u.Roles), ch.Role)
		sort.Strings(cp.Roles)
	case ch.Op == AccessRevokeRole && held:
		cp.Roles = slices.DeleteFunc(slices.Clone(u.Roles), func(r string) bool { return r == ch.Role })
		if len(cp.Roles) == 0 {
			cp.Roles = nil
		}
	default:
		return nil
	}
	a.Users[cp.Name] = &cp
	return nil
}

func (a *Access) createRole(name string) error {
	if !ValidAccessName(name, false) {
		return fmt.Errorf("%w: invalid role name %q: a letter or _ first, then letters, digits, _, at most 32", ErrInvalid, name)
	}
	if _, ok := a.Role(name); ok {
		return fmt.Errorf("%w: %q", ErrRoleExists, name)
	}
	if len(a.RoleNames()) >= MaxRoles {
		return fmt.Errorf("%w: a cluster has at most %d roles, the built-in ones included", ErrInvalid, MaxRoles)
	}
	a.Roles[name] = &Role{Name: name}
	return nil
}

func (a *Access) dropRole(name string) error {
	if name == RoleAdmin || name == RolePublic {
		return fmt.Errorf("%w: the built-in role %q cannot be dropped", ErrInvalid, name)
	}
	if _, ok := a.Roles[name]; !ok {
		return fmt.Errorf("%w: %q", ErrRoleNotFound, name)
	}
	if users := a.UsersOf(name); len(users) > 0 {
		return fmt.Errorf("%w: role %q is granted to users (%s); revoke it from them before dropping it",
			ErrInvalid, name, strings.Join(users, ", "))
	}
	delete(a.Roles, name)
	return nil
}

// privilege grants or revokes a privilege of a role; granting one held or
// revoking one not held is a no-op. Global grants are on every object
// (name AnyName); a grant's database "" is the default database.
func (a *Access) privilege(ch *AccessChange) error {
	r, ok := a.Role(ch.Role)
	if !ok {
		return fmt.Errorf("%w: %q", ErrRoleNotFound, ch.Role)
	}
	if r.Name == RoleAdmin {
		return fmt.Errorf("%w: the built-in role %q holds every privilege; its grants cannot change", ErrInvalid, RoleAdmin)
	}
	if ch.Grant == nil {
		return fmt.Errorf("%w: no grant", ErrInvalid)
	}
	g := *ch.Grant
	if _, ok := Privileges[g.ObjectType]; !ok {
		return fmt.Errorf("%w: invalid object type %q: want Global, Collection or User", ErrInvalid, g.ObjectType)
	}
	if !IsPrivilege(g.ObjectType, g.Privilege) {
		return fmt.Errorf("%w: invalid privilege %q for object type %s", ErrInvalid, g.Privilege, g.ObjectType)
	}
	if g.ObjectName == "" {
		return fmt.Errorf("%w: missing object name (%q for every object)", ErrInvalid, AnyName)
	}
	if g.ObjectType == ObjectGlobal && g.ObjectName != AnyName {
		return fmt.Errorf("%w: a Global grant's object name must be %q", ErrInvalid, AnyName)
	}
	if g.DB == "" {
		g.DB = DefaultDatabase
	}
	if !validStoredName(g.DB) {
		return fmt.Errorf("%w: invalid database name %q", ErrInvalid, g.DB)
	}
	same := func(o Grant) bool {
		return o.ObjectType == g.ObjectType && o.ObjectName == g.ObjectName && o.DB == g.DB && o.Privilege == g.Privilege
	}
	i := slices.IndexFunc(r.Grants, same)
	cp := Role{Name: r.Name, Grants: slices.Clone(r.Grants)}
	switch {
	case ch.Op == AccessGrantPrivilege && i < 0:
		if len(r.Grants) >= MaxGrantsOfRole {
			return fmt.Errorf("%w: a role has at most %d grants", ErrInvalid, MaxGrantsOfRole)
		}
		cp.Grants = append(cp.Grants, g)
		sortGrants(cp.Grants)
	case ch.Op == AccessRevokePrivilege && i >= 0:
		cp.Grants = slices.Delete(cp.Grants, i, i+1)
	default:
		return nil
	}
	a.Roles[cp.Name] = &cp
	return nil
}

func sortGrants(gs []Grant) {
	sort.Slice(gs, func(i, j int) bool {
		x, y := gs[i], gs[j]
		if x.DB != y.DB {
			return x.DB < y.DB
		}
		if x.ObjectType != y.ObjectType {
			return x.ObjectType < y.ObjectType
		}
		if x.ObjectName != y.ObjectName {
			return x.ObjectName < y.ObjectName
		}
		return x.Privilege < y.Privilege
	})
}

// applyAccessLocked applies an access change.
func (m *metaFSM) applyAccessLocked(ch *AccessChange) result {
	n, err := m.mu.Access.With(ch)
	if err != nil {
		return result{Err: err}
	}
	m.mu.Access = n
	return result{}
}

// access returns the applied users and roles (never changed; nil-safe).
func (m *metaFSM) access() *Access {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.mu.Access
}

// ChangeAccess applies a change of the users and roles. Passwords are
// never given: ch.Hash is a bcrypt hash made by the caller.
func (c *Coordinator) ChangeAccess(ctx context.Context, ch AccessChange) error {
	_, err := c.propose(ctx, command{Op: opAccess, Access: &ch})
	return err
}

// Access returns the users and roles: after a read barrier when fresh,
// else as this node has applied them (cheap: for checking every
// request's credentials and privileges; a change made elsewhere is seen
// once this node applies it). The value is shared and never changed.
func (c *Coordinator) Access(ctx context.Context, fresh bool) (*Access, error) {
	if fresh {
		if err := c.sync(ctx); err != nil {
			return nil, err
		}
	}
	return c.fsm.access(), nil
}
