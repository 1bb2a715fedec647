package segment

import (
	"fmt"
	"math"
	"reflect"
	"testing"
)

// allTypesSchema returns a validated schema with one field of every data
// type (and every Array element kind worth encoding). When nullable is set,
// every field that may be nullable is.
func allTypesSchema(t testing.TB, nullable bool) *Schema {
	t.Helper()
	s := &Schema{Name: "all", Fields: []Field{
		{Name: "pk", Type: TypeInt64, PrimaryKey: true},
		{Name: "b", Type: TypeBool, Nullable: nullable},
		{Name: "i8", Type: TypeInt8, Nullable: nullable},
		{Name: "i16", Type: TypeInt16, Nullable: nullable},
		{Name: "i32", Type: TypeInt32, Nullable: nullable},
		{Name: "i64", Type: TypeInt64, Nullable: nullable},
		{Name: "f", Type: TypeFloat, Nullable: nullable},
		{Name: "d", Type: TypeDouble, Nullable: nullable},
		{Name: "s", Type: TypeVarChar, MaxLength: 32, Nullable: nullable},
		{Name: "j", Type: TypeJSON, Nullable: nullable},
		{Name: "a", Type: TypeArray, ElementType: TypeInt64, MaxCapacity: 8, Nullable: nullable},
		{Name: "v", Type: TypeFloatVector, Dim: 3},
		{Name: "sp", Type: TypeSparseFloatVector},
		{Name: "h16", Type: TypeFloat16Vector, Dim: 3},
		{Name: "hb16", Type: TypeBFloat16Vector, Dim: 2},
		{Name: "bin", Type: TypeBinaryVector, Dim: 16},
	}}
	if err := s.Validate(); err != nil {
		t.Fatalf("fixture schema: %v", err)
	}
	return s
}

// sampleValue is the value AppendValue takes for field f at row i, or nil
// for a null (every third row of a nullable field).
func sampleValue(f *Field, i int) any {
	if f.Nullable && i%3 == 1 {
		return nil
	}
	switch f.Type {
	case TypeBool:
		return i%2 == 0
	case TypeInt8:
		return int64(-128 + i)
	case TypeInt16:
		return int64(-32768 + 7*i)
	case TypeInt32:
		return int64(math.MinInt32 + i)
	case TypeInt64:
		return int64(math.MaxInt64 - int64(i))
	case TypeFloat, TypeDouble:
		return float64(i) + 0.25
	case TypeVarChar:
		return fmt.Sprintf("row-%d-é", i)
	case TypeJSON:
		return []byte(fmt.Sprintf(`{"n":%d,"tags":["x",%d.5]}`, i, i))
	case TypeArray:
		return []byte(fmt.Sprintf(`[%d,%d]`, i, -i))
	case TypeFloatVector:
		v := make([]float32, f.Dim)
		for k := range v {
			v[k] = float32(i) * float32(1-2*k)
		}
		v[f.Dim-1] = 0.5
		return v
	case TypeFloat16Vector, TypeBFloat16Vector:
		v := make([]float32, f.Dim) // exactly representable in both formats
		for k := range v {
			v[k] = float32(i%64)*0.5 - float32(k)
		}
		return v
	case TypeBinaryVector:
		return []byte{byte(i), byte(255 - i)}
	case TypeSparseFloatVector:
		var v SparseVector // empty every fourth row
		for k := range i % 4 {
			v.Indices = append(v.Indices, uint32(k*1000+i))
			v.Values = append(v.Values, float32(i)-0.5*float32(k))
		}
		return v
	}
	panic("no sample for " + f.Type.String())
}

// sampleBatch builds a batch of n rows of the schema from sampleValue.
func sampleBatch(s *Schema, n int) *Batch {
	b := NewBatch(s)
	for i := 0; i < n; i++ {
		for f := range s.Fields {
			v := sampleValue(&s.Fields[f], i)
			if s.Fields[f].PrimaryKey { // unique primary keys
				v = int64(i)
				if s.Fields[f].Type == TypeVarChar {
					v = fmt.Sprintf("pk%d", i)
				}
			}
			b.Columns[f].AppendValue(v)
		}
	}
	return b
}

// normColumn is a Column in a form reflect.DeepEqual compares as intended:
// empty slices are nil and floats are compared by bit pattern (so NaNs
// produced by the fuzzer compare equal to themselves).
type normColumn struct {
	Type      DataType
	Dim       int
	Valid     []bool
	Bools     []bool
	Ints      []int64
	FloatBits []uint64
	Strings   []string
	Raw       [][]byte
	VecBits   []uint32
	Sparse    []string
	Halfs     []uint16
	Bits      []byte
}

func normalise(c *Column) normColumn {
	n := normColumn{Type: c.Type, Dim: c.Dim}
	if len(c.Valid) > 0 {
		n.Valid = c.Valid
	}
	if len(c.Bools) > 0 {
		n.Bools = c.Bools
	}
	if len(c.Ints) > 0 {
		n.Ints = c.Ints
	}
	for _, f := range c.Floats {
		n.FloatBits = append(n.FloatBits, math.Float64bits(f))
	}
	if len(c.Strings) > 0 {
		n.Strings = c.Strings
	}
	for _, r := range c.Raw {
		if len(r) == 0 {
			r = nil
		}
		n.Raw = append(n.Raw, r)
	}
	_ = c.VectorParts(func(_ int, vs []float32) error {
		for _, v := range vs {
			n.VecBits = append(n.VecBits, math.Float32bits(v))
		}
		return nil
	})
	for _, v := range c.Sparse {
		n.Sparse = append(n.Sparse, fmt.Sprint(v.Indices, v.Values))
	}
	if len(c.Halfs) > 0 {
		n.Halfs = c.Halfs
	}
	if len(c.Bits) > 0 {
		n.Bits = c.Bits
	}
	return n
}

func normBatch(b *Batch) []normColumn {
	out := make([]normColumn, len(b.Columns))
	for i := range b.Columns {
		out[i] = normalise(&b.Columns[i])
	}
	return out
}

func assertSameBatch(t testing.TB, got, want *Batch) {
	t.Helper()
	g, w := normBatch(got), normBatch(want)
	if len(g) != len(w) {
		t.Fatalf("got %d columns, want %d", len(g), len(w))
	}
	for i := range g {
		if !reflect.DeepEqual(g[i], w[i]) {
			t.Fatalf("column %d differs:\n got %+v\nwant %+v", i, g[i], w[i])
		}
	}
}

func encodeBatch(b *Batch) []byte {
	var e Encoder
	EncodeBatch(&e, b)
	return e.Buf
}
