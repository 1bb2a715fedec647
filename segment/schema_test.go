package segment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// baseSchema is the smallest valid schema: an Int64 pk and a vector.
func baseSchema() *Schema {
	return &Schema{Name: "c", Fields: []Field{
		{Name: "id", Type: TypeInt64, PrimaryKey: true},
		{Name: "vec", Type: TypeFloatVector, Dim: 4},
	}}
}

// withFunction adds an analyzed VarChar t, a sparse field sp and fn.
func withFunction(fn Function) func(*Schema) {
	return func(s *Schema) {
		s.Fields = append(s.Fields, Field{Name: "t", Type: TypeVarChar, MaxLength: 99, EnableAnalyzer: true},
			Field{Name: "sp", Type: TypeSparseFloatVector})
		s.Functions = append(s.Functions, fn)
	}
}

func TestValidateRejects(t *testing.T) {
	withField := func(f Field) func(*Schema) {
		return func(s *Schema) { s.Fields = append(s.Fields, f) }
	}
	tests := []struct {
		name   string
		mutate func(*Schema)
		want   string // substring of the message
	}{
		{"no fields", func(s *Schema) { s.Fields = nil }, "1 to 64 fields"},
		{"too many fields", func(s *Schema) {
			for i := len(s.Fields); i <= MaxFields; i++ {
				s.Fields = append(s.Fields, Field{Name: fmt.Sprintf("x%d", i), Type: TypeBool})
			}
		}, "1 to 64 fields"},
		{"no primary key", func(s *Schema) { s.Fields[0].PrimaryKey = false }, "found 0"},
		{"two primary keys", withField(Field{Name: "id2", Type: TypeInt64, PrimaryKey: true}), "found 2"},
		{"float pk", func(s *Schema) { s.Fields[0].Type = TypeFloat }, "must be Int64 or VarChar"},
		{"int32 pk", func(s *Schema) { s.Fields[0].Type = TypeInt32 }, "must be Int64 or VarChar"},
		{"vector pk", func(s *Schema) { s.Fields[1].PrimaryKey = true; s.Fields[0].PrimaryKey = false }, "must be Int64 or VarChar"},
		{"nullable pk", func(s *Schema) { s.Fields[0].Nullable = true }, "cannot be nullable"},
		{"pk default", func(s *Schema) { s.Fields[0].Default = int64(1) }, "cannot be nullable or have a default"},
		{"autoID on VarChar pk", func(s *Schema) {
			s.Fields[0] = Field{Name: "id", Type: TypeVarChar, MaxLength: 8, PrimaryKey: true, AutoID: true}
		}, "autoID"},
		{"schema autoID on VarChar pk", func(s *Schema) {
			s.AutoID = true
			s.Fields[0] = Field{Name: "id", Type: TypeVarChar, MaxLength: 8, PrimaryKey: true}
		}, "autoID"},
		{"no vector", func(s *Schema) { s.Fields = s.Fields[:1] }, "vector field is required"},
		{"dim 0", func(s *Schema) { s.Fields[1].Dim = 0 }, "dim must be between 1 and 32768, got 0"},
		{"dim negative", func(s *Schema) { s.Fields[1].Dim = -1 }, "got -1"},
		{"dim 32769", func(s *Schema) { s.Fields[1].Dim = MaxDim + 1 }, "got 32769"},
		{"nullable vector", func(s *Schema) { s.Fields[1].Nullable = true }, "cannot be nullable"},
		{"vector default", func(s *Schema) { s.Fields[1].Default = []float32{1, 2, 3, 4} }, "default values are not supported for FloatVector"},
		{"varchar max_length 0", withField(Field{Name: "s", Type: TypeVarChar}), "max_length"},
		{"varchar max_length 65536", withField(Field{Name: "s", Type: TypeVarChar, MaxLength: MaxVarCharLen + 1}), "got 65536"},
		{"varchar pk without max_length", func(s *Schema) { s.Fields[0] = Field{Name: "id", Type: TypeVarChar, PrimaryKey: true} }, "max_length"},
		{"array capacity 0", withField(Field{Name: "a", Type: TypeArray, ElementType: TypeInt64}), "max_capacity"},
		{"array capacity 4097", withField(Field{Name: "a", Type: TypeArray, ElementType: TypeInt64, MaxCapacity: MaxArrayCap + 1}), "got 4097"},
		{"array of none", withField(Field{Name: "a", Type: TypeArray, MaxCapacity: 4}), "unsupported array element type None"},
		{"array of JSON", withField(Field{Name: "a", Type: TypeArray, ElementType: TypeJSON, MaxCapacity: 4}), "element type JSON"},
		{"array of arrays", withField(Field{Name: "a", Type: TypeArray, ElementType: TypeArray, MaxCapacity: 4}), "element type Array"},
		{"array of vectors", withField(Field{Name: "a", Type: TypeArray, ElementType: TypeFloatVector, MaxCapacity: 4}), "element type FloatVector"},
		{"array of varchar without max_length", withField(Field{Name: "a", Type: TypeArray, ElementType: TypeVarChar, MaxCapacity: 4}), "max_length"},
		{"array default", withField(Field{Name: "a", Type: TypeArray, ElementType: TypeInt64, MaxCapacity: 4, Default: []byte("[1]")}), "not supported for Array"},
		{"duplicate name", withField(Field{Name: "id", Type: TypeBool}), "duplicate field name"},
		{"duplicate name case-insensitive", withField(Field{Name: "VEC", Type: TypeBool}), `duplicate field name "VEC"`},
		{"empty name", withField(Field{Name: "", Type: TypeBool}), "invalid field name"},
		{"dollar name", withField(Field{Name: "$x", Type: TypeBool}), "invalid field name"},
		{"no type", withField(Field{Name: "x"}), "no data type"},
		{"default on JSON", withField(Field{Name: "j", Type: TypeJSON, Default: []byte("{}")}), "not supported for JSON"},
		{"float partition key", withField(Field{Name: "k", Type: TypeFloat, PartitionKey: true}), "must be Int64 or VarChar"},
		{"nullable partition key", withField(Field{Name: "k", Type: TypeInt64, PartitionKey: true, Nullable: true}), "cannot be the primary key or nullable"},
		{"two partition keys", func(s *Schema) {
			s.Fields = append(s.Fields, Field{Name: "k1", Type: TypeInt64, PartitionKey: true}, Field{Name: "k2", Type: TypeInt64, PartitionKey: true})
		}, "at most one partition key"},
		{"binary dim 12", withField(Field{Name: "b", Type: TypeBinaryVector, Dim: 12}), "multiple of 8"},
		{"nullable sparse", withField(Field{Name: "sp", Type: TypeSparseFloatVector, Nullable: true}), "cannot be nullable"},
		{"analyzer on Int64", withField(Field{Name: "n", Type: TypeInt64, EnableAnalyzer: true}), "need a VarChar field"},
		{"match without analyzer", withField(Field{Name: "t", Type: TypeVarChar, MaxLength: 9, EnableMatch: true}), "enable_match needs enable_analyzer"},
		{"function of unknown type", withFunction(Function{Name: "f", Type: "TEXT_EMBEDDING", Input: []string{"t"}, Output: []string{"sp"}}), "unsupported type"},
		{"function with two inputs", withFunction(Function{Name: "f", Type: FunctionBM25, Input: []string{"t", "t"}, Output: []string{"sp"}}), "exactly one input"},
		{"function from unanalyzed text", func(s *Schema) {
			withFunction(Function{Name: "f", Type: FunctionBM25, Input: []string{"t"}, Output: []string{"sp"}})(s)
			s.Fields[2].EnableAnalyzer = false
		}, "enable_analyzer"},
		{"function into dense vector", withFunction(Function{Name: "f", Type: FunctionBM25, Input: []string{"t"}, Output: []string{"vec"}}), "must be a SparseFloatVector"},
		{"two functions, one output", func(s *Schema) {
			withFunction(Function{Name: "f", Type: FunctionBM25, Input: []string{"t"}, Output: []string{"sp"}})(s)
			s.Functions = append(s.Functions, Function{Name: "g", Type: FunctionBM25, Input: []string{"t"}, Output: []string{"sp"}})
		}, "output of two functions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSchema()
			tc.mutate(s)
			err := s.Validate()
			if !errors.Is(err, ErrSchema) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrSchema", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		f    Field
	}{
		{"dim 1 vector", Field{Name: "v1", Type: TypeFloatVector, Dim: 1}},
		{"dim 32768 vector", Field{Name: "v2", Type: TypeFloatVector, Dim: MaxDim}},
		{"varchar length 1", Field{Name: "s", Type: TypeVarChar, MaxLength: 1}},
		{"varchar length 65535", Field{Name: "s", Type: TypeVarChar, MaxLength: MaxVarCharLen}},
		{"array capacity 1", Field{Name: "a", Type: TypeArray, ElementType: TypeBool, MaxCapacity: 1}},
		{"array capacity 4096", Field{Name: "a", Type: TypeArray, ElementType: TypeDouble, MaxCapacity: MaxArrayCap}},
		{"array of varchar", Field{Name: "a", Type: TypeArray, ElementType: TypeVarChar, MaxCapacity: 2, MaxLength: 10}},
		{"nullable scalar with default", Field{Name: "n", Type: TypeInt32, Nullable: true, Default: int64(5)}},
		{"nullable JSON", Field{Name: "j", Type: TypeJSON, Nullable: true}},
		{"dynamic field", Field{Name: DynamicFieldName, Type: TypeJSON, IsDynamic: true}},
		{"sparse vector", Field{Name: "sp", Type: TypeSparseFloatVector}},
		{"analyzed text with match", Field{Name: "t", Type: TypeVarChar, MaxLength: 9, EnableAnalyzer: true, EnableMatch: true, AnalyzerParams: `{"type":"english"}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSchema()
			s.Fields = append(s.Fields, tc.f)
			if err := s.Validate(); err != nil {
				t.Fatalf("Validate() = %v", err)
			}
		})
	}
}

func TestValidateAssignsIDs(t *testing.T) {
	s := baseSchema()
	s.Fields = append(s.Fields, Field{Name: "x", Type: TypeBool, ID: 500}, Field{Name: "y", Type: TypeDouble})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []int64{100, 101, 500, 103}
	for i, f := range s.Fields {
		if f.ID != want[i] {
			t.Errorf("field %q ID = %d, want %d", f.Name, f.ID, want[i])
		}
	}
	// Validating again keeps the IDs.
	if err := s.Validate(); err != nil || s.Fields[3].ID != 103 {
		t.Fatalf("revalidate: err=%v id=%d", err, s.Fields[3].ID)
	}
}

func TestValidateAutoIDPropagation(t *testing.T) {
	tests := []struct {
		name              string
		schemaAuto, field bool
		want              bool
	}{
		{"neither", false, false, false},
		{"schema level", true, false, true},
		{"field level", false, true, true},
		{"both", true, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSchema()
			s.AutoID, s.Fields[0].AutoID = tc.schemaAuto, tc.field
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if s.AutoID != tc.want || s.Primary().AutoID != tc.want {
				t.Fatalf("schema AutoID=%v pk AutoID=%v, want both %v", s.AutoID, s.Primary().AutoID, tc.want)
			}
		})
	}
}

func TestDataTypeNames(t *testing.T) {
	for dt := TypeBool; dt <= TypeBinaryVector; dt++ {
		got, err := ParseDataType(dt.String())
		if err != nil || got != dt {
			t.Errorf("ParseDataType(%q) = %v, %v; want %v", dt.String(), got, err, dt)
		}
	}
	for _, bad := range []string{"", "None", "int64", "FLOAT", "Float32Vector", "String"} {
		if _, err := ParseDataType(bad); !errors.Is(err, ErrSchema) {
			t.Errorf("ParseDataType(%q) error = %v, want ErrSchema", bad, err)
		}
	}
	if got := DataType(42).String(); got != "DataType(42)" {
		t.Errorf("DataType(42).String() = %q", got)
	}
	if TypeVarChar.String() != "VarChar" || TypeFloatVector.String() != "FloatVector" {
		t.Errorf("Milvus names changed: %s %s", TypeVarChar, TypeFloatVector)
	}
}

func TestDataTypeClasses(t *testing.T) {
	tests := []struct {
		dt               DataType
		integer, numeric bool
		lo, hi           int64
	}{
		{TypeBool, false, false, -1 << 63, 1<<63 - 1},
		{TypeInt8, true, true, -128, 127},
		{TypeInt16, true, true, -32768, 32767},
		{TypeInt32, true, true, -2147483648, 2147483647},
		{TypeInt64, true, true, -1 << 63, 1<<63 - 1},
		{TypeFloat, false, true, -1 << 63, 1<<63 - 1},
		{TypeDouble, false, true, -1 << 63, 1<<63 - 1},
		{TypeVarChar, false, false, -1 << 63, 1<<63 - 1},
	}
	for _, tc := range tests {
		lo, hi := tc.dt.IntRange()
		if tc.dt.IsInteger() != tc.integer || tc.dt.IsNumeric() != tc.numeric || (tc.integer && (lo != tc.lo || hi != tc.hi)) {
			t.Errorf("%s: integer=%v numeric=%v range=[%d,%d]", tc.dt, tc.dt.IsInteger(), tc.dt.IsNumeric(), lo, hi)
		}
	}
}

// TestValidateBM25Function: a BM25 function from an analyzed VarChar to a
// sparse field is valid, the sparse field alone counts as the vector field,
// and FunctionFor finds it by its output.
func TestValidateBM25Function(t *testing.T) {
	s := &Schema{Name: "c", Fields: []Field{{Name: "id", Type: TypeInt64, PrimaryKey: true}}}
	withFunction(Function{Name: "bm25", Type: FunctionBM25, Input: []string{"t"}, Output: []string{"sp"}})(s)
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if fn, ok := s.FunctionFor("sp"); !ok || fn.Name != "bm25" {
		t.Fatalf("FunctionFor(sp) = %v, %v", fn, ok)
	}
	if _, ok := s.FunctionFor("t"); ok {
		t.Fatal("FunctionFor(t): the input is not an output")
	}
	if got := s.VectorFields(); len(got) != 1 || got[0] != "sp" {
		t.Fatalf("VectorFields() = %v", got)
	}
}
