package expr

import (
	"fmt"

	"github.com/raftvec/raftvec/segment"
)

// tkind is a static (compile-time) type.
type tkind uint8

const (
	tyBool tkind = iota + 1
	tyInt
	tyFloat
	tyNumber // a number whose int/float kind is known only at run time
	tyString
	tyJSON // dynamically typed: JSON paths and dynamic-field keys
	tyArray
	tyVector
	tyList // a constant list literal
)

// operand is a type-checked, compiled sub-expression.
type operand struct {
	t    tkind
	elem tkind // element type of a tyArray
	pos  int
	fn   evalFn
	cst  *val // set for literals
	fi   int  // schema position, when plain
	// plain is set for a bare schema-field reference (no path or index)
	plain bool
	desc  string // for error messages, e.g. `VarChar field "title"`
}

// compiler type-checks an AST against a schema and builds closures.
type compiler struct {
	src    string
	schema *segment.Schema
	dyn    int          // position of $meta, or -1
	used   map[int]bool // field positions read
}

func (c *compiler) errAt(pos int, format string, args ...any) error {
	return errAt(c.src, pos, format, args...)
}

func constOp(v val, t tkind, pos int, desc string) operand {
	return operand{t: t, pos: pos, cst: &v, desc: desc,
		fn: func(segment.RowReader, int) val { return v }}
}

func (c *compiler) compile(n Node) (operand, error) {
	switch n := n.(type) {
	case *Ident, *Index:
		rf, err := c.resolve(n)
		if err != nil {
			return operand{}, err
		}
		return c.refOperand(rf, n.Pos()), nil
	case *IntLit:
		return constOp(val{k: kInt, i: n.V}, tyInt, n.P, "integer literal"), nil
	case *FloatLit:
		return constOp(val{k: kFloat, f: n.V}, tyFloat, n.P, "float literal"), nil
	case *StringLit:
		return constOp(val{k: kStr, s: n.V}, tyString, n.P, "string literal"), nil
	case *BoolLit:
		return constOp(boolV(n.V), tyBool, n.P, "boolean literal"), nil
	case *ListLit:
		v, err := c.constant(n)
		return constOp(v, tyList, n.P, "list literal"), err
	case *Placeholder:
		return operand{}, c.errAt(n.P, "placeholder {%s} has no value", n.Name)
	case *Unary:
		return c.unary(n)
	case *Binary:
		return c.binary(n)
	case *Range:
		return c.rangeExpr(n)
	case *In:
		return c.in(n)
	case *Like:
		return c.like(n)
	case *IsNull:
		return c.isNull(n)
	case *Exists:
		return c.exists(n)
	case *Call:
		return c.call(n)
	}
	return operand{}, c.errAt(0, "unsupported expression %T", n)
}

// constant evaluates a literal (or a list of literals) to a value.
func (c *compiler) constant(n Node) (val, error) {
	switch n := n.(type) {
	case *IntLit:
		return val{k: kInt, i: n.V}, nil
	case *FloatLit:
		return val{k: kFloat, f: n.V}, nil
	case *StringLit:
		return val{k: kStr, s: n.V}, nil
	case *BoolLit:
		return boolV(n.V), nil
	case *ListLit:
		out := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			v, err := c.constant(e)
			if err != nil {
				return nullV, err
			}
			out[i] = v.toAny()
		}
		return val{k: kList, x: out}, nil
	}
	return nullV, c.errAt(n.Pos(), "expected a literal, found %s", n)
}

func isBoolish(t tkind) bool { return t == tyBool || t == tyJSON }

func isNumeric(t tkind) bool { return t == tyInt || t == tyFloat || t == tyNumber || t == tyJSON }

// class groups mutually comparable types: 'n' numbers, 's' strings,
// 'b' booleans, '*' dynamic, 0 not comparable.
func class(t tkind) byte {
	switch t {
	case tyInt, tyFloat, tyNumber:
		return 'n'
	case tyString:
		return 's'
	case tyBool:
		return 'b'
	case tyJSON:
		return '*'
	}
	return 0
}

// offending picks the operand to blame for a type mismatch: a literal
// facing a non-literal, else the right one.
func offending(l, r operand) operand {
	if l.cst != nil && r.cst == nil {
		return l
	}
	return r
}

// checkComparable verifies that "l op r" is well typed.
func (c *compiler) checkComparable(op Op, opPos int, l, r operand) error {
	eq := op == OpEq || op == OpNe
	lc, rc := class(l.t), class(r.t)
	if eq && ((lc == '*' && r.t == tyList) || (rc == '*' && l.t == tyList)) {
		return nil
	}
	for _, o := range [2]operand{l, r} {
		if class(o.t) == 0 {
			return c.errAt(o.pos, "cannot compare %s", o.desc)
		}
	}
	if lc != '*' && rc != '*' && lc != rc {
		return c.errAt(offending(l, r).pos, "cannot compare %s with %s", l.desc, r.desc)
	}
	if !eq && (lc == 'b' || rc == 'b') {
		return c.errAt(opPos, "operator %s is not defined on booleans", op)
	}
	return nil
}

func (c *compiler) compare(op Op, opPos int, l, r operand) (operand, error) {
	if err := c.checkComparable(op, opPos, l, r); err != nil {
		return operand{}, err
	}
	out := operand{t: tyBool, pos: l.pos, desc: "boolean expression"}
	if fast := fastCompare(op, l, r); fast != nil {
		out.fn = fast
		return out, nil
	}
	lf, rf := l.fn, r.fn
	switch {
	case r.cst != nil:
		k := *r.cst
		out.fn = func(rr segment.RowReader, row int) val { return cmpOp(op, lf(rr, row), k) }
	case l.cst != nil:
		k := *l.cst
		out.fn = func(rr segment.RowReader, row int) val { return cmpOp(op, k, rf(rr, row)) }
	default:
		out.fn = func(rr segment.RowReader, row int) val { return cmpOp(op, lf(rr, row), rf(rr, row)) }
	}
	return out, nil
}

func describeField(f *segment.Field) string {
	return fmt.Sprintf("%s field %q", f.Type, f.Name)
}
