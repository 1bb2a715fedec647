package grpcapi

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	n := 0
	for _, fd := range fields {
		if c := fieldRows(fd); c > n {
			n = c
		}
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
	for _, fd := range fields {
		vals, err := columnValues(fd, n)
		if err != nil {
			return nil, fmt.Errorf("%w: insert data invalid: field %q: %v", api.ErrInvalid, fd.GetFieldName(), err)
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

// fieldRows is the number of rows a column holds.
func fieldRows(fd *schemapb.FieldData) int {
	if v := fd.GetValidData(); len(v) > 0 {
		return len(v)
	}
	if vf := fd.GetVectors(); vf != nil {
		if d := vf.GetDim(); d > 0 {
			return len(vf.GetFloatVector().GetData()) / int(d)
		}
		return 0
	}
	return len(scalarValues(fd.GetScalars()))
}

// columnValues returns n values of a column, nil where ValidData says null.
// Nullable data may be compact (valid rows only, as SDKs send it) or
// aligned with ValidData.
func columnValues(fd *schemapb.FieldData, n int) ([]any, error) {
	var vals []any
	if vf := fd.GetVectors(); vf != nil {
		fv := vf.GetFloatVector()
		if fv == nil {
			return nil, fmt.Errorf("only FloatVector vectors are supported")
		}
		d := int(vf.GetDim())
		if d <= 0 || len(fv.GetData())%d != 0 {
			return nil, fmt.Errorf("%d floats do not make vectors of dim %d", len(fv.GetData()), d)
		}
		for i := 0; i+d <= len(fv.Data); i += d {
			vals = append(vals, fv.Data[i:i+d:i+d])
		}
	} else {
		vals = scalarValues(fd.GetScalars())
		if vals == nil && fd.GetScalars() != nil && fd.GetScalars().GetData() != nil {
			return nil, fmt.Errorf("unsupported data type %s", fd.GetType())
		}
	}
	for i, v := range vals {
		if bad, isBad := v.(invalidJSON); isBad {
			return nil, fmt.Errorf("value %d is not valid JSON: %v", i, bad.err)
		}
	}
	valid := fd.GetValidData()
	if len(valid) == 0 {
		if len(vals) != n {
			return nil, fmt.Errorf("has %d values, other fields have %d rows", len(vals), n)
		}
		return vals, nil
	}
	if len(valid) != n {
		return nil, fmt.Errorf("valid_data has %d entries, other fields have %d rows", len(valid), n)
	}
	out := make([]any, n)
	k := 0
	for i, ok := range valid {
		switch {
		case len(vals) == n: // aligned
			if ok {
				out[i] = vals[i]
			}
		case ok:
			if k >= len(vals) {
				return nil, fmt.Errorf("fewer values than valid rows")
			}
			out[i] = vals[k]
			k++
		}
	}
	return out, nil
}

// scalarValues converts a scalar column to JSON-like values (nil for a
// type raftvec does not store).
func scalarValues(sf *schemapb.ScalarField) []any {
	switch d := sf.GetData().(type) {
	case *schemapb.ScalarField_BoolData:
		return each(d.BoolData.GetData(), func(b bool) any { return b })
	case *schemapb.ScalarField_IntData:
		return each(d.IntData.GetData(), func(x int32) any { return json.Number(strconv.FormatInt(int64(x), 10)) })
	case *schemapb.ScalarField_LongData:
		return each(d.LongData.GetData(), func(x int64) any { return json.Number(strconv.FormatInt(x, 10)) })
	case *schemapb.ScalarField_FloatData:
		return each(d.FloatData.GetData(), func(x float32) any { return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32)) })
	case *schemapb.ScalarField_DoubleData:
		return each(d.DoubleData.GetData(), func(x float64) any { return json.Number(strconv.FormatFloat(x, 'g', -1, 64)) })
	case *schemapb.ScalarField_StringData:
		return each(d.StringData.GetData(), func(s string) any { return s })
	case *schemapb.ScalarField_JsonData:
		return each(d.JsonData.GetData(), decodeJSON)
	case *schemapb.ScalarField_ArrayData:
		return each(d.ArrayData.GetData(), func(e *schemapb.ScalarField) any {
			v := scalarValues(e)
			if v == nil {
				v = []any{}
			}
			return v
		})
	}
	return nil
}

func each[T any](in []T, f func(T) any) []any {
	out := make([]any, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}

// decodeJSON decodes JSON bytes with numbers as json.Number; bytes that
// are not JSON are returned as an error value the row validation reports.
func decodeJSON(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return invalidJSON{err}
	}
	return v
}

// invalidJSON stands for a JSON value that did not parse; validation
// rejects it as an unsupported value.
type invalidJSON struct{ err error }
