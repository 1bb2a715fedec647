package expr

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestParseGolden checks testdata/parse.txt: blocks of an input line
// ("in: ..."), and the expected canonical String() ("out: ...") or error
// ("err: ..."), separated by blank lines. Lines starting with # are comments.
// Run with -update to regenerate the expectations.
func TestParseGolden(t *testing.T) {
	const path = "testdata/parse.txt"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		in, isIn := strings.CutPrefix(line, "in: ")
		switch {
		case isIn:
			out.WriteString(line + "\n" + parseResult(t, in) + "\n")
		case strings.HasPrefix(line, "out: "), strings.HasPrefix(line, "err: "):
		default:
			out.WriteString(line + "\n")
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := out.String(); got != string(data) {
		t.Errorf("golden mismatch; run go test -run TestParseGolden -update and review the diff\n%s", diffLines(string(data), got))
	}
}

// parseResult renders Parse(in) and checks that String() is a fixed point.
func parseResult(t *testing.T, in string) string {
	n, err := Parse(in)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v is not *Error", in, err)
		}
		return "err: " + err.Error()
	}
	s := n.String()
	n2, err := Parse(s)
	if err != nil || n2.String() != s {
		t.Errorf("%s: canonical form %s does not re-parse to itself: %v", in, s, err)
	}
	return "out: " + s
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}
