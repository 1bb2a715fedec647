package shards

import (
	"testing"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/segment"
)

// TestSpecUsesProxyCompiledFilter: a local replica takes the filter the
// proxy compiled when the schemas have the same fields, and compiles the
// text itself otherwise (or when the text differs).
func TestSpecUsesProxyCompiledFilter(t *testing.T) {
	_, c, r := testReplica(t)
	const src = `color == "r"`
	f, err := expr.Compile(src, &c.Schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := c.Schema
	other.Fields = append([]segment.Field{}, c.Schema.Fields...)
	other.Fields[1].Type = segment.TypeInt64
	for _, tc := range []struct {
		name   string
		args   ReadArgs
		shared bool
	}{
		{"same fields", ReadArgs{Opts: ReadOptions{Filter: src}}.WithFilter(f, &c.Schema), true},
		{"other field types", ReadArgs{Opts: ReadOptions{Filter: src}}.WithFilter(f, &other), false},
		{"filter text changed after", func() ReadArgs {
			a := ReadArgs{Opts: ReadOptions{Filter: src}}.WithFilter(f, &c.Schema)
			a.Opts.Filter = `color == "b"`
			return a
		}(), false},
		{"not compiled", ReadArgs{Opts: ReadOptions{Filter: src}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := r.spec(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if (spec.Filter == f) != tc.shared {
				t.Fatalf("used the proxy's filter: %v, want %v", spec.Filter == f, tc.shared)
			}
			if spec.Filter == nil || spec.Filter.Empty() {
				t.Fatal("no filter")
			}
		})
	}
}
