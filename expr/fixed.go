package expr

import (
	"slices"

	"github.com/raftvec/raftvec/segment"
)

// FieldValues reports whether every row the filter matches has one of a
// finite set of values in the named Int64 or VarChar field, and returns
// those values (distinct, in source order): the filter is `f == lit`,
// `f in [lits]`, a conjunction with such a term (sets intersect), or a
// disjunction of such terms (sets unite). The proxy prunes partitions by
// a partition key this way. false means "not known": any value may match.
func (f *Filter) FieldValues(field string, t segment.DataType) ([]any, bool) {
	if f == nil || f.root == nil {
		return nil, false
	}
	return fixedValues(f.root, field, t)
}

func fixedValues(n Node, field string, t segment.DataType) ([]any, bool) {
	is := func(n Node) bool { id, ok := n.(*Ident); return ok && id.Name == field }
	switch n := n.(type) {
	case *Binary:
		switch {
		case n.Op == OpEq && is(n.L):
			return pkLiterals([]Node{n.R}, t)
		case n.Op == OpEq && is(n.R):
			return pkLiterals([]Node{n.L}, t)
		case n.Op == OpAnd:
			l, lok := fixedValues(n.L, field, t)
			r, rok := fixedValues(n.R, field, t)
			switch {
			case lok && rok:
				return slices.DeleteFunc(l, func(v any) bool { return !slices.Contains(r, v) }), true
			case lok:
				return l, true
			}
			return r, rok
		case n.Op == OpOr:
			l, lok := fixedValues(n.L, field, t)
			r, rok := fixedValues(n.R, field, t)
			if !lok || !rok {
				return nil, false
			}
			for _, v := range r {
				if !slices.Contains(l, v) {
					l = append(l, v)
				}
			}
			return l, true
		}
	case *In:
		if l, ok := n.List.(*ListLit); ok && !n.Not && is(n.X) {
			return pkLiterals(l.Elems, t)
		}
	}
	return nil, false
}
