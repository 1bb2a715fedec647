package expr

import (
	"github.com/raftvec/raftvec/segment"
)

// pathKey is one JSON path step: an object key or an array index.
type pathKey struct {
	key   string
	idx   int
	isIdx bool
}

// ref is a resolved field reference: a schema field, optionally followed by
// JSON path keys (JSON fields) or an element index (Array fields).
type ref struct {
	field int
	keys  []pathKey
	elem  int // Array element index, or -1
	name  string
}

func (c *compiler) field(i int) *segment.Field { return &c.schema.Fields[i] }

// resolve binds an Ident or Index chain to a field position.
func (c *compiler) resolve(n Node) (ref, error) {
	switch n := n.(type) {
	case *Ident:
		return c.resolveIdent(n)
	case *Index:
		switch n.X.(type) {
		case *Ident, *Index:
		default:
			return ref{}, c.errAt(n.LBrack, "only fields and JSON paths can be indexed")
		}
		base, err := c.resolve(n.X)
		if err != nil {
			return ref{}, err
		}
		return c.index(base, n)
	}
	return ref{}, c.errAt(n.Pos(), "only fields and JSON paths can be indexed")
}

func (c *compiler) resolveIdent(n *Ident) (ref, error) {
	if i := c.schema.FieldIndex(n.Name); i >= 0 {
		if c.field(i).Type.IsVector() {
			return ref{}, c.errAt(n.P, "vector field %q cannot be used in a filter", n.Name)
		}
		return ref{field: i, elem: -1, name: n.Name}, nil
	}
	if c.dyn < 0 {
		return ref{}, c.errAt(n.P, "field %q not found", n.Name)
	}
	return ref{field: c.dyn, keys: []pathKey{{key: n.Name}}, elem: -1, name: n.Name}, nil
}

func (c *compiler) index(base ref, n *Index) (ref, error) {
	var k pathKey
	switch key := n.Key.(type) {
	case *StringLit:
		k = pathKey{key: key.V}
	case *IntLit:
		if key.V < 0 || key.V > 1<<31 {
			return ref{}, c.errAt(key.P, "index %d out of range", key.V)
		}
		k = pathKey{idx: int(key.V), isIdx: true}
	default:
		return ref{}, c.errAt(n.Key.Pos(), "index must be a string or integer literal")
	}
	f := c.field(base.field)
	out := base
	out.name = base.name + "[" + n.Key.String() + "]"
	switch {
	case f.Type == segment.TypeJSON:
		out.keys = append(append([]pathKey(nil), base.keys...), k)
	case f.Type == segment.TypeArray && base.elem < 0 && k.isIdx:
		out.elem = k.idx
	case f.Type == segment.TypeArray && base.elem < 0:
		return ref{}, c.errAt(n.Key.Pos(), "Array field %q needs an integer index", f.Name)
	default:
		return ref{}, c.errAt(n.LBrack, "%s cannot be indexed", c.refDesc(base))
	}
	return out, nil
}

func fieldType(dt segment.DataType) tkind {
	switch {
	case dt == segment.TypeBool:
		return tyBool
	case dt.IsInteger():
		return tyInt
	case dt == segment.TypeFloat || dt == segment.TypeDouble:
		return tyFloat
	case dt == segment.TypeVarChar:
		return tyString
	case dt == segment.TypeJSON:
		return tyJSON
	case dt == segment.TypeArray:
		return tyArray
	}
	return tyVector
}

func (c *compiler) refDesc(rf ref) string {
	f := c.field(rf.field)
	switch {
	case len(rf.keys) > 0:
		return "JSON value " + rf.name
	case rf.elem >= 0:
		return f.ElementType.String() + " element " + rf.name
	}
	return describeField(f)
}

// refOperand compiles a field reference into a row reader.
func (c *compiler) refOperand(rf ref, pos int) operand {
	c.used[rf.field] = true
	f, fi := c.field(rf.field), rf.field
	o := operand{pos: pos, desc: c.refDesc(rf)}
	switch {
	case len(rf.keys) > 0:
		keys := rf.keys
		o.t = tyJSON
		o.fn = func(r segment.RowReader, row int) val {
			v, ok := walk(r.Value(fi, row), keys)
			if !ok {
				return nullV
			}
			return fromAny(v)
		}
	case rf.elem >= 0:
		idx := rf.elem
		o.t = fieldType(f.ElementType)
		o.fn = func(r segment.RowReader, row int) val {
			a, _ := r.Value(fi, row).([]any)
			if idx >= len(a) {
				return nullV
			}
			return fromAny(a[idx])
		}
	default:
		o.t, o.elem = fieldType(f.Type), fieldType(f.ElementType)
		o.plain, o.fi = true, fi
		o.fn = func(r segment.RowReader, row int) val { return fromAny(r.Value(fi, row)) }
	}
	return o
}

// walk follows JSON path keys; ok is false if a step is missing.
func walk(v any, keys []pathKey) (any, bool) {
	for _, k := range keys {
		if k.isIdx {
			a, ok := v.([]any)
			if !ok || k.idx >= len(a) {
				return nil, false
			}
			v = a[k.idx]
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k.key]; !ok {
			return nil, false
		}
	}
	return v, true
}
