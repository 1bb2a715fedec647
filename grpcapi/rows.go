package grpcapi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/raftvec/raftvec/segment"
	"strconv"

	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"

	"github.com/raftvec/raftvec/api"
)

// decodeRows turns columnar FieldData into the rows api.Write takes: one
// map per row from field name to the value JSON would give (json.Number
// for numbers; vectors as []float32). The dynamic field's JSON objects are
// spread into their rows' keys, as a REST row carries them.
//
// The row count comes from the columns; num_rows, when set, must agree (it
// is never trusted for an allocation).
func decodeRows(fields []*schemapb.FieldData, numRows int) ([]map[string]any, error) {
	cols := make([][]any, len(fields))
	n := 0
	for i, fd := range fields { // each column is converted once
		vals, err := columnValues(fd)
		if err != nil {
			return nil, badColumn(fd, err)
		}
		cols[i] = vals
		n = max(n, len(vals), len(fd.GetValidData()))
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: insert data invalid: no rows", api.ErrInvalid)
	}
	if numRows > 0 && numRows != n {
		return nil, fmt.Errorf("%w: insert data invalid: num_rows is %d but the columns hold %d rows", api.ErrInvalid, numRows, n)
	}
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = make(map[string]any, len(fields))
	}
	for c, fd := range fields {
		vals, err := alignValid(cols[c], fd.GetValidData(), n)
		if err != nil {
			return nil, badColumn(fd, err)
		}
		for i, v := range vals {
			if fd.GetIsDynamic() {
				if err := spreadMeta(rows[i], v); err != nil {
					return nil, fmt.Errorf("%w: insert data invalid: row %d: dynamic field: %v", api.ErrInvalid, i, err)
				}
				continue
			}
			rows[i][fd.GetFieldName()] = v
		}
	}
	return rows, nil
}

func badColumn(fd *schemapb.FieldData, err error) error {
	return fmt.Errorf("%w: insert data invalid: field %q: %v", api.ErrInvalid, fd.GetFieldName(), err)
}

// spreadMeta copies the keys of a dynamic-field JSON object into row.
func spreadMeta(row map[string]any, v any) error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("want a JSON object, got %T", v)
	}
	for k, x := range m {
		if _, taken := row[k]; !taken {
			row[k] = x
		}
	}
	return nil
}

// columnValues converts a column's data (for a nullable column, the
// values it sends: compact or aligned with valid_data).
func columnValues(fd *schemapb.FieldData) ([]any, error) {
	vf := fd.GetVectors()
	if vf == nil {
		return scalarValues(fd.GetScalars())
	}
	if b, ok := halfBytes(vf); ok {
		return halfRows(b, int(vf.GetDim()))
	}
	if b, ok := vf.GetData().(*schemapb.VectorField_BinaryVector); ok {
		return binaryRows(b.BinaryVector, int(vf.GetDim()))
	}
	if sp := vf.GetSparseFloatVector(); sp != nil {
		return eachErr(sp.GetContents(), func(b []byte) (any, error) { return segment.ParseSparseBinary(b) })
	}
	fv := vf.GetFloatVector()
	if fv == nil {
		return nil, fmt.Errorf("vectors of this type are not supported (FloatVector, Float16Vector, BFloat16Vector, BinaryVector, SparseFloatVector)")
	}
	d, data := int(vf.GetDim()), fv.GetData()
	if d <= 0 || len(data)%d != 0 {
		return nil, fmt.Errorf("%d floats do not make vectors of dim %d", len(data), d)
	}
	vals := make([]any, 0, len(data)/d)
	for i := 0; i < len(data); i += d {
		vals = append(vals, data[i:i+d:i+d])
	}
	return vals, nil
}

// alignValid returns n values, nil where valid says null. Nullable data
// may be compact (valid rows only, as SDKs send it) or aligned with valid.
func alignValid(vals []any, valid []bool, n int) ([]any, error) {
	if len(valid) == 0 {
		if len(vals) != n {
			return nil, fmt.Errorf("has %d values, other fields have %d rows", len(vals), n)
		}
		return vals, nil
	}
	if len(valid) != n {
		return nil, fmt.Errorf("valid_data has %d entries, other fields have %d rows", len(valid), n)
	}
	if len(vals) == n { // aligned
		out := make([]any, n)
		for i, ok := range valid {
			if ok {
				out[i] = vals[i]
			}
		}
		return out, nil
	}
	out, k := make([]any, n), 0
	for i, ok := range valid {
		if !ok {
			continue
		}
		if k >= len(vals) {
			return nil, fmt.Errorf("fewer values than valid rows")
		}
		out[i], k = vals[k], k+1
	}
	return out, nil
}

// scalarValues converts a scalar column to JSON-like values. An absent
// column is empty; a type raftvec does not store, or JSON that does not
// parse, is an error.
func scalarValues(sf *schemapb.ScalarField) ([]any, error) {
	switch d := sf.GetData().(type) {
	case nil:
		return nil, nil
	case *schemapb.ScalarField_BoolData:
		return each(d.BoolData.GetData(), func(b bool) any { return b }), nil
	case *schemapb.ScalarField_IntData:
		return each(d.IntData.GetData(), func(x int32) any { return json.Number(strconv.FormatInt(int64(x), 10)) }), nil
	case *schemapb.ScalarField_LongData:
		return each(d.LongData.GetData(), func(x int64) any { return json.Number(strconv.FormatInt(x, 10)) }), nil
	case *schemapb.ScalarField_FloatData:
		return each(d.FloatData.GetData(), func(x float32) any { return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32)) }), nil
	case *schemapb.ScalarField_DoubleData:
		return each(d.DoubleData.GetData(), func(x float64) any { return json.Number(strconv.FormatFloat(x, 'g', -1, 64)) }), nil
	case *schemapb.ScalarField_StringData:
		return each(d.StringData.GetData(), func(s string) any { return s }), nil
	case *schemapb.ScalarField_JsonData:
		return eachErr(d.JsonData.GetData(), decodeJSON)
	case *schemapb.ScalarField_ArrayData:
		return eachErr(d.ArrayData.GetData(), func(e *schemapb.ScalarField) (any, error) {
			v, err := scalarValues(e)
			if v == nil && err == nil {
				v = []any{}
			}
			return v, err
		})
	}
	return nil, fmt.Errorf("unsupported data type %T", sf.GetData())
}

func each[T any](in []T, f func(T) any) []any {
	out := make([]any, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}

func eachErr[T any](in []T, f func(T) (any, error)) ([]any, error) {
	out := make([]any, len(in))
	for i, x := range in {
		v, err := f(x)
		if err != nil {
			return nil, fmt.Errorf("value %d: %v", i, err)
		}
		out[i] = v
	}
	return out, nil
}

// jsonObject decodes a JSON object with numbers as json.Number (index and
// rank params).
func jsonObject(text string) (map[string]any, error) {
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", text)
	}
	return m, nil
}

// decodeJSON decodes JSON bytes with numbers as json.Number.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	return v, nil
}

// halfBytes returns the bytes of a Float16Vector or BFloat16Vector column.
func halfBytes(vf *schemapb.VectorField) ([]byte, bool) {
	switch d := vf.GetData().(type) {
	case *schemapb.VectorField_Float16Vector:
		return d.Float16Vector, true
	case *schemapb.VectorField_Bfloat16Vector:
		return d.Bfloat16Vector, true
	}
	return nil, false
}

// halfRows splits little-endian 16-bit values into rows of dim ([]uint16
// each, what api takes from binary front ends).
func halfRows(b []byte, dim int) ([]any, error) {
	if dim <= 0 || len(b)%(2*dim) != 0 {
		return nil, fmt.Errorf("%d bytes do not make 16-bit vectors of dim %d", len(b), dim)
	}
	vals := make([]any, 0, len(b)/(2*dim))
	for i := 0; i < len(b); i += 2 * dim {
		row := make([]uint16, dim)
		for j := range row {
			row[j] = binary.LittleEndian.Uint16(b[i+2*j:])
		}
		vals = append(vals, row)
	}
	return vals, nil
}

// binaryRows splits a BinaryVector column (dim bits per row) into rows.
func binaryRows(b []byte, dim int) ([]any, error) {
	w := dim / 8
	if dim <= 0 || dim%8 != 0 || len(b)%w != 0 {
		return nil, fmt.Errorf("%d bytes do not make binary vectors of dim %d", len(b), dim)
	}
	vals := make([]any, 0, len(b)/w)
	for i := 0; i < len(b); i += w {
		vals = append(vals, b[i:i+w:i+w])
	}
	return vals, nil
}
