package grpcapi

import (
	"encoding/binary"
	"encoding/json"
	"github.com/raftvec/raftvec/segment"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/protobuf/proto"
)

func longs(name string, valid []bool, v ...int64) *schemapb.FieldData {
	return &schemapb.FieldData{FieldName: name, Type: schemapb.DataType_Int64, ValidData: valid,
		Field: &schemapb.FieldData_Scalars{Scalars: &schemapb.ScalarField{Data: &schemapb.ScalarField_LongData{LongData: &schemapb.LongArray{Data: v}}}}}
}

func TestDecodeRows(t *testing.T) {
	vec := &schemapb.FieldData{FieldName: "v", Type: schemapb.DataType_FloatVector,
		Field: &schemapb.FieldData_Vectors{Vectors: &schemapb.VectorField{Dim: 2,
			Data: &schemapb.VectorField_FloatVector{FloatVector: &schemapb.FloatArray{Data: []float32{1, 2, 3, 4}}}}}}
	meta := &schemapb.FieldData{FieldName: "$meta", Type: schemapb.DataType_JSON, IsDynamic: true,
		Field: &schemapb.FieldData_Scalars{Scalars: &schemapb.ScalarField{Data: &schemapb.ScalarField_JsonData{
			JsonData: &schemapb.JSONArray{Data: [][]byte{[]byte(`{"c":1}`), []byte(`{}`)}}}}}}
	for _, tc := range []struct {
		name   string
		fields []*schemapb.FieldData
		want   []map[string]any
		err    string
	}{
		{name: "columns and dynamic keys", fields: []*schemapb.FieldData{longs("id", nil, 1, 2), vec, meta},
			want: []map[string]any{{"id": json.Number("1"), "v": []float32{1, 2}, "c": json.Number("1")},
				{"id": json.Number("2"), "v": []float32{3, 4}}}},
		{name: "nullable compact", fields: []*schemapb.FieldData{longs("id", nil, 1, 2), longs("n", []bool{false, true}, 9)},
			want: []map[string]any{{"id": json.Number("1"), "n": nil}, {"id": json.Number("2"), "n": json.Number("9")}}},
		{name: "nullable aligned", fields: []*schemapb.FieldData{longs("id", nil, 1, 2), longs("n", []bool{true, false}, 9, 0)},
			want: []map[string]any{{"id": json.Number("1"), "n": json.Number("9")}, {"id": json.Number("2"), "n": nil}}},
		{name: "ragged columns", fields: []*schemapb.FieldData{longs("id", nil, 1, 2, 3), vec}, err: "has 2 values"},
		{name: "no rows", fields: nil, err: "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeRows(tc.fields, 0)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("rows = %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestPlaceholderVectors(t *testing.T) {
	raw := make([]byte, 8)
	binary.LittleEndian.PutUint32(raw, math.Float32bits(1.5))
	binary.LittleEndian.PutUint32(raw[4:], math.Float32bits(-2))
	good, _ := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{
		{Tag: "$0", Type: commonpb.PlaceholderType_FloatVector, Values: [][]byte{raw, raw}}}})
	q, err := placeholders(good)
	if err != nil || !reflect.DeepEqual(q.vectors, [][]float32{{1.5, -2}, {1.5, -2}}) {
		t.Fatalf("vectors %v, err %v", q.vectors, err)
	}
	sv := segment.SparseVector{Indices: []uint32{2, 70000}, Values: []float32{0.5, -1}}
	sparse, _ := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{
		{Tag: "$0", Type: commonpb.PlaceholderType_SparseFloatVector, Values: [][]byte{sv.AppendBinary(nil)}}}})
	if q, err := placeholders(sparse); err != nil || !reflect.DeepEqual(q.sparse, []segment.SparseVector{sv}) {
		t.Fatalf("sparse %v, err %v", q.sparse, err)
	}
	texts, _ := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{
		{Tag: "$0", Type: commonpb.PlaceholderType_VarChar, Values: [][]byte{[]byte("full text")}}}})
	if q, err := placeholders(texts); err != nil || !reflect.DeepEqual(q.texts, []string{"full text"}) {
		t.Fatalf("texts %v, err %v", q.texts, err)
	}
	unsorted := segment.SparseVector{Indices: []uint32{5, 2, 5}, Values: []float32{1, 1, 1}}.AppendBinary(nil)
	badSparse, _ := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{
		{Tag: "$0", Type: commonpb.PlaceholderType_SparseFloatVector, Values: [][]byte{unsorted}}}})
	binary, _ := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{
		{Tag: "$0", Type: commonpb.PlaceholderType_None, Values: [][]byte{raw}}}})
	for _, b := range [][]byte{binary, badSparse, []byte("\xff\xff"), nil} {
		if _, err := placeholders(b); err == nil {
			t.Fatalf("placeholder %q accepted", b)
		}
	}
}
