package expr

import (
	"math"
	"strings"

	"github.com/raftvec/raftvec/segment"
)

// kind is the runtime kind of a value. kNull also stands for "unknown": a
// null field, a missing JSON key, or the result of a comparison that cannot
// be decided (null operand, mismatched types, division by zero).
type kind uint8

const (
	kNull kind = iota
	kBool
	kInt
	kFloat
	kStr
	kList // []any
	kObj  // map[string]any
	kVec  // []float32
)

// val is a runtime value, passed by value so scalar evaluation never
// allocates.
type val struct {
	k kind
	b bool
	i int64
	f float64
	s string
	x any
}

// evalFn evaluates a compiled expression for one row.
type evalFn func(r segment.RowReader, row int) val

var (
	nullV  = val{}
	trueV  = val{k: kBool, b: true}
	falseV = val{k: kBool}
)

func boolV(b bool) val { return val{k: kBool, b: b} }

// fromAny converts a canonical value (see segment.Column.Value) to a val.
func fromAny(v any) val {
	switch x := v.(type) {
	case bool:
		return val{k: kBool, b: x}
	case int64:
		return val{k: kInt, i: x}
	case float64:
		return val{k: kFloat, f: x}
	case string:
		return val{k: kStr, s: x}
	case []any: // reuse v: re-boxing x would allocate
		return val{k: kList, x: v}
	case map[string]any:
		return val{k: kObj, x: v}
	case []float32:
		return val{k: kVec, x: v}
	case int:
		return val{k: kInt, i: int64(x)}
	case int32:
		return val{k: kInt, i: int64(x)}
	case float32:
		return val{k: kFloat, f: float64(x)}
	}
	return nullV
}

// toAny converts a constant val back to a canonical value.
func (v val) toAny() any {
	switch v.k {
	case kBool:
		return v.b
	case kInt:
		return v.i
	case kFloat:
		return v.f
	case kStr:
		return v.s
	case kList, kObj, kVec:
		return v.x
	}
	return nil
}

func (v val) isNum() bool { return v.k == kInt || v.k == kFloat }

func (v val) num() float64 {
	if v.k == kInt {
		return float64(v.i)
	}
	return v.f
}

// cmpIntFloat compares i with f exactly; ok is false if f is NaN.
func cmpIntFloat(i int64, f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case f >= 1<<63:
		return -1, true
	case f < -(1 << 63):
		return 1, true
	}
	t := math.Trunc(f)
	if c := cmpInt(i, int64(t)); c != 0 {
		return c, true
	}
	switch {
	case f > t:
		return -1, true
	case f < t:
		return 1, true
	}
	return 0, true
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpNum(a, b val) (int, bool) {
	switch {
	case a.k == kInt && b.k == kInt:
		return cmpInt(a.i, b.i), true
	case a.k == kInt:
		return cmpIntFloat(a.i, b.f)
	case b.k == kInt:
		c, ok := cmpIntFloat(b.i, a.f)
		return -c, ok
	case math.IsNaN(a.f) || math.IsNaN(b.f):
		return 0, false
	case a.f < b.f:
		return -1, true
	case a.f > b.f:
		return 1, true
	}
	return 0, true
}

// compareVals orders a and b. ok is false when they cannot be compared:
// a null, mismatched kinds, NaN, or (unless eqOnly) unordered kinds.
func compareVals(a, b val, eqOnly bool) (int, bool) {
	switch {
	case a.isNum() && b.isNum():
		return cmpNum(a, b)
	case a.k != b.k || a.k == kNull:
		return 0, false
	case a.k == kStr:
		return strings.Compare(a.s, b.s), true
	case !eqOnly:
		return 0, false
	case a.k == kBool:
		if a.b == b.b {
			return 0, true
		}
		return 1, true
	case a.k == kList || a.k == kObj:
		if jsonEqual(a.x, b.x) {
			return 0, true
		}
		return 1, true
	}
	return 0, false
}

// jsonEqual compares decoded JSON values; numbers compare numerically.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			f, ok := y[k]
			if !ok || !jsonEqual(e, f) {
				return false
			}
		}
		return true
	}
	c, ok := compareVals(fromAny(a), fromAny(b), true)
	return ok && c == 0
}

// cmpResult applies a comparison operator to an ordering.
func cmpResult(op Op, c int) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpNe:
		return c != 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	}
	return c >= 0
}

func cmpOp(op Op, a, b val) val {
	c, ok := compareVals(a, b, op == OpEq || op == OpNe)
	if !ok {
		return nullV
	}
	return boolV(cmpResult(op, c))
}
