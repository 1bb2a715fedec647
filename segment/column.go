package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/raftvec/raftvec/half"
)

// Column holds one field's values for a run of rows. Exactly one of the typed
// slices is used, chosen by Type:
//
//	Bool                       Bools
//	Int8, Int16, Int32, Int64  Ints
//	Float, Double              Floats (Float values are rounded to float32)
//	VarChar                    Strings
//	JSON, Array                Raw (canonical JSON text of each value)
//	SparseFloatVector          Sparse (always resident, like a scalar)
//	Float16Vector,             Halfs (Dim 16-bit values per row; read them
//	BFloat16Vector             with Vector, which decodes to float32)
//	BinaryVector               Bits (Dim/8 bytes per row; always resident)
//	FloatVector                Vectors (Dim values per row, contiguous),
//	                           or runs of rows: adopted batch arrays or
//	                           chunk files mapped in place (parts.go,
//	                           mapped.go); read them with Vector or
//	                           VectorParts
//
// Valid is nil for a column with no nulls; otherwise Valid[i] is false where
// row i is null (its slot in the typed slice holds the zero value).
type Column struct {
	Type    DataType
	Dim     int
	Valid   []bool
	Bools   []bool
	Ints    []int64
	Floats  []float64
	Strings []string
	Raw     [][]byte
	Vectors []float32
	Sparse  []SparseVector
	Halfs   []uint16
	Bits    []byte

	// parts, when set, holds a vector column's rows as a list of runs
	// (Vectors is nil): adopted batch arrays of a growing segment, or
	// read-only mappings of chunk files (parts.go, mapped.go).
	parts *vectorParts
}

// NewColumn returns an empty column for a field.
func NewColumn(f *Field) Column {
	return Column{Type: f.Type, Dim: f.Dim}
}

// Len returns the number of rows in the column.
func (c *Column) Len() int {
	switch c.Type {
	case TypeBool:
		return len(c.Bools)
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return len(c.Ints)
	case TypeFloat, TypeDouble:
		return len(c.Floats)
	case TypeVarChar:
		return len(c.Strings)
	case TypeJSON, TypeArray:
		return len(c.Raw)
	case TypeSparseFloatVector:
		return len(c.Sparse)
	case TypeFloat16Vector, TypeBFloat16Vector:
		if c.Dim == 0 {
			return 0
		}
		return len(c.Halfs) / c.Dim
	case TypeBinaryVector:
		if c.Dim < 8 {
			return 0
		}
		return len(c.Bits) / (c.Dim / 8)
	case TypeFloatVector:
		if c.parts != nil {
			return c.parts.rows
		}
		if c.Dim == 0 {
			return 0
		}
		return len(c.Vectors) / c.Dim
	}
	return 0
}

// IsNull reports whether row i is null.
func (c *Column) IsNull(i int) bool { return c.Valid != nil && !c.Valid[i] }

// Vector returns row i of a vector column (no copy: a mapped column's row
// is valid only while the column is reachable).
func (c *Column) Vector(i int) []float32 {
	if f := c.Type.Half(); f != 0 { // decoded: a new slice
		out := make([]float32, c.Dim)
		half.Decode(f, out, c.Halfs[i*c.Dim:(i+1)*c.Dim])
		return out
	}
	if c.parts != nil {
		return c.parts.vector(i)
	}
	return c.Vectors[i*c.Dim : (i+1)*c.Dim : (i+1)*c.Dim]
}

// Value returns row i as a canonical value: nil, bool, int64, float64,
// string, []float32 (vectors), or for JSON and Array the decoded JSON value
// with integral numbers as int64 and others as float64, objects as
// map[string]any and arrays as []any.
func (c *Column) Value(i int) any {
	if c.IsNull(i) {
		return nil
	}
	switch c.Type {
	case TypeBool:
		return c.Bools[i]
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return c.Ints[i]
	case TypeFloat, TypeDouble:
		return c.Floats[i]
	case TypeVarChar:
		return c.Strings[i]
	case TypeJSON, TypeArray:
		v, err := DecodeJSON(c.Raw[i])
		if err != nil {
			return nil
		}
		return v
	case TypeFloatVector, TypeFloat16Vector, TypeBFloat16Vector:
		return c.Vector(i)
	case TypeSparseFloatVector:
		return c.Sparse[i]
	case TypeBinaryVector:
		return c.BinaryRow(i)
	}
	return nil
}

// Append appends row i of src (same type) to c.
func (c *Column) Append(src *Column, i int) {
	c.readOnly("Append")
	if src.Valid != nil || c.Valid != nil {
		if c.Valid == nil {
			c.Valid = make([]bool, c.Len(), c.Len()+1)
			for j := range c.Valid {
				c.Valid[j] = true
			}
		}
		c.Valid = append(c.Valid, !src.IsNull(i))
	}
	switch c.Type {
	case TypeBool:
		c.Bools = append(c.Bools, src.Bools[i])
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		c.Ints = append(c.Ints, src.Ints[i])
	case TypeFloat, TypeDouble:
		c.Floats = append(c.Floats, src.Floats[i])
	case TypeVarChar:
		c.Strings = append(c.Strings, src.Strings[i])
	case TypeJSON, TypeArray:
		c.Raw = append(c.Raw, src.Raw[i])
	case TypeSparseFloatVector:
		c.Sparse = append(c.Sparse, src.Sparse[i])
	case TypeFloat16Vector, TypeBFloat16Vector:
		c.Halfs = append(c.Halfs, src.Halfs[i*c.Dim:(i+1)*c.Dim]...)
	case TypeBinaryVector:
		c.Bits = append(c.Bits, src.BinaryRow(i)...)
	case TypeFloatVector:
		if c.parts != nil {
			c.parts.appendRows(src.Vector(i))
		} else {
			c.Vectors = append(c.Vectors, src.Vector(i)...)
		}
	default:
		panic(fmt.Sprintf("segment: append to column of type %s", c.Type))
	}
}

// Reserve makes room for rows more rows of a vector column without
// reallocating; a full column at least doubles (appending row by row with
// append's own growth, 1.25× for large slices, copies a large column over
// and over). A parts column never reallocates. Capacity is not part of a
// column's state.
func (c *Column) Reserve(rows int) {
	if c.Type != TypeFloatVector || rows <= 0 {
		return
	}
	c.readOnly("Reserve")
	if c.parts != nil {
		return // parts never reallocate
	}
	need := len(c.Vectors) + rows*c.Dim
	if need <= cap(c.Vectors) {
		return
	}
	grown := make([]float32, len(c.Vectors), max(need, 2*cap(c.Vectors)))
	copy(grown, c.Vectors)
	c.Vectors = grown
}

// AppendValue appends one canonical value (see Value; JSON and Array take
// raw JSON bytes as []byte). nil appends a null. It panics on a value of the
// wrong Go type: callers validate first.
func (c *Column) AppendValue(v any) {
	c.readOnly("AppendValue")
	null := v == nil
	if null || c.Valid != nil {
		if c.Valid == nil {
			n := c.Len()
			c.Valid = make([]bool, n, n+1)
			for j := range c.Valid {
				c.Valid[j] = true
			}
		}
		c.Valid = append(c.Valid, !null)
	}
	switch c.Type {
	case TypeBool:
		b, _ := v.(bool)
		c.Bools = append(c.Bools, b)
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		n, _ := v.(int64)
		c.Ints = append(c.Ints, n)
	case TypeFloat:
		f, _ := v.(float64)
		c.Floats = append(c.Floats, float64(float32(f)))
	case TypeDouble:
		f, _ := v.(float64)
		c.Floats = append(c.Floats, f)
	case TypeVarChar:
		s, _ := v.(string)
		c.Strings = append(c.Strings, s)
	case TypeJSON, TypeArray:
		b, _ := v.([]byte)
		if b == nil {
			b = []byte("null")
		}
		c.Raw = append(c.Raw, b)
	case TypeSparseFloatVector:
		c.Sparse = append(c.Sparse, v.(SparseVector))
	case TypeFloat16Vector, TypeBFloat16Vector:
		c.appendHalf(v)
	case TypeBinaryVector:
		b, _ := v.([]byte)
		if len(b) != c.Dim/8 {
			panic(fmt.Sprintf("segment: binary vector of %d bytes in column of dim %d", len(b), c.Dim))
		}
		c.Bits = append(c.Bits, b...)
	case TypeFloatVector:
		vec, _ := v.([]float32)
		if len(vec) != c.Dim {
			panic(fmt.Sprintf("segment: vector of length %d in column of dim %d", len(vec), c.Dim))
		}
		if c.parts != nil {
			c.parts.appendRows(vec)
		} else {
			c.Vectors = append(c.Vectors, vec...)
		}
	default:
		panic(fmt.Sprintf("segment: append to column of type %s", c.Type))
	}
}

// DecodeJSON decodes JSON text into a canonical value: integral numbers that
// fit in int64 become int64, other numbers float64.
func DecodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return canonicalJSON(v), nil
}

func canonicalJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return x.String()
		}
		return f
	case []any:
		for i := range x {
			x[i] = canonicalJSON(x[i])
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = canonicalJSON(e)
		}
		return x
	}
	return v
}

// RowReader gives expression evaluators read access to rows by field
// position in the schema.
type RowReader interface {
	// Value returns the canonical value (see Column.Value) of field f at row.
	Value(f int, row int) any
}

// Batch is a run of rows of one collection in columnar form, one Column per
// schema field in schema order.
type Batch struct {
	Columns []Column
}

// NewBatch returns an empty batch for the schema.
func NewBatch(s *Schema) *Batch {
	b := &Batch{Columns: make([]Column, len(s.Fields))}
	for i := range s.Fields {
		b.Columns[i] = NewColumn(&s.Fields[i])
	}
	return b
}

// Rows returns the number of rows in the batch.
func (b *Batch) Rows() int {
	if len(b.Columns) == 0 {
		return 0
	}
	return b.Columns[0].Len()
}

// Value implements RowReader.
func (b *Batch) Value(f, row int) any { return b.Columns[f].Value(row) }

// appendHalf appends a half-precision vector given encoded ([]uint16) or
// as float32 values, which must fit the format (callers validate first).
func (c *Column) appendHalf(v any) {
	switch x := v.(type) {
	case []uint16:
		if len(x) != c.Dim {
			panic(fmt.Sprintf("segment: vector of length %d in column of dim %d", len(x), c.Dim))
		}
		c.Halfs = append(c.Halfs, x...)
	case []float32:
		if len(x) != c.Dim {
			panic(fmt.Sprintf("segment: vector of length %d in column of dim %d", len(x), c.Dim))
		}
		n := len(c.Halfs)
		c.Halfs = append(c.Halfs, make([]uint16, c.Dim)...)
		if err := half.Encode(c.Type.Half(), c.Halfs[n:], x); err != nil {
			panic(fmt.Sprintf("segment: %s vector: %v", c.Type, err))
		}
	default:
		panic(fmt.Sprintf("segment: %T in a %s column", v, c.Type))
	}
}

// BinaryRow returns row i of a BinaryVector column (Dim/8 bytes, shared:
// callers must not modify it).
func (c *Column) BinaryRow(i int) []byte {
	w := c.Dim / 8
	return c.Bits[i*w : (i+1)*w : (i+1)*w]
}
