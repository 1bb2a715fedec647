package expr

import (
	"github.com/raftvec/raftvec/segment"
)

func (c *compiler) like(n *Like) (operand, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return operand{}, err
	}
	if x.t != tyString && x.t != tyJSON {
		return operand{}, c.errAt(x.pos, "like needs a string operand, found %s", x.desc)
	}
	p, ok := n.Pattern.(*StringLit)
	if !ok {
		return operand{}, c.errAt(n.Pattern.Pos(), "like needs a string literal pattern, found %s", n.Pattern)
	}
	match, xf, not := compileLike(p.V), x.fn, n.Not
	return operand{t: tyBool, pos: x.pos, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			v := xf(r, row)
			if v.k != kStr {
				return nullV
			}
			return boolV(match(v.s) != not)
		}}, nil
}

func (c *compiler) isNull(n *IsNull) (operand, error) {
	x, err := c.compile(n.X)
	if err != nil {
		return operand{}, err
	}
	xf, not := x.fn, n.Not
	return operand{t: tyBool, pos: x.pos, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			return boolV((xf(r, row).k == kNull) != not)
		}}, nil
}

// exists is true when the JSON path is present in the row, even if its
// value is JSON null.
func (c *compiler) exists(n *Exists) (operand, error) {
	var rf ref
	var err error
	switch n.X.(type) {
	case *Ident, *Index:
		rf, err = c.resolve(n.X)
	default:
		return operand{}, c.errAt(n.X.Pos(), "exists needs a JSON path, found %s", n.X)
	}
	if err != nil {
		return operand{}, err
	}
	if c.field(rf.field).Type != segment.TypeJSON {
		return operand{}, c.errAt(n.X.Pos(), "exists needs a JSON path, found %s", c.refDesc(rf))
	}
	c.used[rf.field] = true
	fi, keys := rf.field, rf.keys
	return operand{t: tyBool, pos: n.P, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			v := r.Value(fi, row)
			if v == nil {
				return falseV
			}
			_, ok := walk(v, keys)
			return boolV(ok)
		}}, nil
}

func (c *compiler) call(n *Call) (operand, error) {
	if n.Name == "text_match" {
		return c.textMatch(n)
	}
	x, err := c.compile(n.Args[0])
	if err != nil {
		return operand{}, err
	}
	if x.t != tyArray && x.t != tyJSON {
		return operand{}, c.errAt(x.pos, "%s needs an Array field or JSON path, found %s", n.Name, x.desc)
	}
	switch n.Name {
	case "array_length":
		return c.length(x), nil
	case "json_contains", "array_contains":
		return c.contains(x, n.Args[1])
	case "json_contains_all", "array_contains_all":
		return c.containsAll(x, n.Args[1])
	}
	return c.containsAny(x, n.Args[1])
}

// elemOperand describes the elements of container x for type checks.
func elemOperand(x operand) operand {
	if x.t == tyArray {
		return operand{t: x.elem, desc: "elements of " + x.desc}
	}
	return operand{t: tyJSON, desc: x.desc}
}

func (c *compiler) length(x operand) operand {
	xf := x.fn
	return operand{t: tyInt, pos: x.pos, desc: "integer expression",
		fn: func(r segment.RowReader, row int) val {
			v := xf(r, row)
			if v.k != kList {
				return nullV
			}
			return val{k: kInt, i: int64(len(v.x.([]any)))}
		}}
}

func (c *compiler) contains(x operand, arg Node) (operand, error) {
	want, err := c.element(arg, elemOperand(x))
	if err != nil {
		return operand{}, err
	}
	xf := x.fn
	return operand{t: tyBool, pos: x.pos, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			v := xf(r, row)
			if v.k != kList {
				return nullV
			}
			return boolV(listHas(v.x.([]any), want))
		}}, nil
}

func listHas(a []any, want val) bool {
	for _, e := range a {
		if c, ok := compareVals(fromAny(e), want, true); ok && c == 0 {
			return true
		}
	}
	return false
}

func (c *compiler) containsAll(x operand, arg Node) (operand, error) {
	wants, err := c.elements(arg, elemOperand(x), "contains_all")
	if err != nil {
		return operand{}, err
	}
	xf := x.fn
	return operand{t: tyBool, pos: x.pos, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			v := xf(r, row)
			if v.k != kList {
				return nullV
			}
			a := v.x.([]any)
			for _, w := range wants {
				if !listHas(a, w) {
					return falseV
				}
			}
			return trueV
		}}, nil
}

func (c *compiler) containsAny(x operand, arg Node) (operand, error) {
	wants, err := c.elements(arg, elemOperand(x), "contains_any")
	if err != nil {
		return operand{}, err
	}
	set, xf := newValueSet(wants), x.fn
	return operand{t: tyBool, pos: x.pos, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			v := xf(r, row)
			if v.k != kList {
				return nullV
			}
			for _, e := range v.x.([]any) {
				if set.has(fromAny(e)) {
					return trueV
				}
			}
			return falseV
		}}, nil
}
