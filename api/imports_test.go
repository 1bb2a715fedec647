package api

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFrontEndsOnlyTalkToTheProxy enforces DESIGN.md's dependency rule:
// the front ends (this package and grpcapi) translate wire formats into
// proxy calls and never import the replica, Raft or state-machine
// packages.
func TestFrontEndsOnlyTalkToTheProxy(t *testing.T) {
	forbidden := []string{"shards", "raft", "fsm"}
	for _, dir := range []string{".", "../grpcapi"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range ast.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, p := range forbidden {
					if path == "github.com/raftvec/raftvec/"+p {
						t.Errorf("%s imports %s: front ends go through the proxy", f, path)
					}
				}
			}
		}
	}
}
