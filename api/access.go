package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
)

// Users, roles and privileges (RBAC), with auth on (Config.AuthEnabled).
//
// Callers are of three kinds:
//   - root, given by the flags (Config.Users["root"]): the superuser, who
//     holds the admin role and every privilege, and bootstraps the rest.
//     It is never stored; its password is the flag's.
//   - stored users, created with users/create: their password is checked
//     against the bcrypt hash in the metadata group, and they hold the
//     roles granted to them plus public.
//   - the other flag users (Config.Users) and the API keys (Config.APIKeys),
//     as before RBAC: every privilege on collections and their data, and
//     the Global ones on collections, aliases and databases, but not the
//     admin role nor the management of users and roles (legacyGrants).
//     A stored user cannot take a flag user's name.
//
// Every route and RPC needs one privilege, named in one table per front
// end (routePrivileges here, grpcapi's for RPCs), on an object whose name
// the request carries (its collectionName or userName; a request naming
// none needs the privilege on every object). A route missing from the
// table is refused to all but the admin role (and a test fails).
// raftvec's own /v1/ routes need the admin role unless Config.AdminAPI
// opens them to every authenticated caller.
//
// Privileges are checked against the users and roles this node has
// applied (no read barrier per request, as Milvus's proxies cache them):
// a change made through another node holds here once applied, normally
// within milliseconds.

// Privilege is what a route or an RPC needs.
type Privilege struct {
	// Object is the object type (coordinator.ObjectGlobal, ObjectCollection,
	// ObjectUser), or "" for Name AdminRole or Authenticated.
	Object string
	// Name is the privilege (coordinator.Privileges), AdminRole, or
	// Authenticated.
	Name string
	// Key is the body member naming the object (collectionName,
	// userName); "" for Global privileges and for REST routes naming
	// none.
	Key string
}

// Pseudo-privileges.
const (
	// AdminRole: only callers holding the admin role (raftvec's /v1/
	// routes; Config.AdminAPI opens them to every authenticated caller).
	AdminRole = "admin role"
	// Authenticated: every authenticated caller.
	Authenticated = "authenticated"
)

func global(name string) Privilege { return Privilege{Object: coordinator.ObjectGlobal, Name: name} }
func coll(name string) Privilege {
	return Privilege{Object: coordinator.ObjectCollection, Name: name, Key: "collectionName"}
}
func user(name string) Privilege {
	return Privilege{Object: coordinator.ObjectUser, Name: name, Key: "userName"}
}

var (
	adminRole     = Privilege{Name: AdminRole}
	authenticated = Privilege{Name: Authenticated}
)

// routePrivileges is the privilege of every route, by gin's full path.
// buildEngine refuses to serve a route under auth that is not here.
var routePrivileges = map[string]Privilege{
	v2 + "collections/create":               global("CreateCollection"),
	v2 + "collections/describe":             global("DescribeCollection"),
	v2 + "collections/list":                 global("ShowCollections"),
	v2 + "collections/has":                  global("DescribeCollection"),
	v2 + "collections/drop":                 global("DropCollection"),
	v2 + "collections/rename":               global("RenameCollection"),
	v2 + "collections/load":                 coll("Load"),
	v2 + "collections/release":              coll("Release"),
	v2 + "collections/refresh_load":         coll("Load"),
	v2 + "collections/get_load_state":       coll("GetLoadState"),
	v2 + "collections/get_stats":            coll("GetStatistics"),
	v2 + "collections/flush":                coll("Flush"),
	v2 + "collections/compact":              coll("Compaction"),
	v2 + "collections/get_compaction_state": coll("Compaction"), // names no collection: on every one
	v2 + "collections/alter_properties":     coll("AlterCollection"),
	v2 + "collections/drop_properties":      coll("AlterCollection"),
	v2 + "jobs/import/create":               coll("Import"),
	v2 + "jobs/import/list":                 coll("Import"),
	v2 + "jobs/import/get_progress":         coll("Import"), // names no collection: on every one
	v2 + "entities/insert":                  coll("Insert"),
	v2 + "entities/upsert":                  coll("Upsert"),
	v2 + "entities/delete":                  coll("Delete"),
	v2 + "entities/get":                     coll("Query"),
	v2 + "entities/query":                   coll("Query"),
	v2 + "entities/search":                  coll("Search"),
	v2 + "entities/hybrid_search":           coll("Search"),
	v2 + "partitions/create":                coll("CreatePartition"),
	v2 + "partitions/drop":                  coll("DropPartition"),
	v2 + "partitions/has":                   coll("HasPartition"),
	v2 + "partitions/list":                  coll("ShowPartitions"),
	v2 + "partitions/load":                  coll("Load"),
	v2 + "partitions/release":               coll("Release"),
	v2 + "partitions/get_stats":             coll("GetStatistics"),
	v2 + "indexes/create":                   coll("CreateIndex"),
	v2 + "indexes/describe":                 coll("IndexDetail"),
	v2 + "indexes/list":                     coll("IndexDetail"),
	v2 + "indexes/drop":                     coll("DropIndex"),
	v2 + "aliases/create":                   global("CreateAlias"),
	v2 + "aliases/alter":                    global("CreateAlias"),
	v2 + "aliases/drop":                     global("DropAlias"),
	v2 + "aliases/describe":                 global("DescribeAlias"),
	v2 + "aliases/list":                     global("ListAliases"),
	v2 + "databases/create":                 global("CreateDatabase"),
	v2 + "databases/list":                   global("ListDatabases"),
	v2 + "databases/describe":               global("DescribeDatabase"),
	v2 + "databases/drop":                   global("DropDatabase"),
	v2 + "databases/alter":                  global("AlterDatabase"),
	v2 + "databases/drop_properties":        global("AlterDatabase"),
	v2 + "users/create":                     global("CreateOwnership"),
	v2 + "users/drop":                       global("DropOwnership"),
	v2 + "users/list":                       global("SelectOwnership"),
	v2 + "users/describe":                   user("SelectUser"), // and every user itself
	v2 + "users/update_password":            user("UpdateUser"), // and every user itself
	v2 + "users/grant_role":                 global("ManageOwnership"),
	v2 + "users/revoke_role":                global("ManageOwnership"),
	v2 + "roles/create":                     global("CreateOwnership"),
	v2 + "roles/drop":                       global("DropOwnership"),
	v2 + "roles/list":                       global("SelectOwnership"),
	v2 + "roles/describe":                   global("SelectOwnership"),
	v2 + "roles/grant_privilege":            global("ManageOwnership"),
	v2 + "roles/revoke_privilege":           global("ManageOwnership"),

	// raftvec's own routes.
	"/v1/cluster/status":                       adminRole,
	"/v1/cluster/nodes":                        adminRole,
	"/v1/cluster/storage":                      adminRole,
	"/v1/cluster/nodes/add":                    adminRole,
	"/v1/cluster/nodes/remove":                 adminRole,
	"/v1/collections/:name/segments":           adminRole,
	"/v1/collections/:name/entities/:pk/trace": adminRole,
	"/v1/console/search":                       adminRole,
	"/debug/pprof/":                            adminRole,
	"/debug/pprof/cmdline":                     adminRole,
	"/debug/pprof/profile":                     adminRole,
	"/debug/pprof/symbol":                      adminRole,
	"/debug/pprof/trace":                       adminRole,
	"/debug/pprof/:name":                       adminRole,
	"":                                         authenticated, // unknown paths: 404 once authenticated
}

// v2 prefixes the Milvus routes' full paths.
const v2 = "/v2/vectordb/"

// privilegeOf returns the privilege of a route by gin's full path; a
// route not in the table (ok false) needs the admin role.
func privilegeOf(path string) (Privilege, bool) {
	if p, ok := routePrivileges[path]; ok {
		return p, true
	}
	return adminRole, false
}

// legacyAccess holds the role of the flag users other than root and of
// the API keys, with legacyGrants: what they could do before RBAC.
var legacyAccess = &coordinator.Access{Roles: map[string]*coordinator.Role{"legacy": {Name: "legacy", Grants: legacyGrants()}}}

func legacyGrants() []coordinator.Grant {
	gs := []coordinator.Grant{{ObjectType: coordinator.ObjectCollection, ObjectName: coordinator.AnyName, DB: coordinator.AnyName, Privilege: coordinator.AllPrivileges}}
	for _, p := range []string{"CreateCollection", "DropCollection", "DescribeCollection", "ShowCollections",
		"RenameCollection", "CreateDatabase", "DropDatabase", "ListDatabases", "DescribeDatabase", "AlterDatabase",
		"CreateAlias", "DropAlias", "DescribeAlias", "ListAliases", "FlushAll"} {
		gs = append(gs, coordinator.Grant{ObjectType: coordinator.ObjectGlobal, ObjectName: coordinator.AnyName, DB: coordinator.AnyName, Privilege: p})
	}
	return gs
}

// Principal is an authenticated caller.
type Principal struct {
	// User is the user's name ("" for an API key).
	User string
	// super: root. legacy: another flag user or an API key.
	super, legacy bool
	// roles of a stored user (public is implicit).
	roles []string
}

// IsAdmin reports whether the caller holds the admin role.
func (p *Principal) IsAdmin() bool {
	return p != nil && (p.super || p.hasRole(coordinator.RoleAdmin))
}

func (p *Principal) hasRole(r string) bool { return slices.Contains(p.roles, r) }

func (p *Principal) String() string {
	if p.User == "" {
		return "an API key"
	}
	return fmt.Sprintf("user %q", p.User)
}

type principalKey struct{}

// principalOf returns the caller a request's context carries (nil with
// auth off).
func principalOf(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// WithPrincipal returns a context carrying the caller, for front ends
// (the users/ and roles/ methods read it).
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// Identify authenticates a bearer token: an API key or "user:password".
func (s *Server) Identify(token string) (*Principal, bool) {
	match := 0
	for _, k := range s.cfg.APIKeys { // every key is compared: no early exit
		if k != "" {
			match |= secretEqual(k, token)
		}
	}
	if match == 1 {
		return &Principal{legacy: true}, true
	}
	name, pass, ok := strings.Cut(token, ":")
	if !ok {
		return nil, false
	}
	return s.identifyUser(name, pass)
}

// identifyUser checks a user's password: a flag user's against the flag,
// a stored user's against its bcrypt hash.
func (s *Server) identifyUser(name, pass string) (*Principal, bool) {
	if want, ok := s.cfg.Users[name]; ok {
		if secretEqual(want, pass) != 1 {
			return nil, false
		}
		return &Principal{User: name, super: name == coordinator.RootUser, legacy: name != coordinator.RootUser}, true
	}
	a, err := s.b.Access(context.Background(), false)
	if err != nil {
		return nil, false
	}
	u, ok := a.User(name)
	if !ok {
		// Same work as a wrong password, so that a user's existence does
		// not show in the time taken.
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(pass))
		return nil, false
	}
	if !s.creds.verify(u, pass) {
		return nil, false
	}
	return &Principal{User: name, roles: u.Roles}, true
}

// dummyHash is compared with when a user does not exist (made on first
// use: it takes bcrypt's time).
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("raftvec: no such user"), bcrypt.DefaultCost)
	return h
})

// credCache remembers, for a short time, the credentials that verified
// against a stored hash, so that a request does not pay bcrypt's cost
// (~50 ms) each time. Entries are keyed by a SHA-256 of user and password
// and hold the hash they verified against: a password change or a drop
// (on any node) changes or removes the stored hash, so the entry no
// longer matches. Neither passwords nor hashes are logged.
type credCache struct {
	mu sync.Mutex
	m  map[[32]byte]credEntry
}

type credEntry struct {
	hash    string
	expires time.Time
}

const (
	credTTL       = 5 * time.Minute
	credCacheSize = 4096
)

func credKey(name, pass string) [32]byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(name)))
	h.Write(n[:])
	h.Write([]byte(name))
	h.Write([]byte(pass))
	var k [32]byte
	copy(k[:], h.Sum(nil))
	return k
}

func (c *credCache) verify(u *coordinator.User, pass string) bool {
	k := credKey(u.Name, pass)
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && e.hash == u.Hash && now.Before(e.expires) {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(pass)) != nil {
		return false
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= credCacheSize {
		c.m = map[[32]byte]credEntry{}
	}
	c.m[k] = credEntry{hash: u.Hash, expires: now.Add(credTTL)}
	c.mu.Unlock()
	return true
}

// forget drops the cached credentials of a user's old hash (after this
// node changed its password or dropped it; other nodes' entries stop
// matching once they apply the change).
func (c *credCache) forget(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.hash == hash {
			delete(c.m, k)
		}
	}
}

// Authorize checks that the caller may use privilege pr on the object
// named name (for a Global privilege, or "" when the request names none:
// every object) in database db. nil with auth off.
func (s *Server) Authorize(ctx context.Context, p *Principal, pr Privilege, db, name string) error {
	if !s.cfg.AuthEnabled {
		return nil
	}
	if p == nil {
		return errUnauthenticated
	}
	switch {
	case p.super || pr.Name == Authenticated:
		return nil
	case pr.Name == AdminRole:
		if s.cfg.AdminAPI || p.IsAdmin() {
			return nil
		}
		return errf(codeNotPermitted, "privilege not permitted: permission deny to %s: this route needs the admin role "+
			"(or a node started with --admin-api)", p)
	}
	if pr.Object == coordinator.ObjectGlobal || name == "" {
		name = coordinator.AnyName
	}
	if pr.Object == coordinator.ObjectUser && name == p.User && p.User != "" {
		return nil // every user may see itself and change its password
	}
	a := legacyAccess
	roles := []string{"legacy"}
	if !p.legacy {
		var err error
		if a, err = s.b.Access(ctx, false); err != nil {
			return err
		}
		roles = p.roles
		if u, ok := a.User(p.User); ok { // the roles as applied now
			roles = u.Roles
		}
		if pr.Object == coordinator.ObjectCollection && name != coordinator.AnyName {
			// In the request's database: the caller's context may not
			// carry it yet (REST sets it after this check).
			name = s.b.ResolveCollection(proxy.WithDatabase(ctx, db), name)
		}
	}
	if a.Allowed(roles, pr.Object, name, db, pr.Name) { // admin allows everything
		return nil
	}
	what := pr.Object
	if pr.Object != coordinator.ObjectGlobal {
		what = fmt.Sprintf("%s %q", pr.Object, name)
	}
	return errf(codeNotPermitted, "privilege not permitted: Privilege%s: permission deny to %s on %s in database %q",
		pr.Name, p, what, coordinator.NormalizeDatabase(db))
}

// authorizeRoute checks a request's privilege (its route's entry in
// routePrivileges), reading the object's name from the body when the
// privilege names one. The body read is kept for the handler.
func (s *Server) authorizeRoute(gc *gin.Context, p *Principal) error {
	pr, _ := privilegeOf(gc.FullPath())
	db, name := "", ""
	if pr.Object != "" {
		body, err := s.requestBody(gc)
		if err != nil {
			return err
		}
		if db, err = requestDatabase(body, gc.GetHeader(headerDBName)); err != nil {
			return err
		}
		if pr.Key != "" {
			if name, err = bodyName(body, pr.Key); err != nil {
				return err
			}
		}
	}
	return s.Authorize(gc.Request.Context(), p, pr, db, name)
}

// bodyName returns the body's top-level string member key as the
// handler's decoding reads it (encoding/json: the last member whose key
// matches, letter case aside); "" when absent.
//
// collectionName is read by dbname.go's scan (an insert body of 64 MiB
// costs ~0.1 s that way, ~0.5 s through encoding/json), which is exact for
// it because none of its letters has a case-folded twin outside ASCII
// (FuzzBodyName); userName is (the long s folds to s), so it and anything
// else are decoded by encoding/json: those bodies are small.
func bodyName(body []byte, key string) (string, error) {
	if key == "collectionName" {
		return bodyString(body, key, func(b []byte) (string, error) { return slowName(b, key) })
	}
	return slowName(body, key)
}

// slowName decodes collectionName or userName with encoding/json, into a
// struct of that one field.
func slowName(body []byte, key string) (string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", nil
	}
	var c struct {
		CollectionName string `json:"collectionName"`
	}
	var u struct {
		UserName string `json:"userName"`
	}
	var v any = &c
	if key == "userName" {
		v = &u
	}
	if err := json.Unmarshal(body, v); err != nil { // no copy of the body, unlike a Decoder
		return "", jsonError(err)
	}
	return c.CollectionName + u.UserName, nil
}

// ctxKeyBody holds a body read before the handler (for a privilege
// check), which route then takes instead of reading again.
const ctxKeyBody = "raftvec.body"

// requestBody reads the request body once per request.
func (s *Server) requestBody(gc *gin.Context) ([]byte, error) {
	if b, ok := gc.Get(ctxKeyBody); ok {
		return b.([]byte), nil
	}
	b, err := s.readBody(gc)
	if err == nil {
		gc.Set(ctxKeyBody, b)
	}
	return b, err
}

// statusOf is the HTTP status of an error refusing a request before its
// handler: 401 unauthenticated, 403 not permitted, else 200 (the code
// says).
func statusOf(err error) int {
	switch code, _ := toCode(err); code {
	case codeUnauthenticated:
		return http.StatusUnauthorized
	case codeNotPermitted:
		return http.StatusForbidden
	}
	return http.StatusOK
}

// needsPrivilege reports whether a route is served behind auth and so
// needs an entry in routePrivileges: everything but the health, metrics
// and console files, and the test-only routes.
func needsPrivilege(path string) bool {
	switch {
	case path == "/healthz", path == "/readyz", path == "/metrics", path == "/console",
		strings.HasPrefix(path, "/console/"), strings.HasPrefix(path, "/v1/test/"):
		return false
	}
	return true
}
