package builder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/raftvec/raftvec/segment"
)

// Columnar Parquet import: a file whose columns are exactly the schema's
// fields, of plain types (numbers, Bool, VarChar, FloatVector as
// list<float>), is read column by column straight into a batch. The row
// path (parquetRows: every value through a map and the insert checks) took
// 80 % of an import's CPU and made imports slower than inserts. Any other
// file (functions, a dynamic field's extra columns, nullable or defaulted
// fields, other types) takes the row path, which handles everything.

// errNotColumnar: the file or schema needs the row path.
var errNotColumnar = errors.New("not a plain columnar file")

// parquetBatch reads a Parquet file into a batch of schema s, checking
// what the insert path checks (dimension, lengths, ranges, nulls, repeated
// primary keys), or returns errNotColumnar.
func parquetBatch(data []byte, s *segment.Schema) (*segment.Batch, error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a readable Parquet file: %w", err)
	}
	leaves, err := columnarLeaves(f, s)
	if err != nil {
		return nil, err
	}
	b := segment.NewBatch(s)
	rows := -1
	for i := range s.Fields {
		fd := &s.Fields[i]
		if fd.IsDynamic {
			continue
		}
		n, err := readColumn(f, leaves[i], fd, &b.Columns[i])
		if err != nil {
			return nil, err
		}
		if rows >= 0 && n != rows {
			return nil, fmt.Errorf("field %q has %d rows, other fields %d", fd.Name, n, rows)
		}
		rows = n
	}
	if d := s.DynamicIndex(); d >= 0 {
		for r := 0; r < rows; r++ {
			b.Columns[d].AppendValue([]byte("{}"))
		}
	}
	return b, checkRepeatedKeys(b, s.PrimaryIndex())
}

// columnarLeaves maps each schema field to its Parquet leaf column, or
// fails with errNotColumnar when the file or schema needs the row path.
func columnarLeaves(f *parquet.File, s *segment.Schema) ([]int, error) {
	if len(s.Functions) > 0 {
		return nil, errNotColumnar
	}
	byName := map[string][]int{}
	for i, path := range f.Schema().Columns() {
		byName[path[0]] = append(byName[path[0]], i)
	}
	leaves := make([]int, len(s.Fields))
	want := 0
	for i := range s.Fields {
		fd := &s.Fields[i]
		if fd.IsDynamic {
			continue
		}
		want++
		cols := byName[fd.Name]
		if len(cols) != 1 || fd.Nullable || fd.Default != nil || fd.AutoID || !columnarType(fd.Type) {
			return nil, errNotColumnar
		}
		leaves[i] = cols[0]
	}
	if len(byName) != want { // extra columns: dynamic keys or an error, the row path says which
		return nil, errNotColumnar
	}
	return leaves, nil
}

func columnarType(t segment.DataType) bool {
	switch t {
	case segment.TypeBool, segment.TypeInt8, segment.TypeInt16, segment.TypeInt32, segment.TypeInt64,
		segment.TypeFloat, segment.TypeDouble, segment.TypeVarChar, segment.TypeFloatVector:
		return true
	}
	return false
}

// readColumn appends leaf column leaf of every row group to c and returns
// the number of rows.
func readColumn(f *parquet.File, leaf int, fd *segment.Field, c *segment.Column) (int, error) {
	r := &columnReader{fd: fd, c: c, row: -1}
	if fd.Type == segment.TypeFloatVector { // the rows' vectors in one allocation
		c.Vectors = make([]float32, 0, int(f.NumRows())*fd.Dim)
	} else {
		c.Reserve(int(f.NumRows()))
	}
	buf := make([]parquet.Value, 4096)
	for _, rg := range f.RowGroups() {
		pages := rg.ColumnChunks()[leaf].Pages()
		err := readPages(pages, buf, r)
		pages.Close()
		if err != nil {
			return 0, err
		}
	}
	return r.rows()
}

func readPages(pages parquet.Pages, buf []parquet.Value, r *columnReader) error {
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading a Parquet page: %w", err)
		}
		if done, err := r.vectorPage(p); done || err != nil {
			parquet.Release(p)
			if err != nil {
				return err
			}
			continue
		}
		add := r.add
		vr := p.Values()
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				if aerr := add(v); aerr != nil {
					parquet.Release(p)
					return aerr
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(p)
				return fmt.Errorf("reading Parquet values: %w", err)
			}
		}
		parquet.Release(p)
	}
}

// columnReader converts one column's values, tracking the row (a value
// with repetition level 0 starts one) and a vector's element count.
type columnReader struct {
	fd   *segment.Field
	c    *segment.Column
	row  int
	elem int // elements of the current row's vector
}

func (r *columnReader) add(v parquet.Value) error {
	if v.RepetitionLevel() == 0 {
		if err := r.endRow(); err != nil {
			return err
		}
		r.row++
	}
	if v.IsNull() {
		if r.fd.Type == segment.TypeFloatVector {
			return nil // an empty or null list: the dimension check says so
		}
		return r.errorf("null, and the field is not nullable")
	}
	return r.value(v)
}

// endRow checks the finished row's vector length.
func (r *columnReader) endRow() error {
	if r.row >= 0 && r.fd.Type == segment.TypeFloatVector && r.elem != r.fd.Dim {
		return r.errorf("vector of %d elements, the field's dim is %d", r.elem, r.fd.Dim)
	}
	r.elem = 0
	return nil
}

func (r *columnReader) rows() (int, error) {
	if err := r.endRow(); err != nil {
		return 0, err
	}
	return r.row + 1, nil
}

// vectorPage appends a FloatVector page's values in one copy when the
// page is plain float32 without nulls (what writers produce for a
// list<float> column); done is false for any other page, which is then
// read value by value.
func (r *columnReader) vectorPage(p parquet.Page) (done bool, err error) {
	if r.fd.Type != segment.TypeFloatVector || p.NumNulls() != 0 {
		return false, nil
	}
	d := p.Data()
	rep := p.RepetitionLevels()
	if d.Kind() != encoding.Float || len(d.Float()) != len(rep) {
		return false, nil
	}
	vals := d.Float()
	for i, rl := range rep {
		if rl == 0 {
			if err := r.endRow(); err != nil {
				return true, err
			}
			r.row++
		}
		x := vals[i]
		if x != x || x > math.MaxFloat32 || x < -math.MaxFloat32 {
			return true, r.errorf("vector element %d is not a finite float32", r.elem)
		}
		if r.elem++; r.elem > r.fd.Dim {
			return true, r.errorf("vector longer than the field's dim %d", r.fd.Dim)
		}
	}
	r.c.Vectors = append(r.c.Vectors, vals...)
	return true, nil
}

func (r *columnReader) errorf(format string, args ...any) error {
	return fmt.Errorf("row %d: field %q: %s", r.row, r.fd.Name, fmt.Sprintf(format, args...))
}
