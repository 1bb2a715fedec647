package expr

import (
	"slices"
	"strings"

	"github.com/raftvec/raftvec/segment"
)

// Filter is a compiled filter expression bound to a schema. It is immutable
// and safe for concurrent use. The zero of *Filter (nil) matches every row.
type Filter struct {
	src    string
	root   Node   // nil for the empty filter
	fn     evalFn // nil for the empty filter
	fields []int
	pk     []any
	pkOK   bool
	schema *segment.Schema
}

// Compile parses src, substitutes {placeholders} from params, type-checks
// the expression against s and binds field names to positions. An empty
// (or all-blank) src compiles to a filter that matches every row. Errors are
// *Error and wrap ErrInvalid.
func Compile(src string, s *segment.Schema, params map[string]any) (*Filter, error) {
	if strings.TrimSpace(src) == "" {
		return &Filter{src: src}, nil
	}
	if s == nil {
		return nil, errAt(src, 0, "no schema to compile against")
	}
	n, err := Parse(src)
	if err != nil {
		return nil, err
	}
	if n, err = (&binder{src: src, params: params}).bind(n); err != nil {
		return nil, err
	}
	c := &compiler{src: src, schema: s, dyn: s.DynamicIndex(), used: map[int]bool{}}
	if !s.EnableDynamic {
		c.dyn = -1
	}
	op, err := c.compile(n)
	if err != nil {
		return nil, err
	}
	if !isBoolish(op.t) {
		return nil, errAt(src, n.Pos(), "filter must be a boolean expression, found %s", op.desc)
	}
	f := &Filter{src: src, root: n, fn: op.fn, schema: s}
	for i := range c.used {
		f.fields = append(f.fields, i)
	}
	slices.Sort(f.fields)
	f.pk, f.pkOK = pkValues(n, s)
	return f, nil
}

// Match reports whether row satisfies the filter. Comparisons involving
// null, missing JSON keys or mismatched runtime types are unknown, and an
// unknown result does not match.
func (f *Filter) Match(r segment.RowReader, row int) bool {
	if f == nil || f.fn == nil {
		return true
	}
	v := f.fn(r, row)
	return v.k == kBool && v.b
}

// Fields returns the sorted schema positions of the fields the filter reads.
func (f *Filter) Fields() []int {
	if f == nil {
		return nil
	}
	return slices.Clone(f.fields)
}

// Empty reports whether the filter matches every row without reading any
// field (the empty filter).
func (f *Filter) Empty() bool { return f == nil || f.fn == nil }

// String returns the canonical form of the filter after placeholder
// substitution ("" for the empty filter).
func (f *Filter) String() string {
	if f == nil || f.root == nil {
		return ""
	}
	return f.root.String()
}

// PKValues reports whether the filter is exactly `pk == lit`, `lit == pk`
// or `pk in [lits]` on the primary key, and if so returns the distinct
// literal values converted to the key's type (int64 or string), in source
// order. Float literals with no int64 equivalent can match no key and are
// dropped.
func (f *Filter) PKValues() ([]any, bool) {
	if f == nil || !f.pkOK {
		return nil, false
	}
	return slices.Clone(f.pk), true
}

func pkValues(n Node, s *segment.Schema) ([]any, bool) {
	pk := s.Primary()
	if pk == nil {
		return nil, false
	}
	isPK := func(n Node) bool { id, ok := n.(*Ident); return ok && id.Name == pk.Name }
	var lits []Node
	switch n := n.(type) {
	case *Binary:
		switch {
		case n.Op != OpEq:
			return nil, false
		case isPK(n.L):
			lits = []Node{n.R}
		case isPK(n.R):
			lits = []Node{n.L}
		default:
			return nil, false
		}
	case *In:
		l, ok := n.List.(*ListLit)
		if n.Not || !ok || !isPK(n.X) {
			return nil, false
		}
		lits = l.Elems
	default:
		return nil, false
	}
	return pkLiterals(lits, pk.Type)
}

// pkLiterals converts literals to distinct primary-key values.
func pkLiterals(lits []Node, t segment.DataType) ([]any, bool) {
	out := make([]any, 0, len(lits))
	seen := map[any]bool{}
	for _, l := range lits {
		var v any
		switch l := l.(type) {
		case *IntLit:
			v = l.V
		case *FloatLit:
			i, ok := intOf(l.V)
			if !ok {
				continue
			}
			v = i
		case *StringLit:
			v = l.V
		default:
			return nil, false
		}
		if (t == segment.TypeVarChar) != isString(v) {
			return nil, false
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, true
}

func isString(v any) bool { _, ok := v.(string); return ok }
