package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/bcrypt"

	"github.com/raftvec/raftvec/coordinator"
)

func init() { bcryptCost = bcrypt.MinCost } // tests need no work factor

// rbacEnv is a server with auth on (root's password "Milvus") and the
// admin routes, a collection "c" with rows and an alias "al" to it, a
// second collection "d", and a stored user alice (password "alice-pw")
// holding no role but public.
func rbacEnv(t *testing.T, cfg ...Config) (*env, *fakeAdmin) {
	t.Helper()
	c := Config{AuthEnabled: true, Users: map[string]string{"root": "Milvus"}}
	if len(cfg) > 0 {
		c = cfg[0]
		c.AuthEnabled = true
	}
	a := &fakeAdmin{}
	c.Admin = a
	e := newEnv(t, c)
	root := asUser("root", "Milvus")
	e.ok("collections/create", `{"collectionName":"c","dimension":2}`, root...)
	e.ok("collections/create", `{"collectionName":"d","dimension":2}`, root...)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":1,"vector":[1,2]},{"id":2,"vector":[3,4]}]}`, root...)
	e.ok("aliases/create", `{"collectionName":"c","aliasName":"al"}`, root...)
	e.ok("users/create", `{"userName":"alice","password":"alice-pw"}`, root...)
	e.ok("users/create", `{"userName":"bob","password":"bob-pw-1"}`, root...)
	return e, a
}

// asUser is the Authorization header of user:password.
func asUser(name, pass string) []string {
	return []string{"Authorization", "Bearer " + name + ":" + pass}
}

// fingerprint is everything the fake backend and admin hold, so that a
// test can prove a refused request changed nothing.
func (e *env) fingerprint(a *fakeAdmin) string {
	e.t.Helper()
	f := e.f
	f.mu.Lock()
	defer f.mu.Unlock()
	colls := map[string]any{}
	for k, c := range f.colls {
		colls[k] = map[string]any{"col": c.col, "rows": len(c.rows)}
	}
	b, err := json.Marshal(map[string]any{"colls": colls, "aliases": f.aliases, "dbs": f.dbs,
		"access": f.access, "writes": len(f.writes), "admin": a.calls, "nextID": f.nextID})
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// rbacBody is a body every route accepts (or refuses for its own reasons),
// naming collection c and user bob.
const rbacBody = `{"collectionName":"c","dimension":2,"partitionName":"p","partitionNames":["_default"],"aliasName":"al2",` +
	`"newCollectionName":"c2","data":[{"id":7,"vector":[1,2]}],"id":[1],"filter":"id > 0","indexName":"vector",` +
	`"indexParams":[{"fieldName":"vector","indexName":"v2","metricType":"L2"}],"annsField":"vector","limit":1,` +
	`"search":[{"data":[[1,2]],"limit":1}],"rerank":{"strategy":"rrf"},"jobId":"1","files":[["a.json"]],` +
	`"properties":{"collection.ttl.seconds":5},"propertyKeys":["collection.ttl.seconds"],` +
	`"userName":"bob","password":"bob-pw-1","newPassword":"bob-pw-2","roleName":"admin",` +
	`"objectType":"Collection","objectName":"c","privilege":"Insert"}`

// publicRoutes are what the public role allows (Milvus's defaults:
// DescribeCollection, ShowCollections, IndexDetail).
var publicRoutes = []string{"collections/describe", "collections/list", "collections/has", "indexes/describe", "indexes/list"}

// adminPaths are raftvec's own routes (method, path, body).
var adminPaths = [][3]string{
	{http.MethodGet, "/v1/cluster/status", ""},
	{http.MethodGet, "/v1/cluster/nodes", ""},
	{http.MethodGet, "/v1/cluster/storage", ""},
	{http.MethodPost, "/v1/cluster/nodes/add", `{"nodeID":"evil","raftAddr":"127.0.0.1:1"}`},
	{http.MethodPost, "/v1/cluster/nodes/remove", `{"nodeID":"evil"}`},
	{http.MethodGet, "/v1/collections/c/segments", ""},
	{http.MethodGet, "/v1/collections/c/entities/1/trace", ""},
	{http.MethodPost, "/v1/console/search", `{"collectionName":"c","data":[[1,2]],"limit":1}`},
	{http.MethodGet, "/debug/pprof/", ""},
	{http.MethodGet, "/debug/pprof/cmdline", ""},
	{http.MethodGet, "/debug/pprof/symbol", ""},
	{http.MethodGet, "/debug/pprof/heap", ""},
}

// TestEveryRouteHasAPrivilege: every route served behind auth has an
// entry in routePrivileges, and every entry is a served route, so a new
// route cannot slip through unchecked (buildEngine also refuses to start
// without one).
func TestEveryRouteHasAPrivilege(t *testing.T) {
	e := newEnv(t, Config{AuthEnabled: true, Admin: &fakeAdmin{}})
	served := map[string]bool{"": true}
	for _, r := range e.s.engine.Routes() {
		served[r.Path] = true
		if _, ok := routePrivileges[r.Path]; !ok && needsPrivilege(r.Path) {
			t.Errorf("route %s %s has no privilege in routePrivileges", r.Method, r.Path)
		}
	}
	for _, r := range e.s.routes() {
		if _, ok := routePrivileges[v2+r.path]; !ok {
			t.Errorf("Milvus route %s has no privilege", r.path)
		}
	}
	for path, p := range routePrivileges {
		if !served[path] && strings.HasPrefix(path, v2) { // /v1/ routes may be served only when configured
			t.Errorf("routePrivileges names %q, which is not served", path)
		}
		if p.Object != "" && !coordinator.IsPrivilege(p.Object, p.Name) {
			t.Errorf("%s: %s is not a privilege of %s", path, p.Name, p.Object)
		}
	}
	for _, p := range adminPaths {
		if _, ok := routePrivileges[strings.Replace(strings.Replace(p[1], "/c/", "/:name/", 1), "/1/", "/:pk/", 1)]; !ok &&
			!strings.HasPrefix(p[1], "/debug/pprof/") {
			t.Errorf("admin path %s is not in routePrivileges", p[1])
		}
	}
}

// TestUnprivilegedUserRefusedEverywhere walks every route as a stored user
// holding only public: each route public does not allow answers 1401 with
// HTTP 403 and changes nothing (collections, rows, aliases, databases,
// users and roles, admin calls); the ones it allows answer. Root, who
// holds every privilege, is refused by none.
func TestUnprivilegedUserRefusedEverywhere(t *testing.T) {
	e, a := rbacEnv(t)
	alice := asUser("alice", "alice-pw")
	before := e.fingerprint(a)
	for _, r := range e.s.routes() {
		t.Run(r.path, func(t *testing.T) {
			e.t = t
			got := e.post(r.path, rbacBody, alice...)
			if slices.Contains(publicRoutes, r.path) {
				if got.Code == codeNotPermitted || got.Status != http.StatusOK {
					t.Fatalf("public route refused: HTTP %d code %d %s", got.Status, got.Code, got.Msg)
				}
				return
			}
			if got.Code != codeNotPermitted || got.Status != http.StatusForbidden || !strings.Contains(got.Msg, "permission deny") {
				t.Fatalf("HTTP %d code %d %q, want HTTP 403 code 1401 permission deny", got.Status, got.Code, got.Msg)
			}
			if after := e.fingerprint(a); after != before {
				t.Fatalf("a refused request changed the state:\n%s\n%s", before, after)
			}
		})
	}
	e.t = t
	for _, p := range adminPaths {
		got := e.admin(p[0], p[1], p[2], alice...)
		if got.Code != codeNotPermitted || got.Status != http.StatusForbidden {
			t.Fatalf("%s %s: HTTP %d code %d %q, want 403/1401", p[0], p[1], got.Status, got.Code, got.Msg)
		}
	}
	// An unknown path needs no privilege, only credentials.
	if got := e.admin(http.MethodGet, "/nope", "", alice...); got.Code != http.StatusNotFound {
		t.Fatalf("unknown path: code %d", got.Code)
	}
	if after := e.fingerprint(a); after != before {
		t.Fatalf("refused requests changed the state:\n%s\n%s", before, after)
	}
	// Root is refused nothing: the bodies were good enough to act on.
	root := asUser("root", "Milvus")
	for _, r := range e.s.routes() {
		if got := e.post(r.path, rbacBody, root...); got.Code == codeNotPermitted || got.Code == codeUnauthenticated {
			t.Errorf("root refused %s: code %d %s", r.path, got.Code, got.Msg)
		}
	}
	for _, p := range adminPaths {
		if strings.HasPrefix(p[1], "/debug/pprof/") { // not JSON
			continue
		}
		if got := e.admin(p[0], p[1], p[2], root...); got.Code == codeNotPermitted || got.Code == codeUnauthenticated {
			t.Errorf("root refused %s: code %d %s", p[1], got.Code, got.Msg)
		}
	}
}

// TestGrantThenRevoke: a privilege granted to a role held by a user lets
// it do exactly that (on that collection, through an alias of it too, in
// that database); revoking it refuses again; so does revoking the role.
func TestGrantThenRevoke(t *testing.T) {
	e, _ := rbacEnv(t)
	root, alice := asUser("root", "Milvus"), asUser("alice", "alice-pw")
	search := `{"collectionName":"c","data":[[1,2]],"limit":1}`
	e.fail("entities/search", search, codeNotPermitted, "PrivilegeSearch", alice...)
	e.ok("roles/create", `{"roleName":"searcher"}`, root...)
	e.ok("roles/grant_privilege", `{"roleName":"searcher","objectType":"Collection","objectName":"c","privilege":"Search"}`, root...)
	e.ok("users/grant_role", `{"userName":"alice","roleName":"searcher"}`, root...)

	e.ok("entities/search", search, alice...)
	e.ok("entities/search", `{"collectionName":"al","data":[[1,2]],"limit":1}`, alice...) // alias of c
	e.fail("entities/search", `{"collectionName":"d","data":[[1,2]],"limit":1}`, codeNotPermitted, `Collection "d"`, alice...)
	e.fail("entities/query", `{"collectionName":"c","filter":"id > 0"}`, codeNotPermitted, "PrivilegeQuery", alice...)
	e.fail("entities/insert", `{"collectionName":"c","data":[{"id":9,"vector":[1,2]}]}`, codeNotPermitted, "PrivilegeInsert", alice...)
	e.fail("users/create", `{"userName":"mallory","password":"123456"}`, codeNotPermitted, "PrivilegeCreateOwnership", alice...)
	e.fail("roles/grant_privilege", `{"roleName":"searcher","objectType":"Collection","objectName":"*","privilege":"*"}`,
		codeNotPermitted, "PrivilegeManageOwnership", alice...)

	// describe sees the grant (and who made it); alice sees her roles.
	r := e.ok("roles/describe", `{"roleName":"searcher"}`, root...)
	if got := js(r.Data); got != `[{"dbName":"default","grantor":"root","objectName":"c","objectType":"Collection","privilege":"Search"}]` {
		t.Fatalf("roles/describe: %s", got)
	}
	if r := e.ok("users/describe", `{"userName":"alice"}`, alice...); js(r.Data) != `["searcher"]` {
		t.Fatalf("users/describe: %s", js(r.Data))
	}
	e.fail("users/describe", `{"userName":"bob"}`, codeNotPermitted, "PrivilegeSelectUser", alice...)
	if r := e.ok("roles/list", `{}`, root...); js(r.Data) != `["admin","public","searcher"]` {
		t.Fatalf("roles/list: %s", js(r.Data))
	}
	if r := e.ok("users/list", `{}`, root...); js(r.Data) != `["root","alice","bob"]` {
		t.Fatalf("users/list: %s", js(r.Data))
	}

	// A grant in another database does not reach this one.
	e.ok("roles/grant_privilege", `{"roleName":"searcher","objectType":"Collection","objectName":"d","privilege":"Search","dbName":"other"}`, root...)
	e.fail("entities/search", `{"collectionName":"d","data":[[1,2]],"limit":1}`, codeNotPermitted, "PrivilegeSearch", alice...)

	e.ok("roles/revoke_privilege", `{"roleName":"searcher","objectType":"Collection","objectName":"c","privilege":"Search"}`, root...)
	e.fail("entities/search", search, codeNotPermitted, "PrivilegeSearch", alice...)
	e.ok("roles/grant_privilege", `{"roleName":"searcher","objectType":"Collection","objectName":"c","privilege":"Search"}`, root...)
	e.ok("entities/search", search, alice...)
	e.ok("users/revoke_role", `{"userName":"alice","roleName":"searcher"}`, root...)
	e.fail("entities/search", search, codeNotPermitted, "PrivilegeSearch", alice...)

	// The admin role: everything, the /v1/ routes included.
	e.ok("users/grant_role", `{"userName":"alice","roleName":"admin"}`, root...)
	e.ok("entities/insert", `{"collectionName":"c","data":[{"id":9,"vector":[1,2]}]}`, alice...)
	if got := e.admin(http.MethodGet, "/v1/cluster/status", "", alice...); got.Code != 0 {
		t.Fatalf("admin role refused /v1/cluster/status: %d %s", got.Code, got.Msg)
	}
	if got := e.admin(http.MethodPost, "/v1/cluster/nodes/remove", `{"nodeID":"n9"}`, alice...); got.Code != 0 {
		t.Fatalf("admin role refused nodes/remove: %d %s", got.Code, got.Msg)
	}
	// Built-in roles stay.
	e.fail("roles/drop", `{"roleName":"admin"}`, codeInvalid, "cannot be dropped", root...)
	e.fail("roles/drop", `{"roleName":"public"}`, codeInvalid, "cannot be dropped", root...)
	e.ok("roles/drop", `{"roleName":"searcher"}`, root...)
	e.fail("roles/describe", `{"roleName":"searcher"}`, codeInvalid, "role not found", root...)
}

// TestAliasResolvedInTheRequestsDatabase: a collection named in a request
// is resolved (aliases) in the request's database, never another's: an
// alias "docs" → "x" in the default database does not make analytics'
// own "docs" readable with a grant on analytics' "x".
func TestAliasResolvedInTheRequestsDatabase(t *testing.T) {
	e, _ := rbacEnv(t)
	root, alice := asUser("root", "Milvus"), asUser("alice", "alice-pw")
	e.ok("collections/create", `{"collectionName":"x","dimension":2}`, root...)
	e.ok("aliases/create", `{"collectionName":"x","aliasName":"docs"}`, root...)
	e.ok("databases/create", `{"dbName":"analytics"}`, root...)
	e.ok("collections/create", `{"dbName":"analytics","collectionName":"docs","dimension":2}`, root...)
	e.ok("collections/create", `{"dbName":"analytics","collectionName":"x","dimension":2}`, root...)
	e.ok("roles/create", `{"roleName":"rx"}`, root...)
	e.ok("roles/grant_privilege", `{"roleName":"rx","objectType":"Collection","objectName":"x","privilege":"Query","dbName":"analytics"}`, root...)
	e.ok("users/grant_role", `{"userName":"alice","roleName":"rx"}`, root...)
	e.ok("entities/query", `{"dbName":"analytics","collectionName":"x","filter":"id > 0"}`, alice...)
	e.fail("entities/query", `{"dbName":"analytics","collectionName":"docs","filter":"id > 0"}`, codeNotPermitted, `"docs"`, alice...)
	e.fail("entities/query", `{"collectionName":"docs","filter":"id > 0"}`, codeNotPermitted, "PrivilegeQuery", alice...)
}

// TestPasswords: a stored user's password verifies against its hash; a
// change (by the user, with the old password, or by an admin) refuses the
// old one at once, cache or not; a dropped user is refused; passwords
// and hashes never reach the log.
func TestPasswords(t *testing.T) {
	var logs bytes.Buffer
	e, _ := rbacEnv(t, Config{Users: map[string]string{"root": "Milvus"},
		Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Trace})})
	root := asUser("root", "Milvus")
	list := `{}`
	e.ok("collections/list", list, asUser("alice", "alice-pw")...)
	e.ok("collections/list", list, asUser("alice", "alice-pw")...) // cached
	if got := e.post("collections/list", list, asUser("alice", "wrong-pw")...); got.Code != codeUnauthenticated || got.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d %d", got.Status, got.Code)
	}
	if got := e.post("collections/list", list, asUser("nobody", "alice-pw")...); got.Code != codeUnauthenticated {
		t.Fatalf("unknown user: %d", got.Code)
	}
	// Basic auth too.
	req, _ := http.NewRequest(http.MethodPost, "/v2/vectordb/collections/list", strings.NewReader(list))
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:alice-pw")))
	if got := e.do(req); got.Code != 0 {
		t.Fatalf("basic auth: %d %s", got.Code, got.Msg)
	}

	// The user itself, with a wrong old password: refused.
	if r := e.fail("users/update_password", `{"userName":"alice","password":"nope-nope","newPassword":"alice-pw2"}`,
		codeNotPermitted, "old password", asUser("alice", "alice-pw")...); r.Status != http.StatusForbidden {
		t.Fatalf("wrong old password: HTTP %d", r.Status)
	}
	e.fail("users/update_password", `{"userName":"alice","password":"alice-pw","newPassword":"short"}`,
		codeInvalid, "password", asUser("alice", "alice-pw")...)
	e.ok("users/update_password", `{"userName":"alice","password":"alice-pw","newPassword":"alice-pw2"}`, asUser("alice", "alice-pw")...)
	if got := e.post("collections/list", list, asUser("alice", "alice-pw")...); got.Code != codeUnauthenticated {
		t.Fatalf("old password still works: %d", got.Code)
	}
	e.ok("collections/list", list, asUser("alice", "alice-pw2")...)
	// Another user's password: UpdateUser on it (root's: the flags).
	e.fail("users/update_password", `{"userName":"bob","password":"bob-pw-1","newPassword":"bob-pw-2"}`,
		codeNotPermitted, "PrivilegeUpdateUser", asUser("alice", "alice-pw2")...)
	e.fail("users/update_password", `{"userName":"root","password":"Milvus","newPassword":"Milvus2"}`, codeInvalid, "flags", root...)
	// An admin needs no old password.
	e.ok("users/update_password", `{"userName":"alice","newPassword":"alice-pw3"}`, root...)
	e.ok("collections/list", list, asUser("alice", "alice-pw3")...)
	// A change made behind this node's back (another node) is seen too:
	// the cache holds the hash it verified, which no longer matches.
	h, _ := bcrypt.GenerateFromPassword([]byte("elsewhere"), bcrypt.MinCost)
	if err := e.f.ChangeAccess(t.Context(), coordinator.AccessChange{Op: coordinator.AccessUpdatePassword, User: "alice", Hash: string(h)}); err != nil {
		t.Fatal(err)
	}
	if got := e.post("collections/list", list, asUser("alice", "alice-pw3")...); got.Code != codeUnauthenticated {
		t.Fatalf("password changed elsewhere still verifies from the cache: %d", got.Code)
	}
	e.ok("collections/list", list, asUser("alice", "elsewhere")...)

	e.ok("users/drop", `{"userName":"alice"}`, root...)
	if got := e.post("collections/list", list, asUser("alice", "elsewhere")...); got.Code != codeUnauthenticated {
		t.Fatalf("dropped user still authenticates: %d", got.Code)
	}
	e.fail("users/drop", `{"userName":"root"}`, codeInvalid, "superuser", root...)
	e.fail("users/create", `{"userName":"root","password":"123456"}`, codeInvalid, "exists", root...)
	e.fail("users/create", `{"userName":"bob","password":"123456"}`, codeInvalid, "exists", root...)
	e.fail("users/create", `{"userName":"9x","password":"123456"}`, codeInvalid, "user name", root...)

	// What the metadata holds is a bcrypt hash, never the password.
	a, _ := e.f.Access(t.Context(), false)
	if u, _ := a.User("bob"); !strings.HasPrefix(u.Hash, "$2a$") || strings.Contains(u.Hash, "bob-pw-1") {
		t.Fatalf("stored hash %q", u.Hash)
	}
	for _, secret := range []string{"alice-pw", "bob-pw-1", "elsewhere", "$2a$", "Milvus"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log holds %q:\n%s", secret, logs.String())
		}
	}
}

// TestFlagUsersKeepTheirAccess: flag users other than root and API keys
// keep what they had before RBAC (every collection and data route) but
// neither manage users and roles nor call the admin routes.
func TestFlagUsersKeepTheirAccess(t *testing.T) {
	e, _ := rbacEnv(t, Config{Users: map[string]string{"root": "Milvus", "carol": "carol-pw"}, APIKeys: []string{"key-1"}})
	for i, hdr := range [][]string{asUser("carol", "carol-pw"), {"Authorization", "Bearer key-1"}} {
		e.ok("entities/insert", `{"collectionName":"c","data":[{"id":`+string(rune('5'+i))+`,"vector":[1,2]}]}`, hdr...)
		e.ok("entities/search", `{"collectionName":"d","data":[[1,2]],"limit":1}`, hdr...)
		e.ok("collections/create", `{"collectionName":"e`+strings.ToLower(hdr[1][7:9])+`","dimension":2}`, hdr...)
		e.fail("users/create", `{"userName":"x1","password":"123456"}`, codeNotPermitted, "permission deny", hdr...)
		e.fail("roles/list", `{}`, codeNotPermitted, "permission deny", hdr...)
		if got := e.admin(http.MethodGet, "/v1/cluster/status", "", hdr...); got.Code != codeNotPermitted {
			t.Fatalf("flag user on /v1/cluster/status: %d", got.Code)
		}
	}
	// A stored user cannot take a flag user's name.
	e.fail("users/create", `{"userName":"carol","password":"123456"}`, codeInvalid, "flags", asUser("root", "Milvus")...)
	e.fail("users/grant_role", `{"userName":"carol","roleName":"admin"}`, codeInvalid, "flags", asUser("root", "Milvus")...)
}

// TestAdminAPIOpensAdminRoutes: with --admin-api every authenticated caller
// may call the /v1/ routes, as before RBAC; the Milvus routes still need
// their privileges.
func TestAdminAPIOpensAdminRoutes(t *testing.T) {
	e, a := rbacEnv(t, Config{Users: map[string]string{"root": "Milvus"}, AdminAPI: true})
	alice := asUser("alice", "alice-pw")
	if got := e.admin(http.MethodPost, "/v1/cluster/nodes/remove", `{"nodeID":"n9"}`, alice...); got.Code != 0 {
		t.Fatalf("nodes/remove: %d %s", got.Code, got.Msg)
	}
	if len(a.calls) != 1 {
		t.Fatalf("admin calls %v", a.calls)
	}
	e.fail("entities/insert", `{"collectionName":"c","data":[{"id":9,"vector":[1,2]}]}`, codeNotPermitted, "PrivilegeInsert", alice...)
}

// TestAuthOffNoChecks: without auth, the users/ and roles/ routes work and
// nothing is checked.
func TestAuthOffNoChecks(t *testing.T) {
	e := newEnv(t)
	e.ok("users/create", `{"userName":"u1","password":"123456"}`)
	e.ok("roles/create", `{"roleName":"r1"}`)
	e.ok("users/grant_role", `{"userName":"u1","roleName":"r1"}`)
	e.ok("users/update_password", `{"userName":"u1","newPassword":"1234567"}`)
	e.fail("entities/search", `{"collectionName":"nope","data":[[1,2]],"limit":1}`, codeCollectionNotFound, "nope")
}

// FuzzBodyName: for every JSON object, bodyName reads the collectionName
// and userName encoding/json decodes (so the privilege check and the
// handler see the same name), or fails where encoding/json fails.
func FuzzBodyName(f *testing.F) {
	for _, s := range []string{`{"collectionName":"a"}`, `{"x":[1,"]"],"collectionName":"b"}`, `{"CollectionName":"a","collectionname":null}`,
		`{"a":"\"collectionName\"","collectionName":"c"}`, `{"\u0063ollectionName":"a"}`, `{"collectionName":"a","COLLECTIONNAME":"b"}`,
		`{"userName":"alice","uſerName":"bob"}`, `{"data":[{"collectionName":"x"}],"collectionName":"y","z":{}}`, `{"collectionName":5}`, `{"collectionName":"a","userName":5}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var probe map[string]json.RawMessage
		if json.Unmarshal(body, &probe) != nil || checkText(body) != nil {
			return // only JSON objects the envelope lets through
		}
		var c struct {
			CollectionName string `json:"collectionName"`
		}
		var u struct {
			UserName string `json:"userName"`
		}
		cErr, uErr := json.Unmarshal(body, &c), json.Unmarshal(body, &u)
		for _, k := range []struct {
			key, want string
			err       error
		}{{"collectionName", c.CollectionName, cErr}, {"userName", u.UserName, uErr}} {
			got, err := bodyName(body, k.key)
			if (err != nil) != (k.err != nil) || (err == nil && got != k.want) {
				t.Fatalf("bodyName(%q, %s) = %q, %v; encoding/json: %q, %v", body, k.key, got, err, k.want, k.err)
			}
		}
	})
}

// TestStartingNodeDoesNotRefuseStoredUsers: until the node has started
// (the metadata replayed), credentials it cannot verify answer code 1
// (not ready), not 1800: the user may exist in metadata not yet applied.
func TestStartingNodeDoesNotRefuseStoredUsers(t *testing.T) {
	var cur error = errors.New("waiting for a metadata leader")
	e := newEnv(t, Config{AuthEnabled: true, Users: map[string]string{"root": "Milvus"}, Starting: func() error { return cur }})
	if r := e.post("collections/list", `{}`, asUser("alice", "alice-pw")...); r.Code != codeNotReady || r.Status != http.StatusOK {
		t.Fatalf("unknown user while starting: HTTP %d code %d %s", r.Status, r.Code, r.Msg)
	}
	cur = nil
	if r := e.post("collections/list", `{}`, asUser("alice", "alice-pw")...); r.Code != codeUnauthenticated {
		t.Fatalf("unknown user once started: code %d", r.Code)
	}
}
