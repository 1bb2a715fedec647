package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestSortedMatchesScan: set, range and prefix lookups of a Sorted index
// give exactly the rows a scan of the values finds, for int, float and
// string keys, with repeated values and rows holding several values.
func TestSortedMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	type pair struct {
		v   any
		row uint32
	}
	var ints, floats, strs []pair
	var bi, bf, bs SortedBuilder
	for row := uint32(0); row < 3000; row++ {
		for range 1 + r.IntN(2) { // array-like: some rows hold two values
			i := int64(r.IntN(200) - 100)
			f := float64(r.IntN(50)) / 4
			s := fmt.Sprintf("k%03d", r.IntN(300))
			ints, floats, strs = append(ints, pair{i, row}), append(floats, pair{f, row}), append(strs, pair{s, row})
			bi.AddInt(i, row)
			bf.AddFloat(f, row)
			bs.AddString(s, row)
		}
	}
	xi, xf, xs := bi.Build(), bf.Build(), bs.Build()
	scan := func(ps []pair, keep func(any) bool) []uint32 {
		var out []uint32
		for _, p := range ps {
			if keep(p.v) && !slices.Contains(out, p.row) {
				out = append(out, p.row)
			}
		}
		slices.Sort(out)
		return out
	}
	check := func(name string, got []uint32, want []uint32) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d rows, scan finds %d", name, len(got), len(want))
		}
	}
	check("ints in", xi.In([]any{int64(-3), int64(7), int64(7), "x"}).ToArray(),
		scan(ints, func(v any) bool { return v == int64(-3) || v == int64(7) }))
	check("ints (-10, 20]", xi.Range(&ScalarBound{int64(-10), false}, &ScalarBound{int64(20), true}).ToArray(),
		scan(ints, func(v any) bool { return v.(int64) > -10 && v.(int64) <= 20 }))
	check("ints < 0", xi.Range(nil, &ScalarBound{int64(0), false}).ToArray(),
		scan(ints, func(v any) bool { return v.(int64) < 0 }))
	check("floats >= 10.25", xf.Range(&ScalarBound{10.25, true}, nil).ToArray(),
		scan(floats, func(v any) bool { return v.(float64) >= 10.25 }))
	check("floats in", xf.In([]any{2.5, int64(3)}).ToArray(), scan(floats, func(v any) bool { return v == 2.5 }))
	check("strings prefix k01", xs.Prefix("k01").ToArray(),
		scan(strs, func(v any) bool { return strings.HasPrefix(v.(string), "k01") }))
	check("strings [k100, k150)", xs.Range(&ScalarBound{"k100", true}, &ScalarBound{"k150", false}).ToArray(),
		scan(strs, func(v any) bool { return v.(string) >= "k100" && v.(string) < "k150" }))
	check("empty range", xi.Range(&ScalarBound{int64(5), false}, &ScalarBound{int64(5), false}).ToArray(), nil)
	if xi.Len() != len(ints) || xs.Bytes() <= 0 {
		t.Fatalf("Len %d, want %d", xi.Len(), len(ints))
	}
}
