package api

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
)

// The users/ and roles/ routes (Milvus RESTful v2). Passwords are hashed
// here, on the node that takes the request, before anything is proposed:
// the metadata group stores the bcrypt hash only. Neither is logged.

// Password bounds: Milvus's minimum; bcrypt reads at most 72 bytes.
const (
	minPassword = 6
	maxPassword = 72
)

// bcryptCost is the work factor of stored hashes (~50 ms a check; the
// credential cache spares requests most checks).
var bcryptCost = bcrypt.DefaultCost

// accessReq is the body of the users/ and roles/ routes.
type accessReq struct {
	dbReq
	UserName    string `json:"userName"`
	Password    string `json:"password"`
	NewPassword string `json:"newPassword"`
	RoleName    string `json:"roleName"`
	ObjectType  string `json:"objectType"`
	ObjectName  string `json:"objectName"`
	Privilege   string `json:"privilege"`
}

func decodeAccess(c *call, user, role bool) (*accessReq, error) {
	var r accessReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	var err error
	if user {
		err = requireName("userName", r.UserName)
	}
	if role && err == nil {
		err = requireName("roleName", r.RoleName)
	}
	return &r, err
}

// hashPassword checks a new password's length and hashes it.
func hashPassword(pass string) (string, error) {
	if len(pass) < minPassword || len(pass) > maxPassword {
		return "", invalidf("invalid password: want %d to %d bytes, got %d", minPassword, maxPassword, len(pass))
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pass), bcryptCost)
	if err != nil {
		return "", invalidf("invalid password: %v", err)
	}
	return string(h), nil
}

// change applies an access change, naming the user or role in its error.
func (s *Server) change(ctx context.Context, ch coordinator.AccessChange) error {
	err := s.b.ChangeAccess(ctx, ch)
	if ch.User != "" {
		return named(err, "user", ch.User)
	}
	return named(err, "role", ch.Role)
}

// CreateUser creates a stored user (both front ends).
func (s *Server) CreateUser(ctx context.Context, name, password string) error {
	if !coordinator.ValidAccessName(name, true) {
		return invalidf("invalid user name %q: a letter or _ first, then letters, digits, _, . or -, at most 32 bytes", name)
	}
	if _, flag := s.cfg.Users[name]; flag || name == coordinator.RootUser {
		return invalidf("user already exists: %q is given by the node's flags (--users)", name)
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessCreateUser, User: name, Hash: h})
}

// DropUser drops a stored user.
func (s *Server) DropUser(ctx context.Context, name string) error {
	old := s.storedHash(ctx, name)
	err := s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessDropUser, User: name})
	if err == nil {
		s.creds.forget(old)
	}
	return err
}

// storedHash is a stored user's hash as this node has applied it ("" for
// none).
func (s *Server) storedHash(ctx context.Context, name string) string {
	a, err := s.b.Access(ctx, false)
	if err != nil {
		return ""
	}
	if u, ok := a.User(name); ok {
		return u.Hash
	}
	return ""
}

// ListUsers lists root (when the flags give it) and the stored users.
func (s *Server) ListUsers(ctx context.Context) ([]string, error) {
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return nil, err
	}
	names := a.UserNames()
	if _, ok := s.cfg.Users[coordinator.RootUser]; ok {
		names = append([]string{coordinator.RootUser}, names...)
	}
	return names, nil
}

// UserRoles returns the roles of a user (root: admin; the other flag
// users: none).
func (s *Server) UserRoles(ctx context.Context, name string) ([]string, error) {
	if name == coordinator.RootUser {
		return []string{coordinator.RoleAdmin}, nil
	}
	if _, flag := s.cfg.Users[name]; flag {
		return []string{}, nil
	}
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return nil, err
	}
	u, ok := a.User(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", coordinator.ErrUserNotFound, name)
	}
	return append([]string{}, u.Roles...), nil
}

// UpdatePassword sets a stored user's password. old must verify unless
// the caller holds the admin role (with auth off, nobody is checked).
func (s *Server) UpdatePassword(ctx context.Context, name, old, password string) error {
	if _, flag := s.cfg.Users[name]; flag || name == coordinator.RootUser {
		return invalidf("%q is given by the node's flags (--users): change its password there", name)
	}
	if p := principalOf(ctx); s.cfg.AuthEnabled && !p.IsAdmin() {
		a, err := s.b.Access(ctx, true)
		if err != nil {
			return err
		}
		u, ok := a.User(name)
		if !ok || bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(old)) != nil {
			return errf(codeNotPermitted, "privilege not permitted: the old password of %q is wrong", name)
		}
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	prev := s.storedHash(ctx, name)
	err = s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessUpdatePassword, User: name, Hash: h})
	if err == nil {
		s.creds.forget(prev)
	}
	return err
}

// OperateUserRole grants (or revokes) a role to a stored user.
func (s *Server) OperateUserRole(ctx context.Context, name, role string, grant bool) error {
	if _, flag := s.cfg.Users[name]; flag && name != coordinator.RootUser {
		return invalidf("%q is given by the node's flags (--users) and holds no roles; create a user with users/create", name)
	}
	op := coordinator.AccessRevokeRole
	if grant {
		op = coordinator.AccessGrantRole
	}
	return s.change(ctx, coordinator.AccessChange{Op: op, User: name, Role: role})
}

// CreateRole creates a role.
func (s *Server) CreateRole(ctx context.Context, name string) error {
	return s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessCreateRole, Role: name})
}

// DropRole drops a role that no user holds.
func (s *Server) DropRole(ctx context.Context, name string) error {
	return s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessDropRole, Role: name})
}

// ListRoles lists every role, the built-in ones first.
func (s *Server) ListRoles(ctx context.Context) ([]string, error) {
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return nil, err
	}
	return a.RoleNames(), nil
}

// RoleGrants returns a role's grants (admin: none listed, it holds every
// privilege).
func (s *Server) RoleGrants(ctx context.Context, name string) ([]coordinator.Grant, error) {
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return nil, err
	}
	r, ok := a.Role(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", coordinator.ErrRoleNotFound, name)
	}
	return r.Grants, nil
}

// OperatePrivilege grants (or revokes) a privilege to a role; g.DB ""
// is the default database, "*" every one. The caller is its grantor.
func (s *Server) OperatePrivilege(ctx context.Context, role string, g coordinator.Grant, grant bool) error {
	if err := firstErr(requireName("objectType", g.ObjectType), requireName("objectName", g.ObjectName),
		requireName("privilege", g.Privilege)); err != nil {
		return err
	}
	g.Grantor = ""
	if p := principalOf(ctx); p != nil {
		g.Grantor = p.User
	}
	op := coordinator.AccessRevokePrivilege
	if grant {
		op = coordinator.AccessGrantPrivilege
	}
	return s.change(ctx, coordinator.AccessChange{Op: op, Role: role, Grant: &g})
}

// The REST handlers.

func (s *Server) createUser(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	return empty(), s.CreateUser(ctx, r.UserName, r.Password)
}

func (s *Server) dropUser(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	return empty(), s.DropUser(ctx, r.UserName)
}

func (s *Server) listUsers(ctx context.Context, c *call) (any, error) {
	if _, err := decodeAccess(c, false, false); err != nil {
		return nil, err
	}
	return s.ListUsers(ctx)
}

// describeUser returns the roles of a user, as Milvus: a list of names.
func (s *Server) describeUser(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	return s.UserRoles(ctx, r.UserName)
}

// updatePassword: password is the old one.
func (s *Server) updatePassword(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	return empty(), s.UpdatePassword(ctx, r.UserName, r.Password, r.NewPassword)
}

func (s *Server) grantRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, true)
	if err != nil {
		return nil, err
	}
	return empty(), s.OperateUserRole(ctx, r.UserName, r.RoleName, true)
}

func (s *Server) revokeRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, true)
	if err != nil {
		return nil, err
	}
	return empty(), s.OperateUserRole(ctx, r.UserName, r.RoleName, false)
}

func (s *Server) createRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	return empty(), s.CreateRole(ctx, r.RoleName)
}

func (s *Server) dropRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	return empty(), s.DropRole(ctx, r.RoleName)
}

func (s *Server) listRoles(ctx context.Context, c *call) (any, error) {
	if _, err := decodeAccess(c, false, false); err != nil {
		return nil, err
	}
	return s.ListRoles(ctx)
}

// describeRole lists a role's grants as Milvus's roles/describe does.
func (s *Server) describeRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	grants, err := s.RoleGrants(ctx, r.RoleName)
	if err != nil {
		return nil, err
	}
	out := []map[string]string{}
	for _, g := range grants {
		out = append(out, map[string]string{"objectType": g.ObjectType, "objectName": g.ObjectName,
			"dbName": g.DB, "privilege": g.Privilege, "grantor": g.Grantor})
	}
	return out, nil
}

func (s *Server) grantPrivilege(ctx context.Context, c *call) (any, error) {
	return s.privilege(ctx, c, true)
}

func (s *Server) revokePrivilege(ctx context.Context, c *call) (any, error) {
	return s.privilege(ctx, c, false)
}

// privilege grants or revokes objectType/objectName/privilege in the
// request's database (dbName; "*" for every database).
func (s *Server) privilege(ctx context.Context, c *call, grant bool) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	g := coordinator.Grant{ObjectType: r.ObjectType, ObjectName: r.ObjectName, DB: proxy.Database(ctx), Privilege: r.Privilege}
	return empty(), s.OperatePrivilege(ctx, r.RoleName, g, grant)
}
