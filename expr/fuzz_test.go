package expr

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// fuzzSeeds returns the golden inputs plus a few extra seeds.
func fuzzSeeds(f *testing.F) {
	data, err := os.ReadFile("testdata/parse.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if in, ok := strings.CutPrefix(line, "in: "); ok {
			f.Add(in)
		}
	}
	for _, s := range []string{
		`age > {a} and title like {p} or id in {l}`,
		`color == "red" && n * 2 >= 3 || not is_vip`,
		`array_contains_any(tags, ["red", "x"]) and nums[0] % 2 == 1`,
		`json_contains(meta["arr"], [1, 2]) and exists meta["b"]["c"]`,
		`-{a} < price / 2 <= 100 and meta["a"] ** 2 != 4`,
	} {
		f.Add(s)
	}
}

func checkFuzzErr(t *testing.T, src string, err error) {
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("%q: error %v is not an *Error wrapping ErrInvalid", src, err)
	}
	if e.Pos < 0 || e.Pos > len(src) {
		t.Fatalf("%q: error position %d out of range", src, e.Pos)
	}
}

func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src)
		if err != nil {
			checkFuzzErr(t, src, err)
			return
		}
		s := n.String()
		n2, err := Parse(s)
		if err != nil {
			t.Fatalf("%q: canonical %q does not parse: %v", src, s, err)
		}
		if s2 := n2.String(); s2 != s {
			t.Fatalf("%q: canonical %q re-prints as %q", src, s, s2)
		}
	})
}

func FuzzCompile(f *testing.F) {
	fuzzSeeds(f)
	s := testSchema(f, true)
	b := testBatch(f, s)
	params := map[string]any{"a": int64(3), "p": "%a%", "l": []any{int64(1), 2.5, "x"},
		"ids": []any{int64(1), int64(2)}, "min_age": 20.5}
	f.Fuzz(func(t *testing.T, src string) {
		flt, err := Compile(src, s, params)
		if err != nil {
			checkFuzzErr(t, src, err)
			return
		}
		for _, fi := range flt.Fields() {
			if fi < 0 || fi >= len(s.Fields) {
				t.Fatalf("%q: field position %d out of range", src, fi)
			}
		}
		flt.PKValues()
		canon := flt.String()
		again, err := Compile(canon, s, nil)
		if err != nil {
			t.Fatalf("%q: canonical %q does not compile: %v", src, canon, err)
		}
		for row := 0; row < b.Rows(); row++ {
			if flt.Match(b, row) != again.Match(b, row) {
				t.Fatalf("%q: canonical %q matches row %d differently", src, canon, row)
			}
		}
	})
}
