package builder

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

func importSchema(t *testing.T) *segment.Schema {
	s := &segment.Schema{Name: "t", Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "title", Type: segment.TypeVarChar, MaxLength: 8},
		{Name: "vec", Type: segment.TypeFloatVector, Dim: 2},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

type importRow struct {
	ID    int64     `parquet:"id"`
	Title string    `parquet:"title"`
	Vec   []float32 `parquet:"vec,list"`
}

func parquetFile(t *testing.T, rows []importRow) []byte {
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParseImportFile: both JSON shapes and Parquet parse; a bad row fails
// the file with an error naming the row and the field.
func TestParseImportFile(t *testing.T) {
	s := importSchema(t)
	tests := []struct {
		name, file string
		data       []byte
		rows       int
		wantErr    []string // substrings of the error
	}{
		{name: "rows object", file: "a.json", data: []byte(`{"rows":[{"id":1,"title":"a","vec":[1,2]},{"id":2,"title":"b","vec":[3,4]}]}`), rows: 2},
		{name: "plain array", file: "a.JSON", data: []byte(`[{"id":1,"title":"a","vec":[1,2]}]`), rows: 1},
		{name: "parquet", file: "d/b.parquet", data: parquetFile(t, []importRow{{1, "a", []float32{1, 2}}, {2, "b", []float32{0.5, 4}}}), rows: 2},
		{name: "wrong dim", file: "a.json", data: []byte(`[{"id":1,"title":"a","vec":[1,2]},{"id":2,"title":"b","vec":[1]}]`), wantErr: []string{"row 1", "vec"}},
		{name: "missing field", file: "a.json", data: []byte(`[{"id":1,"vec":[1,2]}]`), wantErr: []string{"row 0", "title"}},
		{name: "too long", file: "a.json", data: []byte(`[{"id":1,"title":"abcdefghijk","vec":[1,2]}]`), wantErr: []string{"row 0", "title"}},
		{name: "duplicate key", file: "a.json", data: []byte(`[{"id":1,"title":"a","vec":[1,2]},{"id":1,"title":"b","vec":[1,2]}]`), wantErr: []string{"row 1", "primary key 1"}},
		{name: "parquet bad dim", file: "b.parquet", data: parquetFile(t, []importRow{{1, "a", []float32{1, 2}}, {2, "b", []float32{1, 2, 3}}}), wantErr: []string{"row 1", "vec"}},
		{name: "not json", file: "a.json", data: []byte(`{"rows":`), wantErr: []string{"not valid JSON"}},
		{name: "not parquet", file: "a.parquet", data: []byte(`nope`), wantErr: []string{"Parquet"}},
		{name: "empty", file: "a.json", data: []byte(`{"rows":[]}`), wantErr: []string{"no rows"}},
		{name: "unknown type", file: "a.csv", data: []byte(`id`), wantErr: []string{"unsupported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseImportFile(tt.file, tt.data, s)
			if tt.wantErr == nil {
				if err != nil || b.Rows() != tt.rows {
					t.Fatalf("rows %v err %v", b, err)
				}
				if v := b.Columns[2].Float32s(); len(v) != 2*tt.rows || v[0] != 1 {
					t.Fatalf("vectors %v", v)
				}
				return
			}
			if !errors.Is(err, ErrBadFile) {
				t.Fatalf("err %v, want ErrBadFile", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestSplitByShard: rows go to the shard the proxy routes their key to.
func TestSplitByShard(t *testing.T) {
	s := importSchema(t)
	b, err := ParseImportFile("a.json", []byte(`[{"id":1,"title":"a","vec":[1,2]},{"id":2,"title":"b","vec":[3,4]},{"id":3,"title":"c","vec":[5,6]}]`), s)
	if err != nil {
		t.Fatal(err)
	}
	parts := splitByShard(s, b, 2)
	n := 0
	for sh, p := range parts {
		for r := 0; p != nil && r < p.Rows(); r++ {
			n++
			if got := proxyShard(p.Columns[0].Value(r), 2); got != sh {
				t.Errorf("key %v in shard %d, routed to %d", p.Columns[0].Value(r), sh, got)
			}
		}
	}
	if n != 3 {
		t.Fatalf("%d rows after the split", n)
	}
}

func proxyShard(pk any, n int) int { return proxy.ShardOf(pk, n) }
