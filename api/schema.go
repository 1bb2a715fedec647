package api

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/segment"
)

// CreateCollectionRequest is the body of collections/create, quick or full form.
type CreateCollectionRequest struct {
	collReq
	Description      string          `json:"description"`
	Dimension        json.RawMessage `json:"dimension"`
	MetricType       string          `json:"metricType"`
	IDType           string          `json:"idType"`
	AutoID           bool            `json:"autoID"`
	PrimaryFieldName string          `json:"primaryFieldName"`
	VectorFieldName  string          `json:"vectorFieldName"`
	ConsistencyLevel string          `json:"consistencyLevel"`
	Schema           SchemaRequest   `json:"schema"`
	IndexParams      []IndexParam    `json:"indexParams"`
	Params           map[string]any  `json:"params"`
	// Properties are collection properties given as such (gRPC's
	// CreateCollectionRequest.properties; REST gives params.ttlSeconds).
	Properties map[string]string `json:"-"`
}

type SchemaRequest struct {
	AutoID              bool              `json:"autoID"`
	EnableDynamicField  *bool             `json:"enableDynamicField"`
	EnabledDynamicField *bool             `json:"enabledDynamicField"` // Node SDK spelling
	Fields              []FieldRequest    `json:"fields"`
	Functions           []FunctionRequest `json:"functions"`
}

type FieldRequest struct {
	FieldName         string         `json:"fieldName"`
	DataType          string         `json:"dataType"`
	ElementDataType   string         `json:"elementDataType"`
	IsPrimary         bool           `json:"isPrimary"`
	IsPartitionKey    bool           `json:"isPartitionKey"`
	Nullable          bool           `json:"nullable"`
	AutoID            bool           `json:"autoID"`
	DefaultValue      any            `json:"defaultValue"`
	Description       string         `json:"description"`
	ElementTypeParams map[string]any `json:"elementTypeParams"`
}

// quickSchema builds the quick form's schema: pk, vector, dynamic field on.
func quickSchema(r *CreateCollectionRequest) (segment.Schema, error) {
	dim, set, err := jsonInt(r.Dimension, "dimension")
	if err != nil {
		return segment.Schema{}, err
	}
	if !set {
		return segment.Schema{}, missingf("missing required parameter \"dimension\" (or give schema.fields)")
	}
	pk := segment.Field{Name: orDefault(r.PrimaryFieldName, "id"), PrimaryKey: true, AutoID: r.AutoID}
	switch orDefault(r.IDType, "Int64") {
	case "Int64":
		pk.Type = segment.TypeInt64
	case "VarChar":
		pk.Type = segment.TypeVarChar
		n, err := intParam(r.Params, "max_length", "params")
		if err != nil {
			return segment.Schema{}, err
		}
		if n == 0 {
			return segment.Schema{}, missingf("missing required parameter \"params.max_length\" for idType VarChar")
		}
		pk.MaxLength = int(n)
	default:
		return segment.Schema{}, invalidf("invalid idType %q: want Int64 or VarChar", r.IDType)
	}
	if dim < 1 || dim > segment.MaxDim {
		return segment.Schema{}, invalidf("invalid dimension %d: must be between 1 and %d", dim, segment.MaxDim)
	}
	vec := segment.Field{Name: orDefault(r.VectorFieldName, "vector"), Type: segment.TypeFloatVector, Dim: int(dim)}
	dynamic := true
	if v, ok := lookupFold(r.Params, "enableDynamicField"); ok {
		if b, isBool := v.(bool); isBool {
			dynamic = b
		}
	}
	return segment.Schema{Name: r.CollectionName, Description: r.Description, AutoID: r.AutoID,
		EnableDynamic: dynamic, Fields: []segment.Field{pk, vec}}, nil
}

// fullSchema builds the schema of the full form.
func fullSchema(r *CreateCollectionRequest) (segment.Schema, error) {
	s := segment.Schema{Name: r.CollectionName, Description: r.Description,
		AutoID: r.Schema.AutoID || r.AutoID}
	for _, p := range []*bool{r.Schema.EnableDynamicField, r.Schema.EnabledDynamicField} {
		if p != nil && *p {
			s.EnableDynamic = true
		}
	}
	for i := range r.Schema.Fields {
		f, err := buildField(&r.Schema.Fields[i])
		if err != nil {
			return s, err
		}
		s.Fields = append(s.Fields, f)
	}
	var err error
	s.Functions, err = buildFunctions(r.Schema.Functions)
	return s, err
}

func buildField(fr *FieldRequest) (segment.Field, error) {
	f := segment.Field{Name: fr.FieldName, Description: fr.Description, PrimaryKey: fr.IsPrimary,
		PartitionKey: fr.IsPartitionKey, Nullable: fr.Nullable, AutoID: fr.AutoID && fr.IsPrimary}
	if fr.FieldName == "" {
		return f, missingf("missing required parameter \"fieldName\" in schema.fields")
	}
	if fr.DataType == "" {
		return f, missingf("missing required parameter \"dataType\" of field %q", fr.FieldName)
	}
	var err error
	if f.Type, err = segment.ParseDataType(fr.DataType); err != nil {
		return f, err
	}
	if f.Type == segment.TypeArray {
		if fr.ElementDataType == "" {
			return f, missingf("missing required parameter \"elementDataType\" of Array field %q", fr.FieldName)
		}
		if f.ElementType, err = segment.ParseDataType(fr.ElementDataType); err != nil {
			return f, err
		}
	}
	where := fmt.Sprintf("elementTypeParams of field %q", fr.FieldName)
	dim, err1 := intParam(fr.ElementTypeParams, "dim", where)
	maxLen, err2 := intParam(fr.ElementTypeParams, "max_length", where)
	maxCap, err3 := intParam(fr.ElementTypeParams, "max_capacity", where)
	if err := firstErr(err1, err2, err3); err != nil {
		return f, err
	}
	f.Dim, f.MaxLength, f.MaxCapacity = int(dim), int(maxLen), int(maxCap)
	if (f.Type.IsDense() || f.Type == segment.TypeBinaryVector) && f.Dim == 0 {
		return f, missingf("missing required parameter \"dim\" in elementTypeParams of vector field %q", fr.FieldName)
	}
	if err := analyzerParams(&f, fr.ElementTypeParams); err != nil {
		return f, err
	}
	if fr.DefaultValue != nil {
		if f.Default, err = defaultValue(&f, fr.DefaultValue); err != nil {
			return f, err
		}
	}
	return f, nil
}

// defaultValue converts a field's defaultValue to a canonical value.
func defaultValue(f *segment.Field, v any) (any, error) {
	switch f.Type {
	case segment.TypeJSON, segment.TypeArray, segment.TypeFloatVector, segment.TypeSparseFloatVector,
		segment.TypeFloat16Vector, segment.TypeBFloat16Vector, segment.TypeBinaryVector:
		return nil, invalidf("field %q: a %s field cannot have a defaultValue", f.Name, f.Type)
	}
	c, err := convertScalar(f, v)
	if err != nil {
		return nil, invalidf("invalid defaultValue of field %q: %v", f.Name, err)
	}
	return c, nil
}

// intParam reads an integer parameter given as a number or a string; absent
// is 0.
func intParam(m map[string]any, key, where string) (int64, error) {
	v, ok := lookupFold(m, key)
	if !ok || v == nil {
		return 0, nil
	}
	n, err := toInt(v)
	if err != nil {
		return 0, invalidf("invalid %s in %s: %v", key, where, err)
	}
	return n, nil
}

// lookupFold finds a key exactly, else case-insensitively (JSON keys match
// case-insensitively everywhere else too).
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// finishSchema adds $meta when the dynamic field is on and validates.
func finishSchema(s *segment.Schema) error {
	if s.EnableDynamic {
		s.Fields = append(s.Fields, segment.Field{Name: segment.DynamicFieldName, Type: segment.TypeJSON, IsDynamic: true})
	}
	return s.Validate()
}

// buildCollection turns a create request into the collection to create.
func buildCollection(r *CreateCollectionRequest) (*coordinator.Collection, error) {
	quick := len(r.Schema.Fields) == 0
	var s segment.Schema
	var err error
	if quick {
		s, err = quickSchema(r)
	} else {
		s, err = fullSchema(r)
	}
	if err == nil {
		err = checkSchemaNames(&s)
	}
	if err == nil {
		err = finishSchema(&s)
	}
	if err != nil {
		return nil, err
	}
	c := &coordinator.Collection{Name: r.CollectionName, Schema: s}
	if err := collectionParams(r, c); err != nil {
		return nil, err
	}
	if c.Properties, err = createProperties(r); err != nil {
		return nil, err
	}
	if quick {
		vec := s.Fields[1].Name
		c.Indexes = []coordinator.Index{{Name: vec, FieldName: vec, IndexType: "AUTOINDEX",
			MetricType: orDefault(upper(r.MetricType), "COSINE"), Params: map[string]string{}}}
		if err := checkMetric(c.Indexes[0].MetricType); err != nil {
			return nil, err
		}
		c.Loaded = true
		return c, nil
	}
	if c.Indexes, err = buildIndexes(&s, r.IndexParams); err != nil {
		return nil, err
	}
	c.Loaded = len(c.Indexes) > 0
	return c, nil
}

// collectionParams reads shardsNum and the consistency level.
func collectionParams(r *CreateCollectionRequest, c *coordinator.Collection) error {
	n, err := intParam(r.Params, "shardsNum", "params")
	if err != nil {
		return err
	}
	if n == 0 {
		n = 1
	}
	if n < 1 || n > maxShards {
		return invalidf("invalid params.shardsNum %d: must be between 1 and %d", n, maxShards)
	}
	c.ShardsNum = int(n)
	if c.NumPartitions, err = keyPartitions(r, c); err != nil {
		return err
	}
	level := r.ConsistencyLevel
	if v, _ := lookupFold(r.Params, "consistencyLevel"); v != nil {
		s, ok := v.(string)
		if !ok {
			return invalidf("invalid params.consistencyLevel: want a string, got %s", describe(v))
		}
		level = s
	}
	c.Consistency, err = consistency(orDefault(level, coordinator.Bounded))
	return err
}

const maxShards = 16

// consistency validates a consistency level name; "" stays "".
func consistency(level string) (string, error) {
	switch level {
	case "", coordinator.Strong, coordinator.Bounded, coordinator.Session, coordinator.Eventually:
		return level, nil
	}
	return "", invalidf("invalid consistencyLevel %q: want Strong, Bounded, Session or Eventually", level)
}

// keyPartitions reads params.partitionsNum: the partition count of a
// collection with a partition key (default 16); other collections refuse
// it.
func keyPartitions(r *CreateCollectionRequest, c *coordinator.Collection) (int, error) {
	n, err := intParam(r.Params, "partitionsNum", "params")
	if err != nil {
		return 0, err
	}
	if c.Schema.PartitionKeyIndex() < 0 {
		if n != 0 {
			return 0, invalidf("params.partitionsNum needs a partition key field (isPartitionKey)")
		}
		return 0, nil
	}
	if n == 0 {
		return coordinator.DefaultKeyPartitions, nil
	}
	if n < 1 || n > coordinator.MaxKeyPartitions {
		return 0, invalidf("invalid params.partitionsNum %d: must be between 1 and %d", n, coordinator.MaxKeyPartitions)
	}
	return int(n), nil
}
