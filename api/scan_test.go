package api

import (
	"math"
	"strconv"
	"testing"
)

func TestParseFloatMatchesStrconv(t *testing.T) {
	for _, s := range []string{"0", "-0", "-0.000", "1", "0.6046602", "-123.456", "0.1", "0.30000000000000004",
		"123456789012345", "1234567890123456", "0.000000000000000000001", "0.0000000000000000000001234",
		"1e5", "1E-7", "3.4028235e38", "99999999999999999999", "5e-324", "1.7976931348623157e309"} {
		checkParseFloat(t, s)
	}
}

func checkParseFloat(t *testing.T, s string) {
	t.Helper()
	sc := scanner{b: []byte(s)}
	num, ok := sc.number()
	if !ok || string(num) != s {
		return // not a JSON number: parseFloat never sees it
	}
	got, gotErr := parseFloat(num)
	want, wantErr := strconv.ParseFloat(s, 64)
	if math.Float64bits(got) != math.Float64bits(want) || (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("parseFloat(%q) = %v, %v; strconv: %v, %v", s, got, gotErr, want, wantErr)
	}
}

// FuzzParseFloat checks the fast float path bit for bit against strconv.
func FuzzParseFloat(f *testing.F) {
	for _, s := range []string{"0.6046602", "-1.5", "12345.678901234", "0.00001"} {
		f.Add(s)
	}
	f.Fuzz(checkParseFloat)
}
