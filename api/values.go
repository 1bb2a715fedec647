package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/raftvec/raftvec/half"
	"github.com/raftvec/raftvec/segment"
)

// convertValue converts a non-null JSON value (decoded with UseNumber) to
// the canonical value of field f: bool, int64, float64, string, []float32,
// or canonical JSON bytes for JSON and Array.
func convertValue(f *segment.Field, v any) (any, error) {
	switch f.Type {
	case segment.TypeJSON:
		b, err := canonicalJSONBytes(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", f.Name, err)
		}
		return b, nil
	case segment.TypeArray:
		return convertArray(f, v)
	case segment.TypeFloatVector:
		vec, err := floatVector(v, f.Dim)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", f.Name, err)
		}
		return vec, nil
	case segment.TypeBinaryVector:
		vec, err := binaryVector(f.Dim, v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", f.Name, err)
		}
		return vec, nil
	case segment.TypeFloat16Vector, segment.TypeBFloat16Vector:
		vec, err := halfVector(f, v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", f.Name, err)
		}
		return vec, nil
	case segment.TypeSparseFloatVector:
		vec, err := sparseVector(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", f.Name, err)
		}
		return vec, nil
	}
	c, err := convertScalar(f, v)
	if err != nil {
		return nil, fmt.Errorf("field %q: %v", f.Name, err)
	}
	return c, nil
}

// convertScalar converts a value of a Bool, integer, Float, Double or
// VarChar field. Int64 also accepts numeric strings (what Int64 values look
// like in our own responses).
func convertScalar(f *segment.Field, v any) (any, error) {
	t := f.Type
	switch {
	case t == segment.TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case t.IsInteger():
		return convertInt(t, v)
	case t == segment.TypeFloat || t == segment.TypeDouble:
		if n, ok := v.(json.Number); ok {
			return convertFloat(t, n)
		}
	case t == segment.TypeVarChar:
		if s, ok := v.(string); ok {
			if n := utf8.RuneCountInString(s); n > f.MaxLength {
				return nil, fmt.Errorf("string of %d characters exceeds max_length %d", n, f.MaxLength)
			}
			return s, nil
		}
	default:
		return nil, fmt.Errorf("unsupported type %s", t)
	}
	return nil, fmt.Errorf("want %s, got %s", t, describe(v))
}

func convertInt(t segment.DataType, v any) (any, error) {
	var n int64
	var err error
	switch x := v.(type) {
	case json.Number:
		n, err = numberToInt(x)
	case string:
		if t != segment.TypeInt64 {
			return nil, fmt.Errorf("want %s, got %s", t, describe(v))
		}
		n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want Int64, got %s", describe(v))
		}
	default:
		return nil, fmt.Errorf("want %s, got %s", t, describe(v))
	}
	if err != nil {
		return nil, fmt.Errorf("want %s: %v", t, err)
	}
	if lo, hi := t.IntRange(); n < lo || n > hi {
		return nil, fmt.Errorf("%d is out of the %s range [%d, %d]", n, t, lo, hi)
	}
	return n, nil
}

func convertFloat(t segment.DataType, n json.Number) (any, error) {
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("%s is out of range", n)
	}
	if t == segment.TypeFloat && math.Abs(f) > math.MaxFloat32 {
		return nil, fmt.Errorf("%s is out of the Float range", n)
	}
	return f, nil
}

// convertArray checks an Array value and returns its canonical JSON.
func convertArray(f *segment.Field, v any) ([]byte, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("field %q: want an Array of %s, got %s", f.Name, f.ElementType, describe(v))
	}
	if len(list) > f.MaxCapacity {
		return nil, fmt.Errorf("field %q: array of %d elements exceeds max_capacity %d", f.Name, len(list), f.MaxCapacity)
	}
	elem := segment.Field{Name: f.Name, Type: f.ElementType, MaxLength: f.MaxLength}
	out := make([]any, len(list))
	for i, e := range list {
		c, err := convertScalar(&elem, e)
		if err != nil {
			return nil, fmt.Errorf("field %q: element %d: %v", f.Name, i, err)
		}
		out[i] = c
	}
	return encodeJSON(out)
}

// floatVector converts a JSON list of numbers to a vector of length dim
// (dim <= 0: any length).
func floatVector(v any, dim int) ([]float32, error) {
	if vec, ok := v.([]float32); ok { // decoded by a binary front end
		if dim > 0 && len(vec) != dim {
			return nil, fmt.Errorf("vector has %d dimensions, want dim %d", len(vec), dim)
		}
		return vec, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a FloatVector (a list of numbers), got %s", describe(v))
	}
	if dim > 0 && len(list) != dim {
		return nil, fmt.Errorf("vector has %d dimensions, want dim %d", len(list), dim)
	}
	vec := make([]float32, len(list))
	for i, e := range list {
		n, ok := e.(json.Number)
		if !ok {
			return nil, fmt.Errorf("vector element %d: want a number, got %s", i, describe(e))
		}
		f, err := convertFloat(segment.TypeFloat, n)
		if err != nil {
			return nil, fmt.Errorf("vector element %d: %v", i, err)
		}
		vec[i] = float32(f.(float64))
	}
	return vec, nil
}

// canonicalJSONBytes encodes a decoded JSON value canonically: integral
// numbers as integers, others as shortest floats, object keys sorted.
func canonicalJSONBytes(v any) ([]byte, error) {
	c, err := canonicalNumbers(v)
	if err != nil {
		return nil, err
	}
	return encodeJSON(c)
}

func canonicalNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s is out of range", x)
		}
		return f, nil
	case []any:
		out := make([]any, len(x))
		for i := range x {
			var err error
			if out[i], err = canonicalNumbers(x[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = canonicalNumbers(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// encodeJSON marshals without HTML escaping and without a trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// sparseVector converts a sparse vector given as {"index": value, …} (the
// Milvus REST form, indices as decimal strings) or as {"indices": […],
// "values": […]} to its canonical form, sorted by index.
func sparseVector(v any) (segment.SparseVector, error) {
	if sv, ok := v.(segment.SparseVector); ok { // decoded by a binary front end
		return sv, sv.Check()
	}
	m, ok := v.(map[string]any)
	if !ok {
		return segment.SparseVector{}, fmt.Errorf("want a SparseFloatVector (an object of index: value), got %s", describe(v))
	}
	if _, ok := m["indices"]; ok && len(m) == 2 {
		return sparsePairs(m["indices"], m["values"])
	}
	if len(m) > segment.MaxSparseNonZeros {
		return segment.SparseVector{}, fmt.Errorf("sparse vector has %d entries, more than %d", len(m), segment.MaxSparseNonZeros)
	}
	type entry struct {
		ix  uint32
		val float32
	}
	es := make([]entry, 0, len(m))
	for k, x := range m {
		ix, err := strconv.ParseUint(strings.TrimSpace(k), 10, 32)
		if err != nil {
			return segment.SparseVector{}, fmt.Errorf("sparse vector index %q: want an integer in [0, 4294967295]", k)
		}
		f, err := sparseValue(x)
		if err != nil {
			return segment.SparseVector{}, fmt.Errorf("sparse vector index %s: %v", k, err)
		}
		es = append(es, entry{uint32(ix), f})
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.ix, b.ix) })
	sv := segment.SparseVector{Indices: make([]uint32, len(es)), Values: make([]float32, len(es))}
	for i, e := range es {
		sv.Indices[i], sv.Values[i] = e.ix, e.val
	}
	return sv, sv.Check() // "1" and "01" name the same index
}

// sparsePairs reads the {"indices": […], "values": […]} form.
func sparsePairs(ixs, vals any) (segment.SparseVector, error) {
	il, ok1 := ixs.([]any)
	vl, ok2 := vals.([]any)
	if !ok1 || !ok2 || len(il) != len(vl) {
		return segment.SparseVector{}, fmt.Errorf("want \"indices\" and \"values\" lists of equal length")
	}
	m := make(map[string]any, len(il))
	for i, x := range il {
		n, err := toInt(x)
		if err != nil || n < 0 || n > math.MaxUint32 {
			return segment.SparseVector{}, fmt.Errorf("indices[%d]: want an integer in [0, 4294967295], got %s", i, describe(x))
		}
		k := strconv.FormatInt(n, 10)
		if _, dup := m[k]; dup {
			return segment.SparseVector{}, fmt.Errorf("index %d appears twice", n)
		}
		m[k] = vl[i]
	}
	return sparseVector(m)
}

func sparseValue(x any) (float32, error) {
	n, ok := x.(json.Number)
	if !ok {
		if f, isF := x.(float64); isF {
			n = json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		} else {
			return 0, fmt.Errorf("want a number, got %s", describe(x))
		}
	}
	f, err := convertFloat(segment.TypeFloat, n)
	if err != nil {
		return 0, err
	}
	return float32(f.(float64)), nil
}

// halfVector converts a Float16Vector or BFloat16Vector value (a list of
// numbers, or 16-bit values a binary front end decoded) to its 16-bit
// encoding; values the format cannot hold are refused, never rounded to
// infinity.
func halfVector(f *segment.Field, v any) ([]uint16, error) {
	if h, ok := v.([]uint16); ok {
		if len(h) != f.Dim {
			return nil, fmt.Errorf("vector has %d dimensions, want dim %d", len(h), f.Dim)
		}
		return h, nil
	}
	vec, err := floatVector(v, f.Dim)
	if err != nil {
		return nil, err
	}
	out := make([]uint16, len(vec))
	if err := half.Encode(f.Type.Half(), out, vec); err != nil {
		return nil, err
	}
	return out, nil
}
