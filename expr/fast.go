package expr

import (
	"strings"

	"github.com/raftvec/raftvec/segment"
)

// fastCompare specializes "field op constant" (either order) for plain
// Int/Float/VarChar fields, skipping the generic value conversion. It
// returns nil when no fast path applies.
func fastCompare(op Op, l, r operand) evalFn {
	if l.cst != nil && r.cst == nil {
		l, r, op = r, l, flip(op)
	}
	if !l.plain || r.cst == nil {
		return nil
	}
	fi, k := l.fi, *r.cst
	switch {
	case l.t == tyInt && k.k == kInt:
		return func(rr segment.RowReader, row int) val {
			n, ok := rr.Value(fi, row).(int64)
			if !ok {
				return nullV
			}
			return boolV(cmpResult(op, cmpInt(n, k.i)))
		}
	case l.t == tyFloat && k.isNum():
		return func(rr segment.RowReader, row int) val {
			f, ok := rr.Value(fi, row).(float64)
			if !ok {
				return nullV
			}
			return cmpOp(op, val{k: kFloat, f: f}, k)
		}
	case l.t == tyString && k.k == kStr:
		return func(rr segment.RowReader, row int) val {
			s, ok := rr.Value(fi, row).(string)
			if !ok {
				return nullV
			}
			return boolV(cmpResult(op, strings.Compare(s, k.s)))
		}
	}
	return nil
}

// flip mirrors a comparison so that "k op x" becomes "x flip(op) k".
func flip(op Op) Op {
	switch op {
	case OpLt:
		return OpGt
	case OpLe:
		return OpGe
	case OpGt:
		return OpLt
	case OpGe:
		return OpLe
	}
	return op
}
