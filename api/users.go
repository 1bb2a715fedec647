package api

import (
	"context"

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
func (s *Server) change(ctx context.Context, ch coordinator.AccessChange) (any, error) {
	err := s.b.ChangeAccess(ctx, ch)
	if ch.User != "" {
		err = named(err, "user", ch.User)
	} else {
		err = named(err, "role", ch.Role)
	}
	return empty(), err
}

func (s *Server) createUser(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	if !coordinator.ValidAccessName(r.UserName, true) {
		return nil, invalidf("invalid user name %q: a letter or _ first, then letters, digits, _, . or -, at most 32 bytes", r.UserName)
	}
	if _, flag := s.cfg.Users[r.UserName]; flag || r.UserName == coordinator.RootUser {
		return nil, invalidf("user already exists: %q is given by the node's flags (--users)", r.UserName)
	}
	h, err := hashPassword(r.Password)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessCreateUser, User: r.UserName, Hash: h})
}

func (s *Server) dropUser(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	old := s.storedHash(ctx, r.UserName)
	out, err := s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessDropUser, User: r.UserName})
	if err == nil {
		s.creds.forget(old)
	}
	return out, err
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

// listUsers lists root (when the flags give it) and the stored users.
func (s *Server) listUsers(ctx context.Context, c *call) (any, error) {
	if _, err := decodeAccess(c, false, false); err != nil {
		return nil, err
	}
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

// describeUser returns the roles of a user, as Milvus: a list of names
// (root: admin; the other flag users: none).
func (s *Server) describeUser(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	if r.UserName == coordinator.RootUser {
		return []string{coordinator.RoleAdmin}, nil
	}
	if _, flag := s.cfg.Users[r.UserName]; flag {
		return []string{}, nil
	}
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return nil, err
	}
	u, ok := a.User(r.UserName)
	if !ok {
		return nil, invalidf("%v: %q", coordinator.ErrUserNotFound, r.UserName)
	}
	return append([]string{}, u.Roles...), nil
}

// updatePassword sets a stored user's password. password is the old one,
// which must verify unless the caller holds the admin role (with auth
// off, nobody is checked).
func (s *Server) updatePassword(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, true, false)
	if err != nil {
		return nil, err
	}
	if _, flag := s.cfg.Users[r.UserName]; flag || r.UserName == coordinator.RootUser {
		return nil, invalidf("%q is given by the node's flags (--users): change its password there", r.UserName)
	}
	if p := principalOf(ctx); s.cfg.AuthEnabled && !p.IsAdmin() {
		a, err := s.b.Access(ctx, true)
		if err != nil {
			return nil, err
		}
		u, ok := a.User(r.UserName)
		if !ok || bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(r.Password)) != nil {
			return nil, errf(codeNotPermitted, "privilege not permitted: the old password (\"password\") of %q is wrong", r.UserName)
		}
	}
	h, err := hashPassword(r.NewPassword)
	if err != nil {
		return nil, err
	}
	old := s.storedHash(ctx, r.UserName)
	out, err := s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessUpdatePassword, User: r.UserName, Hash: h})
	if err == nil {
		s.creds.forget(old)
	}
	return out, err
}

func (s *Server) grantRole(ctx context.Context, c *call) (any, error) {
	return s.userRole(ctx, c, coordinator.AccessGrantRole)
}

func (s *Server) revokeRole(ctx context.Context, c *call) (any, error) {
	return s.userRole(ctx, c, coordinator.AccessRevokeRole)
}

func (s *Server) userRole(ctx context.Context, c *call, op string) (any, error) {
	r, err := decodeAccess(c, true, true)
	if err != nil {
		return nil, err
	}
	if _, flag := s.cfg.Users[r.UserName]; flag && r.UserName != coordinator.RootUser {
		return nil, invalidf("%q is given by the node's flags (--users) and holds no roles; create a user with users/create", r.UserName)
	}
	return s.change(ctx, coordinator.AccessChange{Op: op, User: r.UserName, Role: r.RoleName})
}

func (s *Server) createRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessCreateRole, Role: r.RoleName})
}

func (s *Server) dropRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, coordinator.AccessChange{Op: coordinator.AccessDropRole, Role: r.RoleName})
}

func (s *Server) listRoles(ctx context.Context, c *call) (any, error) {
	if _, err := decodeAccess(c, false, false); err != nil {
		return nil, err
	}
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return nil, err
	}
	return a.RoleNames(), nil
}

// describeRole lists a role's grants as Milvus's roles/describe does.
// admin lists none: it holds every privilege.
func (s *Server) describeRole(ctx context.Context, c *call) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return nil, err
	}
	role, ok := a.Role(r.RoleName)
	if !ok {
		return nil, invalidf("%v: %q", coordinator.ErrRoleNotFound, r.RoleName)
	}
	out := []map[string]string{}
	for _, g := range role.Grants {
		out = append(out, map[string]string{"objectType": g.ObjectType, "objectName": g.ObjectName,
			"dbName": g.DB, "privilege": g.Privilege, "grantor": g.Grantor})
	}
	return out, nil
}

func (s *Server) grantPrivilege(ctx context.Context, c *call) (any, error) {
	return s.privilege(ctx, c, coordinator.AccessGrantPrivilege)
}

func (s *Server) revokePrivilege(ctx context.Context, c *call) (any, error) {
	return s.privilege(ctx, c, coordinator.AccessRevokePrivilege)
}

// privilege grants or revokes objectType/objectName/privilege in the
// request's database (dbName; "*" for every database).
func (s *Server) privilege(ctx context.Context, c *call, op string) (any, error) {
	r, err := decodeAccess(c, false, true)
	if err != nil {
		return nil, err
	}
	if err := firstErr(requireName("objectType", r.ObjectType), requireName("objectName", r.ObjectName),
		requireName("privilege", r.Privilege)); err != nil {
		return nil, err
	}
	g := &coordinator.Grant{ObjectType: r.ObjectType, ObjectName: r.ObjectName, DB: proxy.Database(ctx), Privilege: r.Privilege}
	if p := principalOf(ctx); p != nil {
		g.Grantor = p.User
	}
	return s.change(ctx, coordinator.AccessChange{Op: op, Role: r.RoleName, Grant: g})
}
