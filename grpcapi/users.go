package grpcapi

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
)

// Users, roles and privileges: the Milvus RPCs over the api.Server methods
// REST's users/ and roles/ routes call. The SDKs send passwords base64
// encoded, as Milvus expects.

// password decodes a password the SDKs sent base64 encoded.
func password(field, b64 string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not base64", api.ErrInvalid, field)
	}
	return string(b), nil
}

// CreateCredential creates a stored user.
func (s *Service) CreateCredential(ctx context.Context, r *milvuspb.CreateCredentialRequest) (*commonpb.Status, error) {
	pw, err := password("password", r.GetPassword())
	if err == nil {
		err = s.api.CreateUser(ctx, r.GetUsername(), pw)
	}
	return toStatus(err), nil
}

// UpdateCredential changes a stored user's password (old_password must
// verify unless the caller holds the admin role).
func (s *Service) UpdateCredential(ctx context.Context, r *milvuspb.UpdateCredentialRequest) (*commonpb.Status, error) {
	old, err := password("old_password", r.GetOldPassword())
	if err != nil {
		return toStatus(err), nil
	}
	pw, err := password("new_password", r.GetNewPassword())
	if err == nil {
		err = s.api.UpdatePassword(ctx, r.GetUsername(), old, pw)
	}
	return toStatus(err), nil
}

// DeleteCredential drops a stored user.
func (s *Service) DeleteCredential(ctx context.Context, r *milvuspb.DeleteCredentialRequest) (*commonpb.Status, error) {
	return toStatus(s.api.DropUser(ctx, r.GetUsername())), nil
}

// ListCredUsers lists root and the stored users.
func (s *Service) ListCredUsers(ctx context.Context, _ *milvuspb.ListCredUsersRequest) (*milvuspb.ListCredUsersResponse, error) {
	names, err := s.api.ListUsers(ctx)
	if err != nil {
		return &milvuspb.ListCredUsersResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.ListCredUsersResponse{Status: ok(), Usernames: names}, nil
}

// CreateRole creates a role.
func (s *Service) CreateRole(ctx context.Context, r *milvuspb.CreateRoleRequest) (*commonpb.Status, error) {
	return toStatus(s.api.CreateRole(ctx, r.GetEntity().GetName())), nil
}

// DropRole drops a role no user holds (force_drop is not supported).
func (s *Service) DropRole(ctx context.Context, r *milvuspb.DropRoleRequest) (*commonpb.Status, error) {
	return toStatus(s.api.DropRole(ctx, r.GetRoleName())), nil
}

// OperateUserRole grants or revokes a role of a user.
func (s *Service) OperateUserRole(ctx context.Context, r *milvuspb.OperateUserRoleRequest) (*commonpb.Status, error) {
	grant := r.GetType() == milvuspb.OperateUserRoleType_AddUserToRole
	return toStatus(s.api.OperateUserRole(ctx, r.GetUsername(), r.GetRoleName(), grant)), nil
}

// SelectRole lists one role (or every role), with its users if asked.
func (s *Service) SelectRole(ctx context.Context, r *milvuspb.SelectRoleRequest) (*milvuspb.SelectRoleResponse, error) {
	a, err := s.b.Access(ctx, true)
	if err != nil {
		return &milvuspb.SelectRoleResponse{Status: toStatus(err)}, nil
	}
	names := a.RoleNames()
	if n := r.GetRole().GetName(); n != "" {
		if _, ok := a.Role(n); !ok {
			return &milvuspb.SelectRoleResponse{Status: toStatus(fmt.Errorf("%w: %q", coordinator.ErrRoleNotFound, n))}, nil
		}
		names = []string{n}
	}
	out := &milvuspb.SelectRoleResponse{Status: ok()}
	for _, n := range names {
		res := &milvuspb.RoleResult{Role: &milvuspb.RoleEntity{Name: n}}
		if r.GetIncludeUserInfo() {
			for _, u := range a.UsersOf(n) {
				res.Users = append(res.Users, &milvuspb.UserEntity{Name: u})
			}
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}

// SelectUser lists one user (or every user), with its roles if asked.
func (s *Service) SelectUser(ctx context.Context, r *milvuspb.SelectUserRequest) (*milvuspb.SelectUserResponse, error) {
	names := []string{r.GetUser().GetName()}
	if names[0] == "" {
		var err error
		if names, err = s.api.ListUsers(ctx); err != nil {
			return &milvuspb.SelectUserResponse{Status: toStatus(err)}, nil
		}
	}
	out := &milvuspb.SelectUserResponse{Status: ok()}
	for _, n := range names {
		roles, err := s.api.UserRoles(ctx, n)
		if err != nil {
			return &milvuspb.SelectUserResponse{Status: toStatus(err)}, nil
		}
		res := &milvuspb.UserResult{User: &milvuspb.UserEntity{Name: n}}
		if r.GetIncludeRoleInfo() {
			for _, role := range roles {
				res.Roles = append(res.Roles, &milvuspb.RoleEntity{Name: role})
			}
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}

// grantDB is a grant's database: the entity's db_name, else the call's.
func grantDB(ctx context.Context, e *milvuspb.GrantEntity) string {
	if e.GetDbName() != "" {
		return e.GetDbName()
	}
	return proxy.Database(ctx)
}

// OperatePrivilege grants or revokes a privilege of a role.
func (s *Service) OperatePrivilege(ctx context.Context, r *milvuspb.OperatePrivilegeRequest) (*commonpb.Status, error) {
	e := r.GetEntity()
	g := coordinator.Grant{ObjectType: e.GetObject().GetName(), ObjectName: e.GetObjectName(), DB: grantDB(ctx, e),
		Privilege: e.GetGrantor().GetPrivilege().GetName()}
	grant := r.GetType() == milvuspb.OperatePrivilegeType_Grant
	return toStatus(s.api.OperatePrivilege(ctx, e.GetRole().GetName(), g, grant)), nil
}

// SelectGrant lists a role's grants, those of one object type and name
// when the entity gives them.
func (s *Service) SelectGrant(ctx context.Context, r *milvuspb.SelectGrantRequest) (*milvuspb.SelectGrantResponse, error) {
	e := r.GetEntity()
	role := e.GetRole().GetName()
	grants, err := s.api.RoleGrants(ctx, role)
	if err != nil {
		return &milvuspb.SelectGrantResponse{Status: toStatus(err)}, nil
	}
	out := &milvuspb.SelectGrantResponse{Status: ok()}
	for _, g := range grants {
		if t := e.GetObject().GetName(); t != "" && t != g.ObjectType {
			continue
		}
		if n := e.GetObjectName(); n != "" && n != g.ObjectName {
			continue
		}
		if db := e.GetDbName(); db != "" && db != g.DB {
			continue
		}
		out.Entities = append(out.Entities, &milvuspb.GrantEntity{
			Role: &milvuspb.RoleEntity{Name: role}, Object: &milvuspb.ObjectEntity{Name: g.ObjectType},
			ObjectName: g.ObjectName, DbName: g.DB,
			Grantor: &milvuspb.GrantorEntity{User: &milvuspb.UserEntity{Name: g.Grantor},
				Privilege: &milvuspb.PrivilegeEntity{Name: g.Privilege}},
		})
	}
	return out, nil
}

// OperatePrivilegeV2 grants or revokes a privilege by name on a database
// and collection (Milvus 2.5's form, the SDKs' GrantPrivilegeV2): the
// object type follows from the privilege (a Collection one on
// collection_name, else Global or User on every object); db_name and
// collection_name "*" are every one. Privilege groups are not served.
func (s *Service) OperatePrivilegeV2(ctx context.Context, r *milvuspb.OperatePrivilegeV2Request) (*commonpb.Status, error) {
	priv := r.GetGrantor().GetPrivilege().GetName()
	g := coordinator.Grant{ObjectName: coordinator.AnyName, DB: r.GetDbName(), Privilege: priv}
	if g.DB == "" {
		g.DB = proxy.Database(ctx)
	}
	switch {
	case priv == coordinator.AllPrivileges:
		return toStatus(fmt.Errorf("%w: privilege %q is ambiguous here: grant with OperatePrivilege and an object type", api.ErrInvalid, priv)), nil
	case coordinator.IsPrivilege(coordinator.ObjectCollection, priv):
		g.ObjectType, g.ObjectName = coordinator.ObjectCollection, r.GetCollectionName()
	case coordinator.IsPrivilege(coordinator.ObjectGlobal, priv):
		g.ObjectType = coordinator.ObjectGlobal
	case coordinator.IsPrivilege(coordinator.ObjectUser, priv):
		g.ObjectType = coordinator.ObjectUser
	default:
		return toStatus(fmt.Errorf("%w: unknown privilege %q (privilege groups are not supported)", api.ErrInvalid, priv)), nil
	}
	grant := r.GetType() == milvuspb.OperatePrivilegeType_Grant
	return toStatus(s.api.OperatePrivilege(ctx, r.GetRole().GetName(), g, grant)), nil
}
