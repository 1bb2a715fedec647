package grpcapi

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/protobuf/proto"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/segment"
)

// createRequest translates a CreateCollectionRequest (its schema is a
// serialized CollectionSchema) into the api's full-form create request.
func createRequest(name string, schemaBytes []byte, shards int32, level commonpb.ConsistencyLevel) (*api.CreateCollectionRequest, error) {
	var ps schemapb.CollectionSchema
	if err := proto.Unmarshal(schemaBytes, &ps); err != nil {
		return nil, fmt.Errorf("%w: schema is not a serialized CollectionSchema: %v", api.ErrInvalid, err)
	}
	r := &api.CreateCollectionRequest{Description: ps.GetDescription()}
	r.CollectionName = name
	r.ConsistencyLevel = levelName(level)
	r.Params = map[string]any{}
	if shards > 0 {
		r.Params["shardsNum"] = json.Number(strconv.Itoa(int(shards)))
	}
	dynamic := ps.GetEnableDynamicField()
	r.Schema.EnableDynamicField = &dynamic
	for _, f := range ps.GetFields() {
		if f.GetIsDynamic() {
			continue // $meta is added by the schema itself
		}
		r.Schema.Fields = append(r.Schema.Fields, fieldRequest(f))
	}
	if len(r.Schema.Fields) == 0 {
		return nil, fmt.Errorf("%w: schema has no fields", api.ErrInvalid)
	}
	for _, fn := range ps.GetFunctions() {
		r.Schema.Functions = append(r.Schema.Functions, api.FunctionRequest{Name: fn.GetName(),
			Type: fn.GetType().String(), Description: fn.GetDescription(),
			InputFieldNames: fn.GetInputFieldNames(), OutputFieldNames: fn.GetOutputFieldNames()})
	}
	return r, nil
}

func fieldRequest(f *schemapb.FieldSchema) api.FieldRequest {
	fr := api.FieldRequest{FieldName: f.GetName(), DataType: f.GetDataType().String(),
		IsPrimary: f.GetIsPrimaryKey(), IsPartitionKey: f.GetIsPartitionKey(), Nullable: f.GetNullable(),
		AutoID: f.GetAutoID(), Description: f.GetDescription(), ElementTypeParams: map[string]any{}}
	if f.GetDataType() == schemapb.DataType_Array {
		fr.ElementDataType = f.GetElementType().String()
	}
	for _, kv := range f.GetTypeParams() {
		fr.ElementTypeParams[kv.GetKey()] = kv.GetValue()
	}
	if dv := f.GetDefaultValue(); dv != nil && dv.GetData() != nil {
		fr.DefaultValue = defaultValue(dv)
	}
	return fr
}

// defaultValue converts a ValueField to the value JSON would give.
func defaultValue(v *schemapb.ValueField) any {
	switch d := v.GetData().(type) {
	case *schemapb.ValueField_BoolData:
		return d.BoolData
	case *schemapb.ValueField_IntData:
		return json.Number(strconv.FormatInt(int64(d.IntData), 10))
	case *schemapb.ValueField_LongData:
		return json.Number(strconv.FormatInt(d.LongData, 10))
	case *schemapb.ValueField_FloatData:
		return json.Number(strconv.FormatFloat(float64(d.FloatData), 'g', -1, 32))
	case *schemapb.ValueField_DoubleData:
		return json.Number(strconv.FormatFloat(d.DoubleData, 'g', -1, 64))
	case *schemapb.ValueField_StringData:
		return d.StringData
	}
	return nil
}

// protoSchema renders a schema for DescribeCollection.
func protoSchema(s *segment.Schema) *schemapb.CollectionSchema {
	out := &schemapb.CollectionSchema{Name: s.Name, Description: s.Description, EnableDynamicField: s.EnableDynamic}
	for i := range s.Fields {
		pf := protoField(&s.Fields[i])
		_, pf.IsFunctionOutput = s.FunctionFor(pf.Name)
		out.Fields = append(out.Fields, pf)
	}
	for i, fn := range s.Functions {
		pfn := &schemapb.FunctionSchema{Name: fn.Name, Id: int64(100 + i), Description: fn.Description,
			Type: schemapb.FunctionType_BM25, InputFieldNames: fn.Input, OutputFieldNames: fn.Output}
		for _, name := range fn.Input {
			pfn.InputFieldIds = append(pfn.InputFieldIds, fieldID(s, name))
		}
		for _, name := range fn.Output {
			pfn.OutputFieldIds = append(pfn.OutputFieldIds, fieldID(s, name))
		}
		out.Functions = append(out.Functions, pfn)
	}
	return out
}

func fieldID(s *segment.Schema, name string) int64 {
	if f, ok := s.Field(name); ok {
		return f.ID
	}
	return 0
}

func protoField(f *segment.Field) *schemapb.FieldSchema {
	pf := &schemapb.FieldSchema{FieldID: f.ID, Name: f.Name, Description: f.Description,
		IsPrimaryKey: f.PrimaryKey, AutoID: f.AutoID, IsPartitionKey: f.PartitionKey,
		Nullable: f.Nullable, IsDynamic: f.IsDynamic, DataType: protoType(f.Type)}
	if f.Type == segment.TypeArray {
		pf.ElementType = protoType(f.ElementType)
	}
	param := func(k string, v int) {
		if v > 0 {
			pf.TypeParams = append(pf.TypeParams, &commonpb.KeyValuePair{Key: k, Value: strconv.Itoa(v)})
		}
	}
	param("dim", f.Dim)
	if f.Type == segment.TypeVarChar || f.ElementType == segment.TypeVarChar {
		param("max_length", f.MaxLength)
	}
	param("max_capacity", f.MaxCapacity)
	kv := func(k, v string) { pf.TypeParams = append(pf.TypeParams, &commonpb.KeyValuePair{Key: k, Value: v}) }
	if f.EnableAnalyzer {
		kv("enable_analyzer", "true")
		if f.AnalyzerParams != "" {
			kv("analyzer_params", f.AnalyzerParams)
		}
	}
	if f.EnableMatch {
		kv("enable_match", "true")
	}
	if f.Default != nil {
		pf.DefaultValue = protoValue(f.Type, f.Default)
	}
	return pf
}

// protoType maps a type by its Milvus name (the proto enum's names).
func protoType(t segment.DataType) schemapb.DataType {
	return schemapb.DataType(schemapb.DataType_value[t.String()])
}

func protoValue(t segment.DataType, v any) *schemapb.ValueField {
	switch x := v.(type) {
	case bool:
		return &schemapb.ValueField{Data: &schemapb.ValueField_BoolData{BoolData: x}}
	case int64:
		if t == segment.TypeInt64 {
			return &schemapb.ValueField{Data: &schemapb.ValueField_LongData{LongData: x}}
		}
		return &schemapb.ValueField{Data: &schemapb.ValueField_IntData{IntData: int32(x)}}
	case float64:
		if t == segment.TypeFloat {
			return &schemapb.ValueField{Data: &schemapb.ValueField_FloatData{FloatData: float32(x)}}
		}
		return &schemapb.ValueField{Data: &schemapb.ValueField_DoubleData{DoubleData: x}}
	case string:
		return &schemapb.ValueField{Data: &schemapb.ValueField_StringData{StringData: x}}
	}
	return nil
}

// levelName maps a proto consistency level to the api's name.
func levelName(l commonpb.ConsistencyLevel) string {
	switch l {
	case commonpb.ConsistencyLevel_Strong:
		return coordinator.Strong
	case commonpb.ConsistencyLevel_Session:
		return coordinator.Session
	case commonpb.ConsistencyLevel_Eventually:
		return coordinator.Eventually
	}
	return coordinator.Bounded
}

// protoLevel maps the api's level name to the proto enum.
func protoLevel(name string) commonpb.ConsistencyLevel {
	if v, ok := commonpb.ConsistencyLevel_value[name]; ok {
		return commonpb.ConsistencyLevel(v)
	}
	return commonpb.ConsistencyLevel_Bounded
}
