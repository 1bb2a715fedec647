package expr

import (
	"reflect"
	"testing"

	"github.com/raftvec/raftvec/segment"
)

func TestPKValues(t *testing.T) {
	s := testSchema(t, true)
	cases := []struct {
		src    string
		params map[string]any
		want   []any // nil: not a point lookup
	}{
		{src: "id == 5", want: []any{int64(5)}},
		{src: "5 == id", want: []any{int64(5)}},
		{src: "(id == -5)", want: []any{int64(-5)}},
		{src: "id == 0x10", want: []any{int64(16)}},
		{src: "id in [1, 2, 2, 3.0, 3.5]", want: []any{int64(1), int64(2), int64(3)}},
		{src: "id IN []", want: []any{}},
		{src: "id == 1.5", want: []any{}},
		{src: "id in {ids}", params: map[string]any{"ids": []any{float64(7), float64(8)}}, want: []any{int64(7), int64(8)}},
		{src: "id == {x}", params: map[string]any{"x": int64(9)}, want: []any{int64(9)}},
		{src: "id > 5"},
		{src: "id != 5"},
		{src: "id == 5 and age > 1"},
		{src: "id == 5 or id == 6"},
		{src: "id not in [1]"},
		{src: "not id in [1]"},
		{src: "age == 5"},
		{src: "id + 0 == 5"},
		{src: "id == age"},
	}
	for _, tc := range cases {
		f, err := Compile(tc.src, s, tc.params)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got, ok := f.PKValues()
		if ok != (tc.want != nil) || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("%s: got %v %v, want %v", tc.src, got, ok, tc.want)
		}
	}
}

func TestPKValuesVarChar(t *testing.T) {
	s := &segment.Schema{Name: "v", Fields: []segment.Field{
		{Name: "pk", Type: segment.TypeVarChar, PrimaryKey: true, MaxLength: 64},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 1},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		src  string
		want []any
	}{
		{`pk == "a"`, []any{"a"}},
		{`pk in ["a", 'b', "a"]`, []any{"a", "b"}},
		{`pk like "a%"`, nil},
	}
	for _, tc := range cases {
		f, err := Compile(tc.src, s, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got, ok := f.PKValues()
		if ok != (tc.want != nil) || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("%s: got %v %v, want %v", tc.src, got, ok, tc.want)
		}
	}
	if _, err := Compile("pk == 1", s, nil); err == nil {
		t.Error("pk == 1 on a VarChar key compiled")
	}
	if _, err := Compile("other == 1", s, nil); err == nil {
		t.Error("dynamic disabled: unknown field compiled")
	}
}

func TestFilterString(t *testing.T) {
	s := testSchema(t, true)
	f, err := Compile("id IN {ids} AND title LIKE {p} && -{n} < age", s,
		map[string]any{"ids": []any{int64(1), "x"}, "p": "a\"%", "n": 3.5})
	if err == nil {
		t.Fatalf("mixed list compiled: %v", f)
	}
	f, err = Compile("id IN {ids} AND title LIKE {p} && -{n} < age", s,
		map[string]any{"ids": []any{int64(1), int64(2)}, "p": "a\"%", "n": 3.5})
	if err != nil {
		t.Fatal(err)
	}
	want := `id in [1, 2] and title like "a\"%" and -3.5 < age`
	if got := f.String(); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestFieldValues: equality, in, and/or combinations fix a field's values;
// anything else (ranges, not, functions, other fields alone) does not.
func TestFieldValues(t *testing.T) {
	s := &segment.Schema{Name: "c", Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "tenant", Type: segment.TypeVarChar, MaxLength: 16},
		{Name: "n", Type: segment.TypeInt64},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 2},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter string
		want   []any // nil: not fixed
	}{
		{`tenant == "a"`, []any{"a"}},
		{`"a" == tenant`, []any{"a"}},
		{`tenant in ["a", "b", "a"]`, []any{"a", "b"}},
		{`tenant == "a" and n > 3`, []any{"a"}},
		{`n > 3 and tenant in ["a", "b"]`, []any{"a", "b"}},
		{`tenant in ["a", "b"] and tenant in ["b", "c"]`, []any{"b"}},
		{`tenant == "a" and tenant == "b"`, []any{}},
		{`tenant == "a" or tenant == "b"`, []any{"a", "b"}},
		{`(tenant == "a" and n == 1) or tenant in ["c"]`, []any{"a", "c"}},
		{`tenant == "a" or n == 1`, nil},
		{`tenant != "a"`, nil},
		{`tenant not in ["a"]`, nil},
		{`not (tenant == "a")`, nil},
		{`tenant like "a%"`, nil},
		{`n == 1`, nil},
		{``, nil},
	}
	for _, tc := range tests {
		f, err := Compile(tc.filter, s, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		got, ok := f.FieldValues("tenant", segment.TypeVarChar)
		if ok != (tc.want != nil) || (ok && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("FieldValues(%s) = %v, %v; want %v", tc.filter, got, ok, tc.want)
		}
	}
}
