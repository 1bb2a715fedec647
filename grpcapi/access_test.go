package grpcapi

import (
	"context"
	"encoding/base64"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
)

// servedMethods returns the MilvusService methods this package defines
// (the others are the embedded Unimplemented ones).
func servedMethods(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	desc := map[string]bool{}
	for _, m := range milvuspb.MilvusService_ServiceDesc.Methods {
		desc[m.MethodName] = true
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
				continue
			}
			if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok && id.Name == "Service" && desc[fn.Name.Name] {
					out = append(out, fn.Name.Name)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestEveryRPCHasAPrivilege: every RPC this package serves has an entry in
// rpcPrivileges, and every entry is a served RPC with a real privilege.
func TestEveryRPCHasAPrivilege(t *testing.T) {
	served := servedMethods(t)
	if len(served) < 40 {
		t.Fatalf("found only %d served methods: %v", len(served), served)
	}
	for _, m := range served {
		if _, ok := rpcPrivileges[m]; !ok {
			t.Errorf("served RPC %s has no entry in rpcPrivileges", m)
		}
	}
	for m, p := range rpcPrivileges {
		if !slices.Contains(served, m) {
			t.Errorf("rpcPrivileges names %s, which is not served", m)
		}
		if p.Object != "" && !coordinator.IsPrivilege(p.Object, p.Name) {
			t.Errorf("%s: %s is not a privilege of %s", m, p.Name, p.Object)
		}
	}
}

// accessBackend serves the users and roles only: any other call panics,
// which the interceptor turns into Internal (not PermissionDenied).
type accessBackend struct {
	api.Backend
	a *coordinator.Access
}

func (b *accessBackend) Access(context.Context, bool) (*coordinator.Access, error) { return b.a, nil }
func (b *accessBackend) ResolveCollection(_ context.Context, n string) string      { return n }
func (b *accessBackend) ChangeAccess(_ context.Context, ch coordinator.AccessChange) error {
	n, err := b.a.With(&ch)
	if err == nil {
		b.a = n
	}
	return err
}

// rbacService is a service with auth on, root ("Milvus") and a stored
// user alice ("alice-pw") holding only public.
func rbacService(t *testing.T) (*Service, *accessBackend) {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("alice-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b := &accessBackend{}
	if err := b.ChangeAccess(context.Background(), coordinator.AccessChange{Op: coordinator.AccessCreateUser, User: "alice", Hash: string(h)}); err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Config{AuthEnabled: true, Users: map[string]string{"root": "Milvus"}}, b)
	return New(a, "test", nil, nil), b
}

func withCred(cred string) context.Context {
	return metadata.NewIncomingContext(context.Background(),
		metadata.Pairs("authorization", base64.StdEncoding.EncodeToString([]byte(cred))))
}

// call runs method through the interceptor with a request naming
// collection "c" (and user "bob"); it reports the gRPC code and whether
// the handler ran.
func call(s *Service, ctx context.Context, method string) (codes.Code, bool) {
	var m *grpc.MethodDesc
	for i := range milvuspb.MilvusService_ServiceDesc.Methods {
		if milvuspb.MilvusService_ServiceDesc.Methods[i].MethodName == method {
			m = &milvuspb.MilvusService_ServiceDesc.Methods[i]
		}
	}
	dec := func(v any) error {
		msg := v.(proto.Message).ProtoReflect()
		fields := msg.Descriptor().Fields()
		for name, val := range map[string]string{"collection_name": "c", "username": "bob"} {
			if f := fields.ByName(protoreflect.Name(name)); f != nil && f.Kind() == protoreflect.StringKind && !f.IsList() {
				msg.Set(f, protoreflect.ValueOfString(val))
			}
		}
		if f := fields.ByName("user"); f != nil && f.Kind() == protoreflect.MessageKind {
			msg.Set(f, protoreflect.ValueOfMessage((&milvuspb.UserEntity{Name: "bob"}).ProtoReflect()))
		}
		return nil
	}
	ran := false
	_, err := m.Handler(s, ctx, dec, func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return s.intercept(ctx, req, info, func(ctx context.Context, req any) (any, error) {
			ran = true
			return h(ctx, req)
		})
	})
	return status.Code(err), ran
}

// publicRPCs are what the public role allows.
var publicRPCs = []string{"Connect", "GetVersion", "CheckHealth", "HasCollection", "DescribeCollection", "ShowCollections",
	"DescribeIndex", "GetIndexState", "GetIndexBuildProgress"}

// TestRPCRefusedWithoutPrivilege: every served RPC, called by a user
// holding only public, is refused with PermissionDenied before its
// handler runs, except what public allows; without credentials every one
// is Unauthenticated; root reaches every handler.
func TestRPCRefusedWithoutPrivilege(t *testing.T) {
	s, _ := rbacService(t)
	for _, m := range servedMethods(t) {
		code, ran := call(s, withCred("alice:alice-pw"), m)
		if slices.Contains(publicRPCs, m) {
			if code == codes.PermissionDenied || !ran {
				t.Errorf("%s: public RPC refused (%v)", m, code)
			}
		} else if code != codes.PermissionDenied || ran {
			t.Errorf("%s: code %v handler ran %v, want PermissionDenied before the handler", m, code, ran)
		}
		if code, ran := call(s, context.Background(), m); code != codes.Unauthenticated || ran {
			t.Errorf("%s without credentials: %v", m, code)
		}
		if code, ran := call(s, withCred("root:Milvus"), m); code == codes.PermissionDenied || !ran {
			t.Errorf("%s: root refused (%v)", m, code)
		}
	}
}

// TestRPCGrantAndUsers: the RBAC RPCs change what a user may do.
func TestRPCGrantAndUsers(t *testing.T) {
	s, _ := rbacService(t)
	root := withCred("root:Milvus")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	must := func(st interface{ GetCode() int32 }, err error) {
		t.Helper()
		if err != nil || st.GetCode() != 0 {
			t.Fatalf("code %d %v", st.GetCode(), err)
		}
	}
	rootCtx := api.WithPrincipal(root, mustIdentify(t, s, "root:Milvus"))
	must(s.CreateCredential(rootCtx, &milvuspb.CreateCredentialRequest{Username: "bob", Password: b64("bob-pw-1")}))
	must(s.CreateRole(rootCtx, &milvuspb.CreateRoleRequest{Entity: &milvuspb.RoleEntity{Name: "writer"}}))
	must(s.OperatePrivilege(rootCtx, &milvuspb.OperatePrivilegeRequest{Type: milvuspb.OperatePrivilegeType_Grant,
		Entity: &milvuspb.GrantEntity{Role: &milvuspb.RoleEntity{Name: "writer"}, Object: &milvuspb.ObjectEntity{Name: "Collection"},
			ObjectName: "c", Grantor: &milvuspb.GrantorEntity{Privilege: &milvuspb.PrivilegeEntity{Name: "Insert"}}}}))
	must(s.OperateUserRole(rootCtx, &milvuspb.OperateUserRoleRequest{Username: "bob", RoleName: "writer"}))

	if code, ran := call(s, withCred("bob:bob-pw-1"), "Insert"); code == codes.PermissionDenied || !ran {
		t.Fatalf("granted Insert refused: %v", code)
	}
	if code, _ := call(s, withCred("bob:bob-pw-1"), "Delete"); code != codes.PermissionDenied {
		t.Fatalf("Delete: %v", code)
	}
	// Milvus 2.5's form: the object type follows from the privilege.
	v2 := func(priv, coll string) *milvuspb.OperatePrivilegeV2Request {
		return &milvuspb.OperatePrivilegeV2Request{Role: &milvuspb.RoleEntity{Name: "writer"}, CollectionName: coll,
			Grantor: &milvuspb.GrantorEntity{Privilege: &milvuspb.PrivilegeEntity{Name: priv}}}
	}
	must(s.OperatePrivilegeV2(rootCtx, v2("Delete", "c")))
	if code, ran := call(s, withCred("bob:bob-pw-1"), "Delete"); code == codes.PermissionDenied || !ran {
		t.Fatalf("Delete granted by OperatePrivilegeV2: %v", code)
	}
	must(s.OperatePrivilegeV2(rootCtx, v2("ShowPartitions", "*")))
	r := v2("Delete", "c")
	r.Type = milvuspb.OperatePrivilegeType_Revoke
	must(s.OperatePrivilegeV2(rootCtx, r))
	if code, _ := call(s, withCred("bob:bob-pw-1"), "Delete"); code != codes.PermissionDenied {
		t.Fatalf("Delete revoked by OperatePrivilegeV2: %v", code)
	}
	if st, _ := s.OperatePrivilegeV2(rootCtx, v2("COLL_RO", "c")); st.GetCode() != 1100 {
		t.Fatalf("a privilege group: %v", st)
	}
	g, err := s.SelectGrant(rootCtx, &milvuspb.SelectGrantRequest{Entity: &milvuspb.GrantEntity{Role: &milvuspb.RoleEntity{Name: "writer"},
		ObjectName: "c"}})
	if err != nil || len(g.Entities) != 1 || g.Entities[0].GetGrantor().GetPrivilege().GetName() != "Insert" ||
		g.Entities[0].GetGrantor().GetUser().GetName() != "root" || g.Entities[0].GetDbName() != "default" {
		t.Fatalf("SelectGrant: %v %v", g, err)
	}
	u, err := s.SelectUser(rootCtx, &milvuspb.SelectUserRequest{User: &milvuspb.UserEntity{Name: "bob"}, IncludeRoleInfo: true})
	if err != nil || len(u.Results) != 1 || len(u.Results[0].Roles) != 1 || u.Results[0].Roles[0].Name != "writer" {
		t.Fatalf("SelectUser: %v %v", u, err)
	}
	sr, err := s.SelectRole(rootCtx, &milvuspb.SelectRoleRequest{IncludeUserInfo: true})
	if err != nil || len(sr.Results) != 3 {
		t.Fatalf("SelectRole: %v %v", sr, err)
	}
	l, err := s.ListCredUsers(rootCtx, &milvuspb.ListCredUsersRequest{})
	if err != nil || strings.Join(l.Usernames, ",") != "root,alice,bob" {
		t.Fatalf("ListCredUsers: %v %v", l, err)
	}
	// bob changes his own password with the old one.
	bobCtx := api.WithPrincipal(withCred("bob:bob-pw-1"), mustIdentify(t, s, "bob:bob-pw-1"))
	if st, _ := s.UpdateCredential(bobCtx, &milvuspb.UpdateCredentialRequest{Username: "bob", OldPassword: b64("wrong!"), NewPassword: b64("bob-pw-2")}); st.GetCode() != 1401 {
		t.Fatalf("wrong old password: %v", st)
	}
	must(s.UpdateCredential(bobCtx, &milvuspb.UpdateCredentialRequest{Username: "bob", OldPassword: b64("bob-pw-1"), NewPassword: b64("bob-pw-2")}))
	if code, _ := call(s, withCred("bob:bob-pw-1"), "Insert"); code != codes.Unauthenticated {
		t.Fatalf("old password: %v", code)
	}
	must(s.OperatePrivilege(rootCtx, &milvuspb.OperatePrivilegeRequest{Type: milvuspb.OperatePrivilegeType_Revoke,
		Entity: &milvuspb.GrantEntity{Role: &milvuspb.RoleEntity{Name: "writer"}, Object: &milvuspb.ObjectEntity{Name: "Collection"},
			ObjectName: "c", Grantor: &milvuspb.GrantorEntity{Privilege: &milvuspb.PrivilegeEntity{Name: "Insert"}}}}))
	if code, _ := call(s, withCred("bob:bob-pw-2"), "Insert"); code != codes.PermissionDenied {
		t.Fatalf("revoked Insert: %v", code)
	}
	if st, _ := s.DropRole(rootCtx, &milvuspb.DropRoleRequest{RoleName: "writer"}); st.GetCode() != 1100 {
		t.Fatalf("dropping a held role: %v", st)
	}
	must(s.DeleteCredential(rootCtx, &milvuspb.DeleteCredentialRequest{Username: "bob"}))
	if code, _ := call(s, withCred("bob:bob-pw-2"), "Insert"); code != codes.Unauthenticated {
		t.Fatalf("dropped user: %v", code)
	}
}

func mustIdentify(t *testing.T, s *Service, cred string) *api.Principal {
	t.Helper()
	p, ok := s.api.Identify(cred)
	if !ok {
		t.Fatalf("%s does not authenticate", cred)
	}
	return p
}
