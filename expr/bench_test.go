package expr

import (
	"testing"

	"github.com/raftvec/raftvec/segment"
)

// boxedRows is a RowReader over pre-decoded values, so that measurements
// count only the evaluator's allocations.
type boxedRows [][]any

func (b boxedRows) Value(f, row int) any { return b[row][f] }

func boxed(t testing.TB, s *segment.Schema) boxedRows {
	b := testBatch(t, s)
	out := make(boxedRows, b.Rows())
	for r := range out {
		out[r] = make([]any, len(s.Fields))
		for f := range s.Fields {
			out[r][f] = b.Value(f, r)
		}
	}
	return out
}

var allocCases = []string{
	`age > 25 and price < 50.5 or not ok`,
	`10 <= price < 100 and title like "a%" and title not like "%x%"`,
	`id in [1, 3, 5] and title in ["banana", "apple pie"]`,
	`age % 2 == 0 and age * 2 + 1 > 3 and -price < 0`,
	`meta["a"] > 1 or color == "red" or exists meta["b"]["c"]`,
	`array_contains(nums, 2) or array_contains_any(tags, ["x"]) or array_length(nums) == 3`,
	`title like "_pfel%1" or ok is null`,
}

func TestNoAllocs(t *testing.T) {
	s := testSchema(t, true)
	rows := boxed(t, s)
	for _, src := range allocCases {
		f, err := Compile(src, s, nil)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var rr segment.RowReader = rows
		n := testing.AllocsPerRun(100, func() {
			for r := range rows {
				f.Match(rr, r)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per run", src, n)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	s := testSchema(b, true)
	rows := boxed(b, s)
	var rr segment.RowReader = rows
	for _, src := range allocCases {
		f, err := Compile(src, s, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(src, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f.Match(rr, i%len(rows))
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	s := testSchema(b, true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`10 <= price < 100 and title like "a%" and id in [1, 2, 3] and meta["a"]["b"] == 1`, s, nil); err != nil {
			b.Fatal(err)
		}
	}
}
