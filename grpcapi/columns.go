package grpcapi

import (
	"encoding/binary"
	"encoding/json"

	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"

	"github.com/raftvec/raftvec/half"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// idsOf renders primary keys (int64, or strings of a VarChar key) as IDs.
func idsOf(keys []any, varchar bool) *schemapb.IDs {
	if varchar {
		data := conv(keys, func(v any) string { s, _ := v.(string); return s })
		return &schemapb.IDs{IdField: &schemapb.IDs_StrId{StrId: &schemapb.StringArray{Data: data}}}
	}
	return &schemapb.IDs{IdField: &schemapb.IDs_IntId{IntId: &schemapb.LongArray{Data: conv(keys, asInt)}}}
}

// pkValues lists the entities' primary keys.
func pkValues(ents []*proxy.Entity) []any {
	vals := make([]any, len(ents))
	for i, e := range ents {
		vals[i] = e.PK
	}
	return vals
}

// valueColumns renders Values[k] of every entity as the column of schema
// field fields[k].
func valueColumns(s *segment.Schema, fields []int, ents []*proxy.Entity) []*schemapb.FieldData {
	out := make([]*schemapb.FieldData, 0, len(fields))
	vals := make([]any, len(ents))
	for k, fi := range fields {
		for i, e := range ents {
			vals[i] = nil
			if k < len(e.Values) {
				vals[i] = e.Values[k]
			}
		}
		out = append(out, column(&s.Fields[fi], vals))
	}
	return out
}

// column renders one field's canonical values; nulls are zero values
// flagged in ValidData (aligned, as Milvus returns results).
func column(f *segment.Field, vals []any) *schemapb.FieldData {
	fd := &schemapb.FieldData{Type: protoType(f.Type), FieldName: f.Name, FieldId: f.ID, IsDynamic: f.IsDynamic}
	if f.Nullable {
		fd.ValidData = make([]bool, len(vals))
		for i, v := range vals {
			fd.ValidData[i] = v != nil
		}
	}
	if f.Type == segment.TypeFloatVector {
		data := make([]float32, 0, len(vals)*f.Dim)
		for _, v := range vals {
			vec, _ := v.([]float32)
			if len(vec) != f.Dim {
				vec = make([]float32, f.Dim)
			}
			data = append(data, vec...)
		}
		fd.Field = &schemapb.FieldData_Vectors{Vectors: &schemapb.VectorField{Dim: int64(f.Dim),
			Data: &schemapb.VectorField_FloatVector{FloatVector: &schemapb.FloatArray{Data: data}}}}
		return fd
	}
	if f.Type.Half() != 0 {
		fd.Field = &schemapb.FieldData_Vectors{Vectors: halfColumn(f, vals)}
		return fd
	}
	if f.Type == segment.TypeBinaryVector {
		data := make([]byte, 0, len(vals)*f.Dim/8)
		for _, v := range vals {
			b, _ := v.([]byte)
			if len(b) != f.Dim/8 {
				b = make([]byte, f.Dim/8)
			}
			data = append(data, b...)
		}
		fd.Field = &schemapb.FieldData_Vectors{Vectors: &schemapb.VectorField{Dim: int64(f.Dim),
			Data: &schemapb.VectorField_BinaryVector{BinaryVector: data}}}
		return fd
	}
	if f.Type == segment.TypeSparseFloatVector {
		fd.Field = &schemapb.FieldData_Vectors{Vectors: sparseColumn(vals)}
		return fd
	}
	fd.Field = &schemapb.FieldData_Scalars{Scalars: scalars(f.Type, f.ElementType, vals)}
	return fd
}

// sparseColumn renders sparse vectors in Milvus's binary form; Dim is one
// past the largest index.
func sparseColumn(vals []any) *schemapb.VectorField {
	arr := &schemapb.SparseFloatArray{Contents: make([][]byte, len(vals))}
	for i, v := range vals {
		sv, _ := v.(segment.SparseVector)
		arr.Contents[i] = sv.AppendBinary(nil)
		if n := len(sv.Indices); n > 0 {
			arr.Dim = max(arr.Dim, int64(sv.Indices[n-1])+1)
		}
	}
	return &schemapb.VectorField{Dim: arr.Dim, Data: &schemapb.VectorField_SparseFloatVector{SparseFloatVector: arr}}
}

// scalars renders values of type t (elem: an Array's element type).
func scalars(t, elem segment.DataType, vals []any) *schemapb.ScalarField {
	switch t {
	case segment.TypeBool:
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_BoolData{BoolData: &schemapb.BoolArray{Data: conv(vals, func(v any) bool { b, _ := v.(bool); return b })}}}
	case segment.TypeInt8, segment.TypeInt16, segment.TypeInt32:
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_IntData{IntData: &schemapb.IntArray{Data: conv(vals, func(v any) int32 { return int32(asInt(v)) })}}}
	case segment.TypeInt64:
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_LongData{LongData: &schemapb.LongArray{Data: conv(vals, asInt)}}}
	case segment.TypeFloat:
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_FloatData{FloatData: &schemapb.FloatArray{Data: conv(vals, func(v any) float32 { return float32(asFloat(v)) })}}}
	case segment.TypeDouble:
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_DoubleData{DoubleData: &schemapb.DoubleArray{Data: conv(vals, asFloat)}}}
	case segment.TypeVarChar:
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_StringData{StringData: &schemapb.StringArray{Data: conv(vals, func(v any) string { s, _ := v.(string); return s })}}}
	case segment.TypeJSON:
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_JsonData{JsonData: &schemapb.JSONArray{Data: conv(vals, jsonBytes)}}}
	case segment.TypeArray:
		data := conv(vals, func(v any) *schemapb.ScalarField { list, _ := v.([]any); return scalars(elem, segment.TypeNone, list) })
		return &schemapb.ScalarField{Data: &schemapb.ScalarField_ArrayData{ArrayData: &schemapb.ArrayArray{Data: data, ElementType: protoType(elem)}}}
	}
	return &schemapb.ScalarField{}
}

func conv[T any](vals []any, f func(any) T) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = f(v)
	}
	return out
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

// jsonBytes encodes a canonical JSON value ("{}" for a null $meta).
func jsonBytes(v any) []byte {
	if v == nil {
		return []byte("{}")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

// halfColumn renders half-precision vectors (canonical []float32, decoded
// from 16 bits, so re-encoding is exact) as Milvus's little-endian bytes.
func halfColumn(f *segment.Field, vals []any) *schemapb.VectorField {
	data := make([]byte, 0, 2*f.Dim*len(vals))
	h := make([]uint16, f.Dim)
	for _, v := range vals {
		vec, _ := v.([]float32)
		clear(h)
		if len(vec) == f.Dim {
			_ = half.Encode(f.Type.Half(), h, vec)
		}
		for _, x := range h {
			data = binary.LittleEndian.AppendUint16(data, x)
		}
	}
	vf := &schemapb.VectorField{Dim: int64(f.Dim)}
	if f.Type == segment.TypeBFloat16Vector {
		vf.Data = &schemapb.VectorField_Bfloat16Vector{Bfloat16Vector: data}
	} else {
		vf.Data = &schemapb.VectorField_Float16Vector{Float16Vector: data}
	}
	return vf
}
