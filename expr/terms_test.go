package expr

import (
	"fmt"
	"testing"

	"github.com/raftvec/raftvec/segment"
)

func termSchema(t *testing.T) *segment.Schema {
	t.Helper()
	s := &segment.Schema{Name: "c", EnableDynamic: true, Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "name", Type: segment.TypeVarChar, MaxLength: 32},
		{Name: "age", Type: segment.TypeInt8},
		{Name: "score", Type: segment.TypeDouble},
		{Name: "ok", Type: segment.TypeBool},
		{Name: "tags", Type: segment.TypeArray, ElementType: segment.TypeVarChar, MaxCapacity: 4, MaxLength: 8},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 2},
		{Name: segment.DynamicFieldName, Type: segment.TypeJSON, IsDynamic: true},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// render prints terms compactly for table tests.
func render(ts []IndexTerm, s *segment.Schema) string {
	out := ""
	for _, t := range ts {
		name := s.Fields[t.Field].Name
		switch t.Kind {
		case TermIn:
			out += fmt.Sprintf("%s in %v;", name, t.Values)
		case TermContains:
			out += fmt.Sprintf("%s has %v;", name, t.Values)
		case TermPrefix:
			out += fmt.Sprintf("%s prefix %q;", name, t.Prefix)
		case TermRange:
			b := func(x *Bound) string {
				if x == nil {
					return "_"
				}
				return fmt.Sprintf("%v/%v", x.V, x.Inclusive)
			}
			out += fmt.Sprintf("%s [%s %s];", name, b(t.Lo), b(t.Hi))
		}
	}
	return out
}

func TestIndexTerms(t *testing.T) {
	s := termSchema(t)
	tests := []struct{ filter, want string }{
		{`name == "a"`, `name in [a];`},
		{`"a" == name and age > 3`, `name in [a];age [3/false _];`},
		{`age >= 3 and age < 9.5`, `age [3/true _];age [_ 9/true];`},
		{`age > 2.5`, `age [3/true _];`},
		{`3 < age <= 7`, `age [3/false 7/true];`},
		{`7 >= age > 3`, `age [3/false 7/true];`},
		{`score < 2`, `score [_ 2/false];`},
		{`name in ["a", "b", "a"]`, `name in [a b];`},
		{`age in [1, 1000, 2.5, 3.0]`, `age in [1 3];`},
		{`name == "a" or name in ["b"]`, `name in [a b];`},
		{`name == "a" or age == 1`, ``},
		{`name like "ab%c_"`, `name prefix "ab";`},
		{`name like "%ab"`, ``},
		{`name not like "ab%"`, ``},
		{`array_contains(tags, "x")`, `tags has [x];`},
		{`array_contains_any(tags, ["x", "y"])`, `tags has [x y];`},
		{`array_contains_all(tags, ["x", "y"])`, `tags has [x];tags has [y];`},
		{`ok == true`, `ok in [true];`},
		{`name != "a"`, ``},
		{`not (name == "a")`, ``},
		{`age + 1 == 3`, ``},
		{`color == "red"`, ``}, // a dynamic key
		{`name == "a" and (age == 1 or score > 2)`, `name in [a];`},
	}
	for _, tc := range tests {
		f, err := Compile(tc.filter, s, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		if got := render(f.IndexTerms(), s); got != tc.want {
			t.Errorf("IndexTerms(%s) = %q, want %q", tc.filter, got, tc.want)
		}
	}
}
