package segment

import (
	"math"
	"reflect"
	"testing"
)

func TestColumnAppendValue(t *testing.T) {
	tests := []struct {
		name string
		f    Field
		in   any
		want any // what Value returns
	}{
		{"bool", Field{Type: TypeBool}, true, true},
		{"int8", Field{Type: TypeInt8}, int64(-128), int64(-128)},
		{"int16", Field{Type: TypeInt16}, int64(32767), int64(32767)},
		{"int32", Field{Type: TypeInt32}, int64(math.MinInt32), int64(math.MinInt32)},
		{"int64", Field{Type: TypeInt64}, int64(math.MaxInt64), int64(math.MaxInt64)},
		{"float rounds to float32", Field{Type: TypeFloat}, 0.1, float64(float32(0.1))},
		{"float exact", Field{Type: TypeFloat}, 0.5, 0.5},
		{"double keeps precision", Field{Type: TypeDouble}, 0.1, 0.1},
		{"varchar", Field{Type: TypeVarChar}, "héllo", "héllo"},
		{"varchar empty", Field{Type: TypeVarChar}, "", ""},
		{"json object", Field{Type: TypeJSON}, []byte(`{"a":1}`), map[string]any{"a": int64(1)}},
		{"json scalar", Field{Type: TypeJSON}, []byte(`"s"`), "s"},
		{"array", Field{Type: TypeArray, ElementType: TypeInt64}, []byte(`[1,2,3]`), []any{int64(1), int64(2), int64(3)}},
		{"vector", Field{Type: TypeFloatVector, Dim: 2}, []float32{1.5, -2}, []float32{1.5, -2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewColumn(&tc.f)
			c.AppendValue(tc.in)
			if c.Len() != 1 || c.Valid != nil || c.IsNull(0) {
				t.Fatalf("Len=%d Valid=%v after one non-null append", c.Len(), c.Valid)
			}
			if got := c.Value(0); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Value(0) = %#v, want %#v", got, tc.want)
			}
		})
	}
	if f32 := float64(float32(0.1)); f32 == 0.1 {
		t.Fatal("test assumes 0.1 is not representable as float32")
	}
}

func TestColumnNullsLazyBitmap(t *testing.T) {
	for _, f := range allTypesSchema(t, true).Fields[1:11] {
		t.Run(f.Type.String(), func(t *testing.T) {
			c := NewColumn(&f)
			v0, v2 := sampleValue(&f, 0), sampleValue(&f, 2)
			c.AppendValue(v0)
			c.AppendValue(v2)
			if c.Valid != nil {
				t.Fatalf("Valid = %v before any null", c.Valid)
			}
			c.AppendValue(nil)
			c.AppendValue(v0)
			if want := []bool{true, true, false, true}; !reflect.DeepEqual(c.Valid, want) {
				t.Fatalf("Valid = %v, want %v", c.Valid, want)
			}
			if c.Len() != 4 || !c.IsNull(2) || c.IsNull(0) || c.IsNull(3) {
				t.Fatalf("Len=%d nulls=%v,%v,%v", c.Len(), c.IsNull(0), c.IsNull(2), c.IsNull(3))
			}
			if got := c.Value(2); got != nil {
				t.Fatalf("Value of null row = %#v", got)
			}
			// Non-null rows around the null are unaffected.
			if got, want := c.Value(3), c.Value(0); !reflect.DeepEqual(got, want) {
				t.Fatalf("Value(3) = %#v, want %#v", got, want)
			}
			// Column.Append carries nulls into a column without a bitmap.
			dst := NewColumn(&f)
			dst.AppendValue(v0)
			for i := 0; i < 4; i++ {
				dst.Append(&c, i)
			}
			if want := []bool{true, true, true, false, true}; !reflect.DeepEqual(dst.Valid, want) {
				t.Fatalf("Append: Valid = %v, want %v", dst.Valid, want)
			}
			if !reflect.DeepEqual(dst.Value(4), c.Value(3)) || dst.Value(3) != nil {
				t.Fatalf("Append: rows 3,4 = %#v, %#v", dst.Value(3), dst.Value(4))
			}
		})
	}
}

func TestColumnNullSlotsHoldZero(t *testing.T) {
	s := allTypesSchema(t, true)
	b := NewBatch(s)
	for i := range b.Columns[1:11] {
		b.Columns[1+i].AppendValue(nil)
	}
	c := b.Columns
	if c[1].Bools[0] || c[2].Ints[0] != 0 || c[6].Floats[0] != 0 || c[8].Strings[0] != "" || string(c[9].Raw[0]) != "null" {
		t.Fatalf("null slots are not zero values: %+v", c[1:11])
	}
}

func TestDecodeJSONCanonical(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`1`, int64(1)},
		{`-0`, int64(0)},
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`9223372036854775808`, float64(9223372036854775808)},
		{`2.5`, 2.5},
		{`-1.25e-3`, -1.25e-3},
		{`true`, true},
		{`null`, nil},
		{`"x"`, "x"},
		{`[1,2.5,"a",null,[3]]`, []any{int64(1), 2.5, "a", nil, []any{int64(3)}}},
		{`{"a":{"b":[{"c":7}]},"d":0.5}`, map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": int64(7)}}}, "d": 0.5}},
	}
	for _, tc := range tests {
		got, err := DecodeJSON([]byte(tc.in))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeJSON(%s) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{``, `{`, `[1,`, `tru`} {
		if _, err := DecodeJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeJSON(%q) succeeded", bad)
		}
	}
	// Value on undecodable raw text gives nil rather than panicking.
	c := Column{Type: TypeJSON, Raw: [][]byte{[]byte("{")}}
	if v := c.Value(0); v != nil {
		t.Errorf("Value of bad JSON = %#v", v)
	}
}

func TestBatchRows(t *testing.T) {
	s := allTypesSchema(t, true)
	if n := (&Batch{}).Rows(); n != 0 {
		t.Fatalf("empty batch Rows = %d", n)
	}
	for _, n := range []int{0, 1, 7} {
		b := sampleBatch(s, n)
		if b.Rows() != n {
			t.Fatalf("Rows = %d, want %d", b.Rows(), n)
		}
		for f := range b.Columns {
			if b.Columns[f].Len() != n {
				t.Fatalf("column %d Len = %d, want %d", f, b.Columns[f].Len(), n)
			}
		}
		if n > 2 {
			if got := b.Value(9, 2); !reflect.DeepEqual(got, map[string]any{"n": int64(2), "tags": []any{"x", 2.5}}) {
				t.Fatalf("Batch.Value(json, 2) = %#v", got)
			}
			if got := b.Value(11, 2); !reflect.DeepEqual(got, []float32{2, -2, 0.5}) {
				t.Fatalf("Batch.Value(vec, 2) = %#v", got)
			}
		}
	}
}

func TestVectorDoesNotAlias(t *testing.T) {
	c := NewColumn(&Field{Type: TypeFloatVector, Dim: 2})
	c.AppendValue([]float32{1, 2})
	c.AppendValue([]float32{3, 4})
	v := c.Vector(0)
	if cap(v) != 2 {
		t.Fatalf("Vector(0) cap = %d; appending to it would overwrite row 1", cap(v))
	}
	_ = append(v, 99)
	if got := c.Vector(1); got[0] != 3 {
		t.Fatalf("row 1 clobbered: %v", got)
	}
}
