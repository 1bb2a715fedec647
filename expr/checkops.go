package expr

import (
	"math"

	"github.com/raftvec/raftvec/segment"
)

func (c *compiler) unary(n *Unary) (operand, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return operand{}, err
	}
	xf := x.fn
	if n.Op == OpNot {
		if !isBoolish(x.t) {
			return operand{}, c.errAt(x.pos, "not needs a boolean operand, found %s", x.desc)
		}
		return operand{t: tyBool, pos: n.P, desc: "boolean expression",
			fn: func(r segment.RowReader, row int) val { return notV(xf(r, row)) }}, nil
	}
	if !isNumeric(x.t) {
		return operand{}, c.errAt(x.pos, "unary minus needs a numeric operand, found %s", x.desc)
	}
	t := x.t
	if t == tyJSON {
		t = tyNumber
	}
	return operand{t: t, pos: n.P, desc: "numeric expression",
		fn: func(r segment.RowReader, row int) val { return negV(xf(r, row)) }}, nil
}

func (c *compiler) binary(n *Binary) (operand, error) {
	l, err := c.compile(n.L)
	if err != nil {
		return operand{}, err
	}
	r, err := c.compile(n.R)
	if err != nil {
		return operand{}, err
	}
	switch n.Op {
	case OpAnd, OpOr:
		return c.logical(n.Op, l, r)
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return c.compare(n.Op, n.OpPos, l, r)
	}
	return c.arithmetic(n.Op, n.OpPos, l, r)
}

func (c *compiler) logical(op Op, l, r operand) (operand, error) {
	for _, o := range [2]operand{l, r} {
		if !isBoolish(o.t) {
			return operand{}, c.errAt(o.pos, "%s needs boolean operands, found %s", op, o.desc)
		}
	}
	out := operand{t: tyBool, pos: l.pos, desc: "boolean expression", fn: andFn(l.fn, r.fn)}
	if op == OpOr {
		out.fn = orFn(l.fn, r.fn)
	}
	return out, nil
}

func (c *compiler) arithmetic(op Op, opPos int, l, r operand) (operand, error) {
	for _, o := range [2]operand{l, r} {
		if !isNumeric(o.t) {
			return operand{}, c.errAt(o.pos, "operator %s needs numeric operands, found %s", op, o.desc)
		}
	}
	if err := c.constArith(op, opPos, l, r); err != nil {
		return operand{}, err
	}
	out := operand{t: tyNumber, pos: l.pos, desc: "numeric expression"}
	switch {
	case l.t == tyInt && r.t == tyInt && op != OpPow:
		out.t = tyInt
	case (l.t == tyInt || l.t == tyFloat) && (r.t == tyInt || r.t == tyFloat):
		out.t = tyFloat
	}
	lf, rf := l.fn, r.fn
	switch {
	case r.cst != nil:
		k := *r.cst
		out.fn = func(rr segment.RowReader, row int) val { return arith(op, lf(rr, row), k) }
	default:
		out.fn = func(rr segment.RowReader, row int) val { return arith(op, lf(rr, row), rf(rr, row)) }
	}
	return out, nil
}

// constArith refuses what is known to fail at compile time: division or
// modulo by a literal zero, and integer literals whose sum, difference or
// product overflows Int64. (At run time, division by zero is null and
// integer overflow wraps; see the package doc.)
func (c *compiler) constArith(op Op, opPos int, l, r operand) error {
	if r.cst == nil {
		return nil
	}
	y := *r.cst
	if (op == OpDiv || op == OpMod) && y.isNum() && y.num() == 0 {
		return c.errAt(opPos, "division by zero: %s by a literal 0", op)
	}
	if l.cst == nil || l.cst.k != kInt || y.k != kInt {
		return nil
	}
	x, w := l.cst.i, y.i
	var ok bool
	switch op {
	case OpAdd:
		s := x + w
		ok = (s > x) == (w > 0)
	case OpSub:
		s := x - w
		ok = (s < x) == (w > 0)
	case OpMul:
		p := x * w
		ok = x == 0 || (p/x == w && !(x == -1 && w == math.MinInt64) && !(w == -1 && x == math.MinInt64))
	default:
		return nil
	}
	if !ok {
		return c.errAt(opPos, "integer overflow: %d %s %d is out of the Int64 range", x, op, w)
	}
	return nil
}

func (c *compiler) rangeExpr(n *Range) (operand, error) {
	var ops [3]operand
	for i, e := range [3]Node{n.Lo, n.X, n.Hi} {
		o, err := c.compile(e)
		if err != nil {
			return operand{}, err
		}
		if i != 1 && (o.cst == nil || o.t == tyList) {
			return operand{}, c.errAt(o.pos, "range bounds must be number or string literals")
		}
		ops[i] = o
	}
	lo, x, hi := ops[0], ops[1], ops[2]
	if err := c.checkComparable(n.LoOp, n.LoOpPos, lo, x); err != nil {
		return operand{}, err
	}
	if err := c.checkComparable(n.HiOp, n.HiOpPos, x, hi); err != nil {
		return operand{}, err
	}
	lv, hv, xf, loOp, hiOp := *lo.cst, *hi.cst, x.fn, n.LoOp, n.HiOp
	return operand{t: tyBool, pos: lo.pos, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			v := xf(r, row)
			return and3(cmpOp(loOp, lv, v), cmpOp(hiOp, v, hv))
		}}, nil
}

// elements checks that n is a list of literals each comparable with x.
func (c *compiler) elements(n Node, x operand, what string) ([]val, error) {
	l, ok := n.(*ListLit)
	if !ok {
		return nil, c.errAt(n.Pos(), "%s needs a list literal, found %s", what, n)
	}
	out := make([]val, 0, len(l.Elems))
	for _, e := range l.Elems {
		v, err := c.element(e, x)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// element checks that e is a literal comparable with values of type x.t.
func (c *compiler) element(e Node, x operand) (val, error) {
	eo, err := c.compile(e)
	if err != nil {
		return nullV, err
	}
	if eo.cst == nil {
		return nullV, c.errAt(e.Pos(), "expected a literal, found %s", e)
	}
	if x.t != tyJSON && (class(eo.t) == 0 || class(eo.t) != class(x.t)) {
		return nullV, c.errAt(e.Pos(), "cannot compare %s with %s", x.desc, eo.desc)
	}
	return *eo.cst, nil
}

func (c *compiler) in(n *In) (operand, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return operand{}, err
	}
	if class(x.t) == 0 {
		return operand{}, c.errAt(x.pos, "in needs a scalar operand, found %s", x.desc)
	}
	vals, err := c.elements(n.List, x, "in")
	if err != nil {
		return operand{}, err
	}
	set, xf, not := newValueSet(vals), x.fn, n.Not
	return operand{t: tyBool, pos: x.pos, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			v := xf(r, row)
			if v.k == kNull || !set.comparable(v) {
				return nullV
			}
			return boolV(set.has(v) != not)
		}}, nil
}
