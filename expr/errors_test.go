package expr

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	s := testSchema(t, true)
	noDyn := testSchema(t, false)
	deep := strings.Repeat("(", 1000) + "ok" + strings.Repeat(")", 1000)
	cases := []struct {
		src    string
		params map[string]any
		pos    int
		msg    string
	}{
		{src: "price >", pos: 7, msg: "expected an expression"},
		// issue 10: arithmetic known to fail at compile time is an error
		{src: "age / 0 == 1", pos: 4, msg: "division by zero"},
		{src: "age % 0 == 1", pos: 4, msg: "division by zero"},
		{src: "price / 0.0 > 1", pos: 6, msg: "division by zero"},
		{src: "age / {d} == 1", params: map[string]any{"d": int64(0)}, pos: 4, msg: "division by zero"},
		{src: "age > 9223372036854775807 + 1", pos: 26, msg: "integer overflow"},
		{src: "age > 4611686018427387904 * 2", pos: 26, msg: "integer overflow"},
		{src: "(age > 1", pos: 8, msg: `expected ")"`},
		{src: "age > 1)", pos: 7, msg: `unexpected ")"`},
		{src: "((age > 1)", pos: 10, msg: `expected ")"`},
		{src: `title == "abc`, pos: 9, msg: "unterminated string literal"},
		{src: `title == 'abc\'`, pos: 9, msg: "unterminated string literal"},
		{src: `title == "a\qb"`, pos: 11, msg: `invalid escape sequence \q`},
		{src: `title == "\u12"`, pos: 10, msg: `invalid \u escape`},
		{src: `title == "\ud800"`, pos: 10, msg: "unpaired surrogate"},
		{src: "foo(age)", pos: 0, msg: `unknown function "foo"`},
		{src: "age > 1 and unknown_fn(1)", pos: 12, msg: "unknown function"},
		{src: "array_length(nums, 1) == 1", pos: 0, msg: "array_length takes 1 argument(s), got 2"},
		{src: "title > 5", pos: 8, msg: `cannot compare VarChar field "title" with integer literal`},
		{src: "5 < title", pos: 0, msg: "cannot compare"},
		{src: "title == age", pos: 9, msg: "cannot compare"},
		{src: "1 < title < 5", pos: 0, msg: "cannot compare"},
		{src: "vec == 1", pos: 0, msg: `vector field "vec" cannot be used`},
		{src: "vec is null", pos: 0, msg: "vector field"},
		{src: "price + 1", pos: 0, msg: "filter must be a boolean expression"},
		{src: "age", pos: 0, msg: "filter must be a boolean expression"},
		{src: "title", pos: 0, msg: "filter must be a boolean expression"},
		{src: "n + 1", pos: 0, msg: "filter must be a boolean expression"},
		{src: "age in [1, \"a\"]", pos: 11, msg: "cannot compare"},
		{src: "age in [1, age]", pos: 11, msg: "expected a literal"},
		{src: "age in 5", pos: 7, msg: "needs a list literal"},
		{src: "nums in [1]", pos: 0, msg: "in needs a scalar operand"},
		{src: "title like 5", pos: 11, msg: "like needs a string literal pattern"},
		{src: `age like "a%"`, pos: 0, msg: "like needs a string operand"},
		{src: "ok < true", pos: 3, msg: "operator < is not defined on booleans"},
		{src: "age = 1", pos: 4, msg: `unexpected "=" (use "==" to compare)`},
		{src: "age > 1 && & ok", pos: 11, msg: `unexpected character '&'`},
		{src: "age > 1 # x", pos: 8, msg: `unexpected character '#'`},
		{src: "id in {ids}", pos: 6, msg: "placeholder {ids} not found in params"},
		{src: "id in {ids}", params: map[string]any{"ids": map[string]any{}}, pos: 6, msg: "unsupported value"},
		{src: "age > {x}", params: map[string]any{"x": []any{nil}}, pos: 6, msg: "unsupported value"},
		{src: "title like {p}", params: map[string]any{"p": int64(5)}, pos: 11, msg: "like needs a string literal pattern"},
		{src: "{x", pos: 0, msg: "invalid placeholder"},
		{src: "nums > 1", pos: 0, msg: `cannot compare Array field "nums"`},
		{src: "nums == [1]", pos: 0, msg: "cannot compare"},
		{src: `meta["a"] > [1]`, pos: 12, msg: "cannot compare list literal"},
		{src: `nums["a"] == 1`, pos: 5, msg: "needs an integer index"},
		{src: "nums[0][0] == 1", pos: 7, msg: "cannot be indexed"},
		{src: "age[0] == 1", pos: 3, msg: `Int32 field "age" cannot be indexed`},
		{src: "(age)[0] == 1", pos: 5, msg: "cannot be indexed"},
		{src: "[1][0] == 1", pos: 3, msg: "only fields and JSON paths can be indexed"},
		{src: `meta[age] == 1`, pos: 5, msg: "index must be a string or integer literal"},
		{src: `meta["a"][-1] == 1`, pos: 10, msg: "index -1 out of range"},
		{src: "array_contains(age, 1)", pos: 15, msg: "needs an Array field or JSON path"},
		{src: `array_contains(nums, "a")`, pos: 21, msg: "cannot compare elements of Array field"},
		{src: `array_contains_all(nums, [1, "a"])`, pos: 29, msg: "cannot compare"},
		{src: `array_contains_any(tags, "a")`, pos: 25, msg: "needs a list literal"},
		{src: "array_contains(nums, age)", pos: 21, msg: "expected a literal"},
		{src: "1 < age < price", pos: 10, msg: "range bounds must be"},
		{src: "1 < age > 2", pos: 8, msg: "comparisons cannot be chained"},
		{src: "age == 1 == 2", pos: 9, msg: "comparisons cannot be chained"},
		{src: "1 < age < 2 < 3", pos: 12, msg: `unexpected "<"`},
		{src: "id == 0x", pos: 6, msg: "invalid integer literal"},
		{src: "id == 08", pos: 6, msg: "invalid integer literal"},
		{src: "id == 0b12", pos: 6, msg: "invalid integer literal"},
		{src: "id == 12abc", pos: 6, msg: "invalid number literal"},
		{src: "id == 1.2.3", pos: 6, msg: "invalid number literal"},
		{src: "id == 99999999999999999999", pos: 6, msg: "integer literal out of range"},
		{src: "id == 9223372036854775808", pos: 6, msg: "integer literal out of range"},
		{src: "id == 1e999", pos: 6, msg: "float literal out of range"},
		{src: "exists age", pos: 7, msg: "exists needs a JSON path"},
		{src: "exists (age + 1)", pos: 8, msg: "exists needs a JSON path"},
		{src: "not age", pos: 4, msg: "not needs a boolean operand"},
		{src: "-title > 1", pos: 1, msg: "unary minus needs a numeric operand"},
		{src: "age and ok", pos: 0, msg: "and needs boolean operands"},
		{src: "ok or title", pos: 6, msg: "or needs boolean operands"},
		{src: "title + 1 > 2", pos: 0, msg: "operator + needs numeric operands"},
		{src: "is_vip is", pos: 9, msg: `expected "null"`},
		{src: "is_vip is not", pos: 13, msg: `expected "null"`},
		{src: "age > 1 or", pos: 10, msg: "expected an expression"},
		{src: "age in [1,2", pos: 11, msg: `expected "," or "]"`},
		{src: "age == and", pos: 7, msg: `unexpected keyword "and"`},
		{src: "age == null", pos: 7, msg: `unexpected keyword "null"`},
		{src: "age == not ok", pos: 7, msg: `unexpected keyword "not"`},
		{src: "age not 5", pos: 4, msg: `unexpected "not"`},
		{src: deep, pos: maxDepth, msg: "nested too deeply"},
		{src: "nosuch == 1", params: nil, pos: 0, msg: ""}, // dynamic: valid
	}
	for _, tc := range cases {
		_, err := Compile(tc.src, s, tc.params)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tc.src, err)
			}
			continue
		}
		checkErr(t, tc.src, err, tc.pos, tc.msg)
	}
	_, err := Compile("nosuch == 1", noDyn, nil)
	checkErr(t, "nosuch == 1", err, 0, `field "nosuch" not found`)
	_, err = Compile("age > 1", nil, nil)
	checkErr(t, "nil schema", err, 0, "no schema")
}

func checkErr(t *testing.T, src string, err error, pos int, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: got %v, want *Error", src, err)
		return
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("%s: error does not wrap ErrInvalid", src)
	}
	if e.Pos != pos || !strings.Contains(e.Msg, msg) {
		t.Errorf("%s: got pos %d %q, want pos %d %q", src, e.Pos, e.Msg, pos, msg)
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse("(price > 10 and age < 3")
	want := `filter error at position 23: expected ")" (at end of input)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = Parse("price > 10 and age < 3 and title == 'a very long string literal")
	want = `filter error at position 36: unterminated string literal (near "'a very long string ...")`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = Parse("")
	checkErr(t, "empty", err, 0, "empty expression")
}
