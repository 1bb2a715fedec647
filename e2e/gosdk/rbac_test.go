package gosdk

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// TestSDKUsersAndRoles drives the Go SDK's user and role APIs against a
// node with --auth: root creates a user and a role, grants the role Query
// on one collection, and the user's own client may query it but is refused
// an insert, another collection and user management; describe, list,
// password update, revoke and drop behave as in Milvus.
func TestSDKUsersAndRoles(t *testing.T) {
	n := start(t, "--auth", "--users", "root=Milvus")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root := n.client(t, milvusclient.ClientConfig{Username: "root", Password: "Milvus"})

	for _, name := range []string{"books", "secret"} {
		must(t, root.CreateCollection(ctx, milvusclient.SimpleCreateCollectionOptions(name, 4).WithAutoID(false)), "create %s", name)
		_, err := root.Insert(ctx, milvusclient.NewColumnBasedInsertOption(name).
			WithInt64Column("id", []int64{1, 2}).
			WithFloatVectorColumn("vector", 4, [][]float32{{0.1, 0.2, 0.3, 0.4}, {0.9, 0.8, 0.7, 0.6}}))
		must(t, err, "insert into %s", name)
	}
	must(t, root.CreateUser(ctx, milvusclient.NewCreateUserOption("alice", "Wonder-1and")), "CreateUser")
	must(t, root.CreateRole(ctx, milvusclient.NewCreateRoleOption("reader")), "CreateRole")
	must(t, root.GrantPrivilege(ctx, milvusclient.NewGrantPrivilegeOption("reader", "Collection", "Query", "books")), "GrantPrivilege")
	must(t, root.GrantRole(ctx, milvusclient.NewGrantRoleOption("alice", "reader")), "GrantRole")

	users, err := root.ListUsers(ctx, milvusclient.NewListUserOption())
	must(t, err, "ListUsers")
	if !slices.Equal(users, []string{"root", "alice"}) {
		t.Fatalf("ListUsers: %v", users)
	}
	roles, err := root.ListRoles(ctx, milvusclient.NewListRoleOption())
	must(t, err, "ListRoles")
	if !slices.Equal(roles, []string{"admin", "public", "reader"}) {
		t.Fatalf("ListRoles: %v", roles)
	}
	u, err := root.DescribeUser(ctx, milvusclient.NewDescribeUserOption("alice"))
	must(t, err, "DescribeUser")
	if !slices.Equal(u.Roles, []string{"reader"}) {
		t.Fatalf("DescribeUser: %+v", u)
	}
	r, err := root.DescribeRole(ctx, milvusclient.NewDescribeRoleOption("reader"))
	must(t, err, "DescribeRole")
	if len(r.Privileges) != 1 || r.Privileges[0] != (entity.GrantItem{Object: "Collection", ObjectName: "books",
		RoleName: "reader", Grantor: "root", Privilege: "Query", DbName: "default"}) {
		t.Fatalf("DescribeRole: %+v", r)
	}

	alice := n.client(t, milvusclient.ClientConfig{Username: "alice", Password: "Wonder-1and"})
	_, err = alice.Query(ctx, milvusclient.NewQueryOption("books").WithFilter("id > 0").WithOutputFields("count(*)").
		WithConsistencyLevel(entity.ClStrong))
	must(t, err, "alice's query of books")
	refused := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "permission deny") {
			t.Fatalf("%s as alice: %v, want a permission deny", what, err)
		}
	}
	_, err = alice.Insert(ctx, milvusclient.NewColumnBasedInsertOption("books").
		WithInt64Column("id", []int64{3}).WithFloatVectorColumn("vector", 4, [][]float32{{1, 1, 1, 1}}))
	refused("insert into books", err)
	_, err = alice.Query(ctx, milvusclient.NewQueryOption("secret").WithFilter("id > 0"))
	refused("query of secret", err)
	refused("CreateUser", alice.CreateUser(ctx, milvusclient.NewCreateUserOption("mallory", "123456")))
	refused("DropCollection", alice.DropCollection(ctx, milvusclient.NewDropCollectionOption("secret")))

	must(t, alice.UpdatePassword(ctx, milvusclient.NewUpdatePasswordOption("alice", "Wonder-1and", "Looking-Glass")), "UpdatePassword")
	must(t, root.RevokeRole(ctx, milvusclient.NewRevokeRoleOption("alice", "reader")), "RevokeRole")
	must(t, root.DropRole(ctx, milvusclient.NewDropRoleOption("reader")), "DropRole")
	must(t, root.DropUser(ctx, milvusclient.NewDropUserOption("alice")), "DropUser")
	users, err = root.ListUsers(ctx, milvusclient.NewListUserOption())
	must(t, err, "ListUsers")
	if !slices.Equal(users, []string{"root"}) {
		t.Fatalf("ListUsers after the drop: %v", users)
	}
}
