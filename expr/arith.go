package expr

import (
	"math"

	"github.com/raftvec/raftvec/segment"
)

// arith applies an arithmetic operator; non-numeric operands and division
// by zero give null. Integer + - * wrap around like Go; / truncates.
func arith(op Op, a, b val) val {
	if !a.isNum() || !b.isNum() {
		return nullV
	}
	if op == OpPow {
		return floatV(math.Pow(a.num(), b.num()))
	}
	if a.k == kInt && b.k == kInt {
		return intArith(op, a.i, b.i)
	}
	x, y := a.num(), b.num()
	switch op {
	case OpAdd:
		return floatV(x + y)
	case OpSub:
		return floatV(x - y)
	case OpMul:
		return floatV(x * y)
	}
	if y == 0 {
		return nullV
	}
	if op == OpDiv {
		return floatV(x / y)
	}
	return floatV(math.Mod(x, y))
}

func intArith(op Op, x, y int64) val {
	switch op {
	case OpAdd:
		return val{k: kInt, i: x + y}
	case OpSub:
		return val{k: kInt, i: x - y}
	case OpMul:
		return val{k: kInt, i: x * y}
	}
	if y == 0 {
		return nullV
	}
	if op == OpDiv {
		return val{k: kInt, i: x / y}
	}
	return val{k: kInt, i: x % y}
}

func floatV(f float64) val {
	if math.IsNaN(f) {
		return nullV
	}
	return val{k: kFloat, f: f}
}

func negV(v val) val {
	switch v.k {
	case kInt:
		return val{k: kInt, i: -v.i}
	case kFloat:
		return val{k: kFloat, f: -v.f}
	}
	return nullV
}

// truth is three-valued: 1 true, 0 false, -1 unknown.
func truth(v val) int {
	if v.k != kBool {
		return -1
	}
	if v.b {
		return 1
	}
	return 0
}

func notV(v val) val {
	if v.k != kBool {
		return nullV
	}
	return boolV(!v.b)
}

func andFn(l, r evalFn) evalFn {
	return func(rr segment.RowReader, row int) val {
		a := l(rr, row)
		if a.k == kBool && !a.b {
			return falseV
		}
		return and3(a, r(rr, row))
	}
}

// and3 is three-valued conjunction.
func and3(a, b val) val {
	x, y := truth(a), truth(b)
	switch {
	case x == 0 || y == 0:
		return falseV
	case x == 1 && y == 1:
		return trueV
	}
	return nullV
}

func orFn(l, r evalFn) evalFn {
	return func(rr segment.RowReader, row int) val {
		a := truth(l(rr, row))
		if a == 1 {
			return trueV
		}
		b := truth(r(rr, row))
		switch {
		case b == 1:
			return trueV
		case a == 0 && b == 0:
			return falseV
		}
		return nullV
	}
}
