package builder

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/raftvec/raftvec/segment"
)

// value appends one non-null value to the column, checked as an insert
// checks it.
func (r *columnReader) value(v parquet.Value) error {
	c := r.c
	switch r.fd.Type {
	case segment.TypeFloatVector:
		x, ok := floatOf(v)
		if !ok || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > math.MaxFloat32 {
			return r.errorf("vector element %d is not a finite float32", r.elem)
		}
		if r.elem++; r.elem > r.fd.Dim {
			return r.errorf("vector longer than the field's dim %d", r.fd.Dim)
		}
		c.Vectors = append(c.Vectors, float32(x))
	case segment.TypeBool:
		if v.Kind() != parquet.Boolean {
			return r.errorf("%s value for a Bool field", v.Kind())
		}
		c.Bools = append(c.Bools, v.Boolean())
	case segment.TypeInt8, segment.TypeInt16, segment.TypeInt32, segment.TypeInt64:
		n, ok := intOf(v)
		lo, hi := intRange(r.fd.Type)
		if !ok || n < lo || n > hi {
			return r.errorf("%s is not an integer in the %s range", v, r.fd.Type)
		}
		c.Ints = append(c.Ints, n)
	case segment.TypeFloat, segment.TypeDouble:
		x, ok := floatOf(v)
		if !ok || math.IsNaN(x) || math.IsInf(x, 0) || (r.fd.Type == segment.TypeFloat && math.Abs(x) > math.MaxFloat32) {
			return r.errorf("%s is not a finite %s", v, r.fd.Type)
		}
		if r.fd.Type == segment.TypeFloat {
			x = float64(float32(x))
		}
		c.Floats = append(c.Floats, x)
	case segment.TypeVarChar:
		if v.Kind() != parquet.ByteArray {
			return r.errorf("%s value for a VarChar field", v.Kind())
		}
		b := v.ByteArray()
		if !utf8.Valid(b) {
			return r.errorf("not valid UTF-8")
		}
		if n := utf8.RuneCount(b); n > r.fd.MaxLength {
			return r.errorf("string of %d characters exceeds max_length %d", n, r.fd.MaxLength)
		}
		c.Strings = append(c.Strings, string(b))
	default:
		panic(fmt.Sprintf("builder: columnar import of a %s field", r.fd.Type))
	}
	return nil
}

func floatOf(v parquet.Value) (float64, bool) {
	switch v.Kind() {
	case parquet.Float:
		return float64(v.Float()), true
	case parquet.Double:
		return v.Double(), true
	case parquet.Int32:
		return float64(v.Int32()), true
	case parquet.Int64:
		return float64(v.Int64()), true
	}
	return 0, false
}

func intOf(v parquet.Value) (int64, bool) {
	switch v.Kind() {
	case parquet.Int32:
		return int64(v.Int32()), true
	case parquet.Int64:
		return v.Int64(), true
	}
	return 0, false
}

func intRange(t segment.DataType) (int64, int64) {
	switch t {
	case segment.TypeInt8:
		return math.MinInt8, math.MaxInt8
	case segment.TypeInt16:
		return math.MinInt16, math.MaxInt16
	case segment.TypeInt32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// checkRepeatedKeys refuses a file that gives a primary key twice.
func checkRepeatedKeys(b *segment.Batch, pk int) error {
	c := &b.Columns[pk]
	seen := make(map[any]int, c.Len())
	for i := 0; i < c.Len(); i++ {
		k := c.Value(i)
		if j, dup := seen[k]; dup {
			return fmt.Errorf("row %d: primary key %v repeats row %d", i, k, j)
		}
		seen[k] = i
	}
	return nil
}
