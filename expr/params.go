package expr

import (
	"encoding/json"
	"math"
	"reflect"
)

// binder replaces {placeholder} nodes with literals from params.
type binder struct {
	src    string
	params map[string]any
	depth  int // nesting of list values, bounded by maxDepth
}

// bind substitutes placeholders in n (in place) and returns the new root.
func (b *binder) bind(n Node) (Node, error) {
	var err error
	switch n := n.(type) {
	case *Placeholder:
		v, ok := b.params[n.Name]
		if !ok {
			return nil, errAt(b.src, n.P, "placeholder {%s} not found in params", n.Name)
		}
		return b.literal(n.P, n.Name, v)
	case *Unary:
		if n.X, err = b.bind(n.X); err != nil || n.Op != OpNeg {
			return n, err
		}
		return negate(b.src, n.P, n.X)
	case *Binary:
		err = b.all(&n.L, &n.R)
	case *Range:
		err = b.all(&n.Lo, &n.X, &n.Hi)
	case *In:
		err = b.all(&n.X, &n.List)
	case *Like:
		err = b.all(&n.X, &n.Pattern)
	case *IsNull:
		err = b.all(&n.X)
	case *Exists:
		err = b.all(&n.X)
	case *Index:
		err = b.all(&n.X, &n.Key)
	case *Call:
		err = b.slice(n.Args)
	case *ListLit:
		err = b.slice(n.Elems)
	}
	return n, err
}

func (b *binder) all(ns ...*Node) error {
	for _, p := range ns {
		v, err := b.bind(*p)
		if err != nil {
			return err
		}
		*p = v
	}
	return nil
}

func (b *binder) slice(ns []Node) error {
	for i := range ns {
		if err := b.all(&ns[i]); err != nil {
			return err
		}
	}
	return nil
}

// literal converts a parameter value to a literal node at pos.
func (b *binder) literal(pos int, name string, v any) (Node, error) {
	switch x := v.(type) {
	case bool:
		return &BoolLit{P: pos, V: x}, nil
	case string:
		return &StringLit{P: pos, V: x}, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return &IntLit{P: pos, V: i}, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, errAt(b.src, pos, "placeholder {%s}: invalid number %q", name, x)
		}
		return b.literal(pos, name, f)
	case []any:
		if err := b.nest(pos, name); err != nil {
			return nil, err
		}
		defer func() { b.depth-- }()
		l := &ListLit{P: pos, Elems: make([]Node, len(x))}
		for i, e := range x {
			n, err := b.literal(pos, name, e)
			if err != nil {
				return nil, err
			}
			l.Elems[i] = n
		}
		return l, nil
	}
	return b.reflectLiteral(pos, name, v)
}

// reflectLiteral handles the other integer, float and slice types.
func (b *binder) reflectLiteral(pos int, name string, v any) (Node, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &IntLit{P: pos, V: rv.Int()}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if rv.Uint() > math.MaxInt64 {
			return nil, errAt(b.src, pos, "placeholder {%s}: integer out of range", name)
		}
		return &IntLit{P: pos, V: int64(rv.Uint())}, nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errAt(b.src, pos, "placeholder {%s}: number must be finite", name)
		}
		return &FloatLit{P: pos, V: f}, nil
	case reflect.Slice, reflect.Array:
		if err := b.nest(pos, name); err != nil {
			return nil, err
		}
		defer func() { b.depth-- }()
		l := &ListLit{P: pos, Elems: make([]Node, rv.Len())}
		for i := range l.Elems {
			n, err := b.literal(pos, name, rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			l.Elems[i] = n
		}
		return l, nil
	}
	return nil, errAt(b.src, pos, "placeholder {%s}: unsupported value of type %T", name, v)
}

func (b *binder) nest(pos int, name string) error {
	b.depth++
	if b.depth > maxDepth {
		return errAt(b.src, pos, "placeholder {%s}: value nested too deeply", name)
	}
	return nil
}
