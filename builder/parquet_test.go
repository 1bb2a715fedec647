package builder

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/segment"
)

// wideRow covers every type the columnar path reads.
type wideRow struct {
	ID    int64     `parquet:"id"`
	Flag  bool      `parquet:"flag"`
	Small int32     `parquet:"small"`
	Ratio float32   `parquet:"ratio"`
	Score float64   `parquet:"score"`
	Title string    `parquet:"title"`
	Vec   []float32 `parquet:"vec,list"`
}

func wideSchema(t *testing.T, dynamic bool) *segment.Schema {
	s := &segment.Schema{Name: "w", EnableDynamic: dynamic, Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "flag", Type: segment.TypeBool},
		{Name: "small", Type: segment.TypeInt8},
		{Name: "ratio", Type: segment.TypeFloat},
		{Name: "score", Type: segment.TypeDouble},
		{Name: "title", Type: segment.TypeVarChar, MaxLength: 5},
		{Name: "vec", Type: segment.TypeFloatVector, Dim: 3},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func writeParquet[T any](t *testing.T, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParquetColumnarMatchesRowPath: the columnar reader builds exactly
// the batch the row path builds (with and without a dynamic field), and
// refuses what the row path refuses, naming the row and the field.
func TestParquetColumnarMatchesRowPath(t *testing.T) {
	good := []wideRow{
		{1, true, -5, 0.5, 1e300, "héllo", []float32{1, 2, 3}},
		{2, false, 127, -1.25, -2, "", []float32{0, -1, 0.125}},
	}
	for _, dynamic := range []bool{false, true} {
		s := wideSchema(t, dynamic)
		data := writeParquet(t, good)
		col, err := parquetBatch(data, s)
		if err != nil {
			t.Fatalf("dynamic %v: columnar: %v", dynamic, err)
		}
		rows, err := parquetRows(data)
		if err != nil {
			t.Fatal(err)
		}
		row, err := api.ImportBatch(s, rows)
		if err != nil {
			t.Fatalf("row path: %v", err)
		}
		if !reflect.DeepEqual(col.Columns, row.Columns) {
			t.Fatalf("dynamic %v: columnar batch\n%+v\nrow path\n%+v", dynamic, col.Columns, row.Columns)
		}
	}
	s := wideSchema(t, false)
	bad := func(mut func(r *wideRow)) []byte {
		rows := append([]wideRow(nil), good...)
		rows[1].Vec = append([]float32(nil), good[1].Vec...)
		mut(&rows[1])
		return writeParquet(t, rows)
	}
	for _, tt := range []struct {
		name string
		data []byte
		want []string
	}{
		{"short vector", bad(func(r *wideRow) { r.Vec = r.Vec[:2] }), []string{"row 1", `"vec"`, "dim is 3"}},
		{"long vector", bad(func(r *wideRow) { r.Vec = append(r.Vec, 4) }), []string{"row 1", `"vec"`}},
		{"NaN element", bad(func(r *wideRow) { r.Vec[1] = float32(math.NaN()) }), []string{"row 1", `"vec"`, "finite"}},
		{"Int8 overflow", bad(func(r *wideRow) { r.Small = 300 }), []string{"row 1", `"small"`, "range"}},
		{"too long", bad(func(r *wideRow) { r.Title = "abcdef" }), []string{"row 1", `"title"`, "max_length 5"}},
		{"repeated key", bad(func(r *wideRow) { r.ID = 1 }), []string{"row 1", "primary key 1"}},
		{"infinite double", bad(func(r *wideRow) { r.Score = math.Inf(1) }), []string{"row 1", `"score"`}},
	} {
		_, err := ParseImportFile("f.parquet", tt.data, s)
		if !errors.Is(err, ErrBadFile) {
			t.Fatalf("%s: %v, want ErrBadFile", tt.name, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not name %q", tt.name, err, w)
			}
		}
	}
	// An extra column is not columnar: the row path refuses it by name
	// (no dynamic field) or keeps it as a dynamic key.
	type extraRow struct {
		wideRow
		Extra string `parquet:"extra"`
	}
	extra := writeParquet(t, []extraRow{{good[0], "x"}})
	if _, err := parquetBatch(extra, s); !errors.Is(err, errNotColumnar) {
		t.Fatalf("a file with an extra column: %v, want errNotColumnar", err)
	}
	if _, err := ParseImportFile("f.parquet", extra, s); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("an extra column without a dynamic field: %v", err)
	}
}
