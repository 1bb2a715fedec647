package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBackupCLI: the subcommands post to /v1/backup/<verb> with the
// token and database, print the server's figures, and turn the usual
// failures into errors that say what to do.
func TestBackupCLI(t *testing.T) {
	var got struct {
		path, auth string
		body       map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.auth = r.URL.Path, r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		got.body = nil
		_ = json.Unmarshal(b, &got.body)
		switch r.URL.Path {
		case "/v1/backup/create":
			_, _ = io.WriteString(w, `{"code":0,"data":{"backupName":"b1","collectionName":"docs","shardsNum":2,"segments":4,"liveRows":1080,"objects":80,"bytes":266622,"seconds":0.05}}`)
		case "/v1/backup/restore":
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"code":1401,"message":"admin routes are off"}`)
		case "/v1/backup/list":
			_, _ = io.WriteString(w, `{"code":1100,"message":"invalid parameter: backup \"x\" not found"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	run := func(args ...string) (string, error) {
		cmd := newBackupCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs(append(args, "--addr", srv.URL, "--token", "root:Milvus", "--db", "analytics"))
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := run("create", "docs", "b1")
	if err != nil || !strings.Contains(out, "backup b1 of docs: 1080 rows (4 segments, 2 shards), 80 objects, 260.4 KiB") {
		t.Fatalf("create: %q %v", out, err)
	}
	if got.path != "/v1/backup/create" || got.auth != "Bearer root:Milvus" || got.body["dbName"] != "analytics" ||
		got.body["collectionName"] != "docs" || got.body["backupName"] != "b1" {
		t.Fatalf("create sent %+v", got)
	}
	if _, err := run("restore", "b1", "copy"); err == nil || !strings.Contains(err.Error(), "--admin-api") {
		t.Fatalf("restore refused by the node: %v", err)
	}
	if _, err := run("list"); err == nil || !strings.Contains(err.Error(), `backup "x" not found`) {
		t.Fatalf("list with an error: %v", err)
	}
	if _, err := run("describe", "b1"); err == nil || !strings.Contains(err.Error(), "no /v1/backup/ routes") {
		t.Fatalf("describe on a node without the routes: %v", err)
	}
	if _, err := run("create", "docs"); err == nil {
		t.Fatal("create with one argument ran")
	}
	srv.Close()
	if _, err := run("list"); err == nil || !strings.Contains(err.Error(), "is a node running") {
		t.Fatalf("no node: %v", err)
	}
}
