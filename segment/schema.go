package segment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/raftvec/raftvec/half"
)

// DataType is a field type. Names match Milvus's dataType strings exactly
// (case-sensitive).
type DataType int8

// Field data types.
const (
	TypeNone DataType = iota
	TypeBool
	TypeInt8
	TypeInt16
	TypeInt32
	TypeInt64
	TypeFloat
	TypeDouble
	TypeVarChar
	TypeJSON
	TypeArray
	TypeFloatVector
	TypeSparseFloatVector
	TypeFloat16Vector
	TypeBFloat16Vector
	TypeBinaryVector
)

var typeNames = [...]string{"None", "Bool", "Int8", "Int16", "Int32", "Int64",
	"Float", "Double", "VarChar", "JSON", "Array", "FloatVector", "SparseFloatVector",
	"Float16Vector", "BFloat16Vector", "BinaryVector"}

// String returns the Milvus name of the type.
func (t DataType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("DataType(%d)", int8(t))
}

// ParseDataType maps a Milvus dataType name to a DataType.
func ParseDataType(name string) (DataType, error) {
	for i, n := range typeNames {
		if i > 0 && n == name {
			return DataType(i), nil
		}
	}
	return TypeNone, fmt.Errorf("%w: unknown data type %q", ErrSchema, name)
}

// IsInteger reports whether t is one of Int8..Int64.
func (t DataType) IsInteger() bool { return t >= TypeInt8 && t <= TypeInt64 }

// IsNumeric reports whether t is an integer or floating type.
func (t DataType) IsNumeric() bool { return t.IsInteger() || t == TypeFloat || t == TypeDouble }

// IsVector reports whether t is a vector type (a field a search can target).
func (t DataType) IsVector() bool {
	return t == TypeSparseFloatVector || t == TypeBinaryVector || t.IsDense()
}

// IsDense reports whether t is a dense vector type: FloatVector, or the
// half-precision Float16Vector and BFloat16Vector (stored at 2 bytes per
// element, searched as float32).
func (t DataType) IsDense() bool {
	return t == TypeFloatVector || t == TypeFloat16Vector || t == TypeBFloat16Vector
}

// Half returns the 16-bit format of a half-precision vector type (0 for
// other types).
func (t DataType) Half() half.Format {
	switch t {
	case TypeFloat16Vector:
		return half.F16
	case TypeBFloat16Vector:
		return half.BF16
	}
	return 0
}

// ElemBytes is the size of one element of a dense vector type.
func (t DataType) ElemBytes() int {
	if t.Half() != 0 {
		return 2
	}
	return 4
}

// IntRange returns the inclusive range of an integer type.
func (t DataType) IntRange() (lo, hi int64) {
	switch t {
	case TypeInt8:
		return -1 << 7, 1<<7 - 1
	case TypeInt16:
		return -1 << 15, 1<<15 - 1
	case TypeInt32:
		return -1 << 31, 1<<31 - 1
	}
	return -1 << 63, 1<<63 - 1
}

// DynamicFieldName is the name of the hidden JSON field that holds keys not
// in the schema when the dynamic field is enabled.
const DynamicFieldName = "$meta"

// Limits on schemas.
const (
	MaxDim         = 32768
	MaxVarCharLen  = 65535
	MaxArrayCap    = 4096
	DefaultMaxLen  = 65535
	MaxFields      = 64
	DefaultPartion = "_default"
)

// ErrSchema is wrapped by every schema validation error.
var ErrSchema = errors.New("invalid schema")

// Field describes one column of a collection.
type Field struct {
	ID           int64
	Name         string
	Description  string
	Type         DataType
	ElementType  DataType // element type of an Array
	PrimaryKey   bool
	AutoID       bool
	PartitionKey bool
	Nullable     bool
	IsDynamic    bool // the $meta field
	Dim          int  // FloatVector
	MaxLength    int  // VarChar, and VarChar elements of an Array
	MaxCapacity  int  // Array
	// EnableAnalyzer (VarChar) makes the field's text analyzable: it can
	// feed a BM25 function and be matched by text_match. AnalyzerParams is
	// the analyzer's canonical params JSON ("" = the standard analyzer).
	EnableAnalyzer bool
	EnableMatch    bool
	AnalyzerParams string
	// Default is the value used when a row omits the field; nil for none.
	// It holds a canonical value (see Value).
	Default any
}

// Schema is a collection's schema. Fields are in declaration order; when the
// dynamic field is enabled the last field is $meta (IsDynamic, JSON).
type Schema struct {
	Name          string
	Description   string
	AutoID        bool
	EnableDynamic bool
	Fields        []Field
	// Functions derive fields from others at insert (BM25: text → sparse).
	Functions []Function
}

// FunctionBM25 is the only function type: it turns an analyzed VarChar
// field into a SparseFloatVector of term frequencies.
const FunctionBM25 = "BM25"

// Function derives output fields from input fields when rows are written;
// users never supply the output fields.
type Function struct {
	Name        string
	Description string
	Type        string
	Input       []string
	Output      []string
}

// FunctionFor returns the function whose output is the named field.
func (s *Schema) FunctionFor(field string) (*Function, bool) {
	for i := range s.Functions {
		for _, o := range s.Functions[i].Output {
			if o == field {
				return &s.Functions[i], true
			}
		}
	}
	return nil, false
}

// FieldIndex returns the position of the named field, or -1.
func (s *Schema) FieldIndex(name string) int {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return i
		}
	}
	return -1
}

// Field returns the named field.
func (s *Schema) Field(name string) (*Field, bool) {
	i := s.FieldIndex(name)
	if i < 0 {
		return nil, false
	}
	return &s.Fields[i], true
}

// PrimaryIndex returns the position of the primary key field.
func (s *Schema) PrimaryIndex() int {
	for i := range s.Fields {
		if s.Fields[i].PrimaryKey {
			return i
		}
	}
	return -1
}

// Primary returns the primary key field.
func (s *Schema) Primary() *Field {
	i := s.PrimaryIndex()
	if i < 0 {
		return nil
	}
	return &s.Fields[i]
}

// PartitionKeyIndex returns the position of the partition key field, or -1.
func (s *Schema) PartitionKeyIndex() int {
	for i := range s.Fields {
		if s.Fields[i].PartitionKey {
			return i
		}
	}
	return -1
}

// DynamicIndex returns the position of the $meta field, or -1.
func (s *Schema) DynamicIndex() int {
	for i := range s.Fields {
		if s.Fields[i].IsDynamic {
			return i
		}
	}
	return -1
}

// VectorFields returns the names of the vector fields in order.
func (s *Schema) VectorFields() []string {
	var out []string
	for _, f := range s.Fields {
		if f.Type.IsVector() {
			out = append(out, f.Name)
		}
	}
	return out
}

// Validate checks the schema's structure and assigns field IDs (100, 101, …
// as Milvus does) to fields that have none.
func (s *Schema) Validate() error {
	if len(s.Fields) == 0 || len(s.Fields) > MaxFields {
		return fmt.Errorf("%w: a collection needs 1 to %d fields", ErrSchema, MaxFields)
	}
	seen := map[string]bool{}
	primaries, vectors, partKeys := 0, 0, 0
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.ID == 0 {
			f.ID = int64(100 + i)
		}
		if err := validateField(f); err != nil {
			return err
		}
		if seen[strings.ToLower(f.Name)] {
			return fmt.Errorf("%w: duplicate field name %q", ErrSchema, f.Name)
		}
		seen[strings.ToLower(f.Name)] = true
		if f.PrimaryKey {
			primaries++
		}
		if f.Type.IsVector() {
			vectors++
		}
		if f.PartitionKey {
			partKeys++
		}
	}
	if partKeys > 1 {
		return fmt.Errorf("%w: at most one partition key field, found %d", ErrSchema, partKeys)
	}
	if primaries != 1 {
		return fmt.Errorf("%w: exactly one primary key field is required, found %d", ErrSchema, primaries)
	}
	if vectors == 0 {
		return fmt.Errorf("%w: at least one vector field is required", ErrSchema)
	}
	p := s.Primary()
	if s.AutoID {
		if p.Type != TypeInt64 {
			return fmt.Errorf("%w: autoID needs an Int64 primary key", ErrSchema)
		}
		p.AutoID = true
	}
	s.AutoID = p.AutoID
	return s.validateFunctions()
}

// validateFunctions checks each BM25 function: one analyzed VarChar input,
// one SparseFloatVector output that no other function writes.
func (s *Schema) validateFunctions() error {
	outputs := map[string]bool{}
	for i := range s.Functions {
		fn := &s.Functions[i]
		if fn.Type != FunctionBM25 {
			return fmt.Errorf("%w: function %q: unsupported type %q (want BM25)", ErrSchema, fn.Name, fn.Type)
		}
		if len(fn.Input) != 1 || len(fn.Output) != 1 {
			return fmt.Errorf("%w: BM25 function %q needs exactly one input and one output field", ErrSchema, fn.Name)
		}
		in, ok := s.Field(fn.Input[0])
		if !ok || in.Type != TypeVarChar || !in.EnableAnalyzer {
			return fmt.Errorf("%w: BM25 function %q: input %q must be a VarChar field with enable_analyzer", ErrSchema, fn.Name, fn.Input[0])
		}
		out, ok := s.Field(fn.Output[0])
		if !ok || out.Type != TypeSparseFloatVector {
			return fmt.Errorf("%w: BM25 function %q: output %q must be a SparseFloatVector field", ErrSchema, fn.Name, fn.Output[0])
		}
		if outputs[out.Name] {
			return fmt.Errorf("%w: field %q is the output of two functions", ErrSchema, out.Name)
		}
		outputs[out.Name] = true
	}
	return nil
}

func validateField(f *Field) error {
	if f.Name == "" || (!f.IsDynamic && strings.HasPrefix(f.Name, "$")) {
		return fmt.Errorf("%w: invalid field name %q", ErrSchema, f.Name)
	}
	switch f.Type {
	case TypeNone:
		return fmt.Errorf("%w: field %q has no data type", ErrSchema, f.Name)
	case TypeFloatVector, TypeFloat16Vector, TypeBFloat16Vector:
		if f.Dim < 1 || f.Dim > MaxDim {
			return fmt.Errorf("%w: field %q: dim must be between 1 and %d, got %d", ErrSchema, f.Name, MaxDim, f.Dim)
		}
		if f.Nullable {
			return fmt.Errorf("%w: vector field %q cannot be nullable", ErrSchema, f.Name)
		}
	case TypeSparseFloatVector:
		if f.Nullable {
			return fmt.Errorf("%w: vector field %q cannot be nullable", ErrSchema, f.Name)
		}
		f.Dim = 0
	case TypeBinaryVector:
		if f.Dim < 8 || f.Dim > MaxDim || f.Dim%8 != 0 {
			return fmt.Errorf("%w: field %q: dim of a BinaryVector must be a multiple of 8 between 8 and %d, got %d", ErrSchema, f.Name, MaxDim, f.Dim)
		}
		if f.Nullable {
			return fmt.Errorf("%w: vector field %q cannot be nullable", ErrSchema, f.Name)
		}
	case TypeVarChar:
		if f.MaxLength < 1 || f.MaxLength > MaxVarCharLen {
			return fmt.Errorf("%w: field %q: max_length must be between 1 and %d, got %d", ErrSchema, f.Name, MaxVarCharLen, f.MaxLength)
		}
	case TypeArray:
		if f.MaxCapacity < 1 || f.MaxCapacity > MaxArrayCap {
			return fmt.Errorf("%w: field %q: max_capacity must be between 1 and %d, got %d", ErrSchema, f.Name, MaxArrayCap, f.MaxCapacity)
		}
		switch f.ElementType {
		case TypeBool, TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeFloat, TypeDouble:
		case TypeVarChar:
			if f.MaxLength < 1 || f.MaxLength > MaxVarCharLen {
				return fmt.Errorf("%w: field %q: max_length must be between 1 and %d, got %d", ErrSchema, f.Name, MaxVarCharLen, f.MaxLength)
			}
		default:
			return fmt.Errorf("%w: field %q: unsupported array element type %s", ErrSchema, f.Name, f.ElementType)
		}
	}
	if (f.EnableAnalyzer || f.EnableMatch) && f.Type != TypeVarChar {
		return fmt.Errorf("%w: field %q: enable_analyzer and enable_match need a VarChar field", ErrSchema, f.Name)
	}
	if f.EnableMatch && !f.EnableAnalyzer {
		return fmt.Errorf("%w: field %q: enable_match needs enable_analyzer", ErrSchema, f.Name)
	}
	if f.Default != nil && (f.Type == TypeJSON || f.Type == TypeArray || f.Type.IsVector()) {
		return fmt.Errorf("%w: field %q: default values are not supported for %s", ErrSchema, f.Name, f.Type)
	}
	if f.PartitionKey {
		if f.Type != TypeInt64 && f.Type != TypeVarChar {
			return fmt.Errorf("%w: partition key %q must be Int64 or VarChar", ErrSchema, f.Name)
		}
		if f.PrimaryKey || f.Nullable {
			return fmt.Errorf("%w: partition key %q cannot be the primary key or nullable", ErrSchema, f.Name)
		}
	}
	if f.PrimaryKey {
		if f.Type != TypeInt64 && f.Type != TypeVarChar {
			return fmt.Errorf("%w: primary key %q must be Int64 or VarChar", ErrSchema, f.Name)
		}
		if f.Nullable || f.Default != nil {
			return fmt.Errorf("%w: primary key %q cannot be nullable or have a default", ErrSchema, f.Name)
		}
		if f.AutoID && f.Type != TypeInt64 {
			return fmt.Errorf("%w: autoID needs an Int64 primary key", ErrSchema)
		}
	}
	return nil
}
