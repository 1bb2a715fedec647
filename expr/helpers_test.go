package expr

import (
	"slices"
	"testing"

	"github.com/raftvec/raftvec/segment"
)

// testSchema: Int64 pk "id", Int32 "age", Float "price", VarChar "title",
// Bool "ok", nullable JSON "meta", Array<Int64> "nums", Array<VarChar>
// "tags", FloatVector "vec" (dim 2) and the dynamic field.
func testSchema(t testing.TB, dynamic bool) *segment.Schema {
	t.Helper()
	s := &segment.Schema{Name: "t", EnableDynamic: dynamic, Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "age", Type: segment.TypeInt32},
		{Name: "price", Type: segment.TypeFloat},
		{Name: "title", Type: segment.TypeVarChar, MaxLength: 100},
		{Name: "ok", Type: segment.TypeBool, Nullable: true},
		{Name: "meta", Type: segment.TypeJSON, Nullable: true},
		{Name: "nums", Type: segment.TypeArray, ElementType: segment.TypeInt64, MaxCapacity: 10},
		{Name: "tags", Type: segment.TypeArray, ElementType: segment.TypeVarChar, MaxCapacity: 10, MaxLength: 20},
		{Name: "vec", Type: segment.TypeFloatVector, Dim: 2},
	}}
	if dynamic {
		s.Fields = append(s.Fields, segment.Field{Name: segment.DynamicFieldName, Type: segment.TypeJSON, IsDynamic: true})
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// testRows are the rows of testBatch, one per id 1..6, in schema order
// (JSON and Array values as JSON text, the dynamic field last).
var testRows = [][]any{
	{int64(1), int64(20), 9.5, "apple pie", true,
		`{"a":1,"b":{"c":"x"},"arr":[1,2,3],"s":"hello"}`, `[1,2,3]`, `["red","green"]`,
		[]float32{0, 1}, `{"color":"red","n":5}`},
	{int64(2), int64(30), 19.75, "banana", false,
		`{"a":2.5,"arr":[4,5],"s":"world","flag":true}`, `[4,5]`, `["blue"]`,
		[]float32{1, 0}, `{"color":"blue","n":7.5,"is_vip":true}`},
	{int64(3), int64(40), 100.0, "cherry tart", true,
		nil, `[]`, `[]`, []float32{1, 1}, `{}`},
	{int64(4), int64(50), 0.5, "100% juice", false,
		`{"a":"str","arr":[[1,2],"x"],"nul":null,"flag":false}`, `[2,4,6]`, `["red","blue","green"]`,
		[]float32{0, 0}, `{"color":"green","extra":{"k":1},"is_vip":false}`},
	{int64(5), int64(25), 50.0, "Äpfel_1", nil,
		`{"a":3,"s":"hello world"}`, `[7]`, `["x"]`, []float32{2, 2}, `{"n":3,"color":null}`},
	{int64(-6), int64(-7), -2.25, "", true,
		`[1,2]`, `[0]`, `["red"]`, []float32{3, 3}, `{"color":"Red"}`},
}

func testBatch(t testing.TB, s *segment.Schema) *segment.Batch {
	t.Helper()
	b := segment.NewBatch(s)
	for _, row := range testRows {
		for i := range s.Fields {
			v := row[i]
			if str, ok := v.(string); ok && (s.Fields[i].Type == segment.TypeJSON || s.Fields[i].Type == segment.TypeArray) {
				v = []byte(str)
			}
			b.Columns[i].AppendValue(v)
		}
	}
	return b
}

// matchIDs compiles src and returns the ids of the matching rows, sorted.
func matchIDs(t testing.TB, s *segment.Schema, b *segment.Batch, src string, params map[string]any) ([]int64, error) {
	t.Helper()
	f, err := Compile(src, s, params)
	if err != nil {
		return nil, err
	}
	ids := []int64{}
	for row := 0; row < b.Rows(); row++ {
		if f.Match(b, row) {
			ids = append(ids, b.Value(0, row).(int64))
		}
	}
	slices.Sort(ids)
	return ids, nil
}
