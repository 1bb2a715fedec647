//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// as posts a request (GETs it when body is nil) with user:password and
// returns the HTTP status and the envelope.
func (p *proc) as(cred, path string, body any) (int, envelope) {
	p.t.Helper()
	method := http.MethodPost
	if body == nil {
		method = http.MethodGet
	}
	status, raw := p.send(method, path, cred, body)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		p.t.Fatalf("%s: HTTP %d, body %s", path, status, raw)
	}
	return status, env
}

// asOK is as on a v2 route, failing the test on a non-zero code.
func (p *proc) asOK(cred, route string, body any) envelope {
	p.t.Helper()
	_, env := p.as(cred, "/v2/vectordb/"+route, body)
	if env.Code != 0 {
		p.t.Fatalf("%s as %s: code %d: %s", route, strings.Split(cred, ":")[0], env.Code, env.Message)
	}
	return env
}

// refused checks that a v2 route answers 1401 (HTTP 403) to cred.
func (p *proc) refused(cred, route string, body any) {
	p.t.Helper()
	status, env := p.as(cred, "/v2/vectordb/"+route, body)
	if env.Code != 1401 || status != http.StatusForbidden || !strings.Contains(env.Message, "permission deny") {
		p.t.Fatalf("%s as %s: HTTP %d code %d %q, want 403/1401 permission deny", route, strings.Split(cred, ":")[0], status, env.Code, env.Message)
	}
}

// TestRBAC: the real binary with --auth. Root creates a user and a role
// over HTTP and grants the role Search and Query on one collection: the
// user searches and queries it, and is refused (1401, nothing changed)
// inserts, other collections, user management and the admin routes, over
// REST and gRPC alike. After a restart the user, the role and its grants
// are still there and the password still verifies; a revoke refuses
// again; a password change refuses the old password; a dropped user is
// refused. Neither the password nor its hash reach the log.
func TestRBAC(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	flags := []string{"--auth", "--users", "root=Milvus"}
	p := startStandalone(t, data, flags...)
	const root, alice = "root:Milvus", "alice:Wonder-1and"
	const dim = 4

	for _, c := range []string{"docs", "secret"} {
		p.asOK(root, "collections/create", map[string]any{"collectionName": c, "dimension": dim, "metricType": "L2"})
		var rows []map[string]any
		for i := range 20 {
			rows = append(rows, map[string]any{"id": i, "vector": vec(i, dim)})
		}
		p.asOK(root, "entities/insert", map[string]any{"collectionName": c, "data": rows})
	}
	p.asOK(root, "users/create", map[string]any{"userName": "alice", "password": "Wonder-1and"})
	p.asOK(root, "roles/create", map[string]any{"roleName": "reader"})
	for _, priv := range []string{"Search", "Query"} {
		p.asOK(root, "roles/grant_privilege", map[string]any{"roleName": "reader", "objectType": "Collection",
			"objectName": "docs", "privilege": priv})
	}
	p.asOK(root, "users/grant_role", map[string]any{"userName": "alice", "roleName": "reader"})

	count := func(coll string) string {
		t.Helper()
		env := p.asOK(root, "entities/query", map[string]any{"collectionName": coll, "filter": "",
			"outputFields": []string{"count(*)"}, "consistencyLevel": "Strong"})
		return string(env.Data)
	}
	search := map[string]any{"collectionName": "docs", "data": [][]float32{vec(3, dim)}, "limit": 3, "consistencyLevel": "Strong"}
	check := func(when string) {
		t.Helper()
		if env := p.asOK(alice, "entities/search", search); !strings.Contains(string(env.Data), `"id":3`) {
			t.Fatalf("%s: search: %s", when, env.Data)
		}
		p.asOK(alice, "entities/query", map[string]any{"collectionName": "docs", "filter": "id < 5"})
		before := count("docs") + count("secret")
		p.refused(alice, "entities/insert", map[string]any{"collectionName": "docs", "data": []map[string]any{{"id": 99, "vector": vec(99, dim)}}})
		p.refused(alice, "entities/delete", map[string]any{"collectionName": "docs", "filter": "id >= 0"})
		p.refused(alice, "entities/search", map[string]any{"collectionName": "secret", "data": [][]float32{vec(3, dim)}, "limit": 3})
		p.refused(alice, "collections/drop", map[string]any{"collectionName": "secret"})
		p.refused(alice, "users/create", map[string]any{"userName": "mallory", "password": "123456"})
		p.refused(alice, "users/grant_role", map[string]any{"userName": "alice", "roleName": "admin"})
		if status, env := p.as(alice, "/v1/cluster/status", nil); env.Code != 1401 || status != http.StatusForbidden {
			t.Fatalf("%s: /v1/cluster/status as alice: HTTP %d code %d", when, status, env.Code)
		}
		if after := count("docs") + count("secret"); after != before {
			t.Fatalf("%s: refused requests changed the rows: %s → %s", when, before, after)
		}
		if got := string(p.asOK(root, "collections/list", map[string]any{}).Data); got != `["docs","secret"]` {
			t.Fatalf("%s: collections %s", when, got)
		}
		if got := string(p.asOK(root, "users/describe", map[string]any{"userName": "alice"}).Data); got != `["reader"]` {
			t.Fatalf("%s: alice's roles %s", when, got)
		}
		if got := string(p.asOK(root, "roles/describe", map[string]any{"roleName": "reader"}).Data); !strings.Contains(got, `"privilege":"Query"`) ||
			!strings.Contains(got, `"privilege":"Search"`) || !strings.Contains(got, `"objectName":"docs"`) {
			t.Fatalf("%s: reader's grants %s", when, got)
		}
		// gRPC: the same user, the same privileges.
		conn, err := grpc.NewClient(p.http, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		g := milvuspb.NewMilvusServiceClient(conn)
		ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(),
			"authorization", base64.StdEncoding.EncodeToString([]byte(alice))), 10*time.Second)
		defer cancel()
		if _, err := g.DropCollection(ctx, &milvuspb.DropCollectionRequest{CollectionName: "secret"}); status.Code(err) != codes.PermissionDenied {
			t.Fatalf("%s: gRPC DropCollection as alice: %v", when, err)
		}
		if r, err := g.GetCollectionStatistics(ctx, &milvuspb.GetCollectionStatisticsRequest{CollectionName: "docs"}); status.Code(err) != codes.PermissionDenied {
			t.Fatalf("%s: gRPC GetCollectionStatistics as alice: %v %v", when, r, err)
		}
		if r, err := g.HasCollection(ctx, &milvuspb.HasCollectionRequest{CollectionName: "docs"}); err != nil || !r.GetValue() {
			t.Fatalf("%s: gRPC HasCollection (public) as alice: %v %v", when, r, err)
		}
	}
	check("before the restart")

	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, flags...)
	check("after the restart")

	p.asOK(root, "roles/revoke_privilege", map[string]any{"roleName": "reader", "objectType": "Collection",
		"objectName": "docs", "privilege": "Search"})
	p.refused(alice, "entities/search", search)
	p.asOK(alice, "entities/query", map[string]any{"collectionName": "docs", "filter": "id < 5"})

	p.asOK(alice, "users/update_password", map[string]any{"userName": "alice", "password": "Wonder-1and", "newPassword": "Looking-Glass"})
	if status, env := p.as(alice, "/v2/vectordb/entities/query", map[string]any{"collectionName": "docs", "filter": "id < 5"}); env.Code != 1800 || status != http.StatusUnauthorized {
		t.Fatalf("old password after the change: HTTP %d code %d", status, env.Code)
	}
	p.asOK("alice:Looking-Glass", "entities/query", map[string]any{"collectionName": "docs", "filter": "id < 5"})

	p.asOK(root, "users/drop", map[string]any{"userName": "alice"})
	if _, env := p.as("alice:Looking-Glass", "/v2/vectordb/entities/query", map[string]any{"collectionName": "docs", "filter": "id < 5"}); env.Code != 1800 {
		t.Fatalf("dropped user: code %d", env.Code)
	}
	if env := p.call("collections/list", map[string]any{}); env.Code != 1800 {
		t.Fatalf("no credentials: code %d", env.Code)
	}

	logs, err := os.ReadFile(p.log.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Wonder-1and", "Looking-Glass", "$2a$"} {
		if bytes.Contains(logs, []byte(secret)) {
			t.Fatalf("the node's log holds %q", secret)
		}
	}
}

var rbacCurlRE = regexp.MustCompile(`(?s)^curl -s -H "Authorization: Bearer (\S+)" localhost:19530(\S+)\s+-d '(.*)'$`)

// TestReadmeRBACExamples runs the README's users-and-roles curl examples,
// as written, against the binary started as the README says (--auth
// --users root=Milvus): each succeeds but alice's insert, which is refused
// with 1401, and the describes answer what the README shows.
func TestReadmeRBACExamples(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- readme-rbac-examples:begin -->", "<!-- readme-rbac-examples:end -->"
	text := string(b)
	start, stop := strings.Index(text, begin), strings.Index(text, end)
	if start < 0 || stop < start {
		t.Fatal("README.md has no readme-rbac-examples block")
	}
	var cmds [][3]string
	var cur strings.Builder
	for _, line := range strings.Split(text[start:stop], "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "```") || strings.HasPrefix(line, "<!--") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			continue
		}
		cur.WriteString(line)
		m := rbacCurlRE.FindStringSubmatch(cur.String())
		if m == nil {
			t.Fatalf("README example is not of the form curl -s -H \"Authorization: Bearer u:p\" localhost:19530/... -d '...': %s", cur.String())
		}
		cmds = append(cmds, [3]string{m[1], m[2], m[3]})
		cur.Reset()
	}
	if len(cmds) < 15 {
		t.Fatalf("found only %d examples", len(cmds))
	}
	p := startStandalone(t, filepath.Join(t.TempDir(), "data"), "--auth", "--users", "root=Milvus")
	results := map[string]string{}
	for _, c := range cmds {
		var body any
		if err := json.Unmarshal([]byte(c[2]), &body); err != nil {
			t.Fatalf("README example body for %s is not JSON: %s", c[1], c[2])
		}
		status, env := p.as(c[0], c[1], body)
		refusal := c[0] == "alice:Wonder-1and" && c[1] == "/v2/vectordb/entities/insert"
		switch {
		case refusal && (env.Code != 1401 || status != http.StatusForbidden || !strings.Contains(env.Message, "PrivilegeInsert: permission deny")):
			t.Fatalf("%s as %s: HTTP %d code %d %q, want the README's refusal", c[1], c[0], status, env.Code, env.Message)
		case !refusal && env.Code != 0:
			t.Fatalf("%s as %s %s: code %d %q", c[1], c[0], c[2], env.Code, env.Message)
		}
		if _, seen := results[c[1]]; !seen {
			results[c[1]] = string(env.Data)
		}
	}
	for route, want := range map[string]string{
		"/v2/vectordb/users/describe": `["reader"]`,
		"/v2/vectordb/roles/describe": `[{"dbName":"default","grantor":"root","objectName":"books","objectType":"Collection","privilege":"Query"},` +
			`{"dbName":"default","grantor":"root","objectName":"books","objectType":"Collection","privilege":"Search"}]`,
		"/v2/vectordb/users/list":     `["root","alice"]`,
		"/v2/vectordb/roles/list":     `["admin","public","reader"]`,
		"/v2/vectordb/entities/query": `[{"count(*)":0}]`,
	} {
		if results[route] != want {
			t.Errorf("%s returned %s, want %s", route, results[route], want)
		}
	}
}

// TestRBACCluster: users, roles and grants are cluster metadata. Changes
// made through followers (forwarded to the metadata leader, errors and
// all) hold on every node once applied there: a user created on one node
// logs in on the others, a grant made on a second node lets it act on a
// third, and a revoke on one node refuses on every node.
func TestRBACCluster(t *testing.T) {
	nodes := startCluster(t, 3, "--auth", "--users", "root=Milvus")
	const root, bob = "root:Milvus", "bob:Builder-42"
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s", what)
			}
		}
	}
	codeOn := func(p *proc, cred, route string, body any) int {
		_, env := p.as(cred, "/v2/vectordb/"+route, body)
		return env.Code
	}
	insert := map[string]any{"collectionName": "docs", "data": []map[string]any{{"id": 1, "vector": vec(1, 4)}}}
	for i, p := range nodes {
		p.asOK(root, "users/list", map[string]any{})
		if i == 0 {
			p.asOK(root, "collections/create", map[string]any{"collectionName": "docs", "dimension": 4})
		}
	}
	nodes[1].asOK(root, "users/create", map[string]any{"userName": "bob", "password": "Builder-42"})
	if _, env := nodes[2].as(root, "/v2/vectordb/users/create", map[string]any{"userName": "bob", "password": "Builder-42"}); env.Code != 1100 ||
		!strings.Contains(env.Message, "already exists") {
		t.Fatalf("creating bob again through another node: code %d %q", env.Code, env.Message)
	}
	// Database errors too (they were 65535 through a follower).
	nodes[1].asOK(root, "databases/create", map[string]any{"dbName": "analytics"})
	for _, p := range nodes {
		if _, env := p.as(root, "/v2/vectordb/databases/create", map[string]any{"dbName": "analytics"}); env.Code != 1100 {
			t.Fatalf("creating analytics again through %s: code %d %q", p.http, env.Code, env.Message)
		}
		if _, env := p.as(root, "/v2/vectordb/collections/create", map[string]any{"dbName": "nope", "collectionName": "c", "dimension": 4}); env.Code != 800 {
			t.Fatalf("a collection in a database that does not exist through %s: code %d %q", p.http, env.Code, env.Message)
		}
	}
	nodes[2].asOK(root, "roles/create", map[string]any{"roleName": "writer"})
	nodes[0].asOK(root, "roles/grant_privilege", map[string]any{"roleName": "writer", "objectType": "Collection", "objectName": "docs", "privilege": "Insert"})
	for _, p := range nodes {
		eventually("bob logs in on "+p.http, func() bool { return codeOn(p, bob, "collections/list", map[string]any{}) == 0 })
		if c := codeOn(p, bob, "entities/insert", insert); c != 1401 {
			t.Fatalf("bob's insert before the grant on %s: code %d", p.http, c)
		}
	}
	nodes[1].asOK(root, "users/grant_role", map[string]any{"userName": "bob", "roleName": "writer"})
	eventually("bob inserts on node 3", func() bool { return codeOn(nodes[2], bob, "entities/insert", insert) == 0 })
	nodes[2].asOK(root, "users/revoke_role", map[string]any{"userName": "bob", "roleName": "writer"})
	for _, p := range nodes {
		eventually("the revoke holds on "+p.http, func() bool { return codeOn(p, bob, "entities/insert", insert) == 1401 })
	}
	nodes[0].asOK(root, "users/drop", map[string]any{"userName": "bob"})
	for _, p := range nodes {
		eventually("the drop holds on "+p.http, func() bool { return codeOn(p, bob, "collections/list", map[string]any{}) == 1800 })
	}
}
