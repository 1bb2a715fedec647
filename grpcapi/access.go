package grpcapi

import (
	"context"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
)

// The privilege of every RPC, as REST's routePrivileges (api/access.go):
// one table, checked by the interceptor before the handler runs, with the
// object named by the request (its collection_name or collection_names,
// or the user name). A served RPC missing here is refused to all but the
// admin role (and TestEveryRPCHasAPrivilege fails).

func global(name string) api.Privilege {
	return api.Privilege{Object: coordinator.ObjectGlobal, Name: name}
}
func coll(name string) api.Privilege {
	return api.Privilege{Object: coordinator.ObjectCollection, Name: name}
}
func userObj(name string) api.Privilege {
	return api.Privilege{Object: coordinator.ObjectUser, Name: name}
}

var authenticated = api.Privilege{Name: api.Authenticated}

// rpcPrivileges maps a MilvusService method to its privilege.
var rpcPrivileges = map[string]api.Privilege{
	"Connect":     authenticated,
	"GetVersion":  authenticated,
	"CheckHealth": authenticated,

	"CreateCollection":        global("CreateCollection"),
	"DropCollection":          global("DropCollection"),
	"HasCollection":           global("DescribeCollection"),
	"DescribeCollection":      global("DescribeCollection"),
	"ShowCollections":         global("ShowCollections"),
	"RenameCollection":        global("RenameCollection"),
	"LoadCollection":          coll("Load"),
	"ReleaseCollection":       coll("Release"),
	"GetLoadState":            coll("GetLoadState"),
	"GetLoadingProgress":      coll("GetLoadingProgress"),
	"GetCollectionStatistics": coll("GetStatistics"),
	"AlterCollection":         coll("AlterCollection"),
	"Flush":                   coll("Flush"),
	"GetFlushState":           coll("GetFlushState"),
	"ManualCompaction":        coll("Compaction"),
	"GetCompactionState":      coll("Compaction"), // names no collection: on every one
	"Insert":                  coll("Insert"),
	"Upsert":                  coll("Upsert"),
	"Delete":                  coll("Delete"),
	"Query":                   coll("Query"),
	"Search":                  coll("Search"),
	"HybridSearch":            coll("Search"),

	"CreateDatabase":   global("CreateDatabase"),
	"DropDatabase":     global("DropDatabase"),
	"ListDatabases":    global("ListDatabases"),
	"DescribeDatabase": global("DescribeDatabase"),
	"AlterDatabase":    global("AlterDatabase"),

	"CreateIndex":           coll("CreateIndex"),
	"DescribeIndex":         coll("IndexDetail"),
	"GetIndexState":         coll("IndexDetail"),
	"GetIndexBuildProgress": coll("IndexDetail"),
	"DropIndex":             coll("DropIndex"),

	"CreatePartition":        coll("CreatePartition"),
	"DropPartition":          coll("DropPartition"),
	"HasPartition":           coll("HasPartition"),
	"ShowPartitions":         coll("ShowPartitions"),
	"LoadPartitions":         coll("Load"),
	"ReleasePartitions":      coll("Release"),
	"GetPartitionStatistics": coll("GetStatistics"),

	"CreateAlias":   global("CreateAlias"),
	"AlterAlias":    global("CreateAlias"),
	"DropAlias":     global("DropAlias"),
	"DescribeAlias": global("DescribeAlias"),
	"ListAliases":   global("ListAliases"),

	"CreateCredential":   global("CreateOwnership"),
	"UpdateCredential":   userObj("UpdateUser"), // and every user itself
	"DeleteCredential":   global("DropOwnership"),
	"ListCredUsers":      global("SelectOwnership"),
	"CreateRole":         global("CreateOwnership"),
	"DropRole":           global("DropOwnership"),
	"OperateUserRole":    global("ManageOwnership"),
	"SelectRole":         global("SelectOwnership"),
	"SelectUser":         userObj("SelectUser"), // and every user itself
	"OperatePrivilege":   global("ManageOwnership"),
	"OperatePrivilegeV2": global("ManageOwnership"),
	"SelectGrant":        global("SelectOwnership"),
}

// rpcPrivilege returns a method's privilege; a method not in the table
// needs the admin role.
func rpcPrivilege(method string) api.Privilege {
	if p, ok := rpcPrivileges[method]; ok {
		return p
	}
	return api.Privilege{Name: api.AdminRole}
}

// objectNames returns the names of the objects a request acts on ("" for
// none named: every object).
func objectNames(pr api.Privilege, req any) []string {
	switch pr.Object {
	case coordinator.ObjectCollection:
		if r, ok := req.(interface{ GetCollectionNames() []string }); ok && len(r.GetCollectionNames()) > 0 {
			return r.GetCollectionNames()
		}
		if r, ok := req.(interface{ GetCollectionName() string }); ok {
			return []string{r.GetCollectionName()}
		}
	case coordinator.ObjectUser:
		switch r := req.(type) {
		case *milvuspb.UpdateCredentialRequest:
			return []string{r.GetUsername()}
		case *milvuspb.SelectUserRequest:
			return []string{r.GetUser().GetName()}
		}
	}
	return []string{""}
}

// authorize authenticates a call and checks its privilege; it returns the
// context carrying the caller.
func (s *Service) authorize(ctx context.Context, req any, method, db string) (context.Context, error) {
	if !s.api.AuthEnabled() {
		return ctx, nil
	}
	p, ok := s.api.Identify(credential(ctx))
	if !ok {
		if err := s.api.Starting(); err != nil { // stored users are not known yet
			return ctx, status.Error(codes.Unavailable, err.Error())
		}
		return ctx, status.Error(codes.Unauthenticated, "user hasn't authenticated: missing or wrong authorization metadata")
	}
	ctx = api.WithPrincipal(ctx, p)
	pr := rpcPrivilege(method)
	for _, name := range objectNames(pr, req) {
		if err := s.api.Authorize(ctx, p, pr, db, name); err != nil {
			switch code, msg := api.Status(err); code {
			case 1800:
				return ctx, status.Error(codes.Unauthenticated, msg)
			case 1401:
				return ctx, status.Error(codes.PermissionDenied, msg)
			default:
				return ctx, status.Error(codes.Unavailable, msg)
			}
		}
	}
	return ctx, nil
}
