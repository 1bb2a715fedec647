package expr

import (
	"math"
	"slices"

	"github.com/raftvec/raftvec/segment"
)

// TermKind says what an IndexTerm constrains.
type TermKind uint8

// Term kinds.
const (
	// TermIn: the field's value is one of Values.
	TermIn TermKind = iota + 1
	// TermRange: the value lies within Lo and Hi (either may be nil).
	TermRange
	// TermPrefix: a VarChar value starting with Prefix.
	TermPrefix
	// TermContains: an Array with an element among Values.
	TermContains
)

// Bound is one end of a TermRange.
type Bound struct {
	V         any // int64, float64 or string: the field's domain
	Inclusive bool
}

// IndexTerm is a conjunct of a filter that a scalar index can answer. Every
// row the filter matches satisfies every term of IndexTerms, so the rows an
// index finds for the terms are a superset of the matches: a reader checks
// each candidate with the whole filter, and the index only narrows.
// Values and bounds are canonical in the field's domain: int64 for integer
// fields (float literals rounded inwards), float64 for Float and Double,
// string for VarChar, bool for Bool; an Array's are its elements'.
type IndexTerm struct {
	Field  int
	Kind   TermKind
	Values []any
	Lo, Hi *Bound
	Prefix string
}

// IndexTerms returns the terms of the filter's top-level conjunction that
// constrain one plain schema field (no JSON path, no arithmetic) to a set
// of values, a range, a prefix or array elements. Conjuncts of other forms
// are left to the filter itself.
func (f *Filter) IndexTerms() []IndexTerm {
	if f == nil || f.root == nil || f.schema == nil {
		return nil
	}
	var out []IndexTerm
	for _, n := range conjuncts(f.root, nil) {
		out = append(out, termsOf(n, f.schema)...)
	}
	return out
}

func conjuncts(n Node, out []Node) []Node {
	if b, ok := n.(*Binary); ok && b.Op == OpAnd {
		return conjuncts(b.R, conjuncts(b.L, out))
	}
	return append(out, n)
}

// termsOf returns the terms one conjunct gives (none, one, or one per
// element of array_contains_all).
func termsOf(n Node, s *segment.Schema) []IndexTerm {
	switch n := n.(type) {
	case *Binary:
		if n.Op == OpOr {
			return orTerms(n, s)
		}
		if fi, lit, op, ok := comparison(n, s); ok {
			return one(cmpTerm(fi, &s.Fields[fi], op, lit))
		}
	case *Range:
		return one(rangeTerm(n, s))
	case *In:
		if fi, ok := plainField(n.X, s); ok && !n.Not {
			if l, isList := n.List.(*ListLit); isList {
				return one(inTerm(fi, s.Fields[fi].Type, l.Elems, TermIn))
			}
		}
	case *Like:
		return one(likeTerm(n, s))
	case *Call:
		return containsTerms(n, s)
	}
	return nil
}

func one(t IndexTerm, ok bool) []IndexTerm {
	if !ok {
		return nil
	}
	return []IndexTerm{t}
}

// orTerms unites `f == a or f in [b, c]` on one field into one TermIn.
func orTerms(n *Binary, s *segment.Schema) []IndexTerm {
	l, r := termsOf(n.L, s), termsOf(n.R, s)
	if len(l) != 1 || len(r) != 1 || l[0].Kind != TermIn || r[0].Kind != TermIn || l[0].Field != r[0].Field {
		return nil
	}
	t := l[0]
	for _, v := range r[0].Values {
		if !slices.Contains(t.Values, v) {
			t.Values = append(t.Values, v)
		}
	}
	return []IndexTerm{t}
}

// plainField resolves an identifier naming a scalar schema field.
func plainField(n Node, s *segment.Schema) (int, bool) {
	id, ok := n.(*Ident)
	if !ok {
		return 0, false
	}
	i := s.FieldIndex(id.Name)
	if i < 0 || s.Fields[i].IsDynamic {
		return 0, false
	}
	switch t := s.Fields[i].Type; {
	case t.IsNumeric(), t == segment.TypeVarChar, t == segment.TypeBool, t == segment.TypeArray:
		return i, true
	}
	return 0, false
}

// comparison reads `field op literal` or `literal op field` (flipped).
func comparison(n *Binary, s *segment.Schema) (int, Node, Op, bool) {
	flip := map[Op]Op{OpEq: OpEq, OpLt: OpGt, OpLe: OpGe, OpGt: OpLt, OpGe: OpLe}
	if _, ok := flip[n.Op]; !ok {
		return 0, nil, 0, false
	}
	if fi, ok := plainField(n.L, s); ok {
		return fi, n.R, n.Op, true
	}
	if fi, ok := plainField(n.R, s); ok {
		return fi, n.L, flip[n.Op], true
	}
	return 0, nil, 0, false
}

func cmpTerm(fi int, f *segment.Field, op Op, lit Node) (IndexTerm, bool) {
	if f.Type == segment.TypeArray {
		return IndexTerm{}, false
	}
	if op == OpEq {
		return inTerm(fi, f.Type, []Node{lit}, TermIn)
	}
	var b Bound
	var ok bool
	switch op {
	case OpLt, OpLe:
		if b, ok = bound(f.Type, lit, op == OpLe, true); ok {
			return IndexTerm{Field: fi, Kind: TermRange, Hi: &b}, true
		}
	case OpGt, OpGe:
		if b, ok = bound(f.Type, lit, op == OpGe, false); ok {
			return IndexTerm{Field: fi, Kind: TermRange, Lo: &b}, true
		}
	}
	return IndexTerm{}, false
}

// rangeTerm reads `lo < x <= hi` and `hi > x >= lo`.
func rangeTerm(n *Range, s *segment.Schema) (IndexTerm, bool) {
	fi, ok := plainField(n.X, s)
	if !ok || s.Fields[fi].Type == segment.TypeArray {
		return IndexTerm{}, false
	}
	t := s.Fields[fi].Type
	lo, hi, loOp, hiOp := n.Lo, n.Hi, n.LoOp, n.HiOp
	if loOp == OpGt || loOp == OpGe { // "hi > x >= lo"
		lo, hi = hi, lo
		loOp, hiOp = map[Op]Op{OpGt: OpLt, OpGe: OpLe}[hiOp], map[Op]Op{OpGt: OpLt, OpGe: OpLe}[loOp]
	}
	l, ok1 := bound(t, lo, loOp == OpLe, false)
	h, ok2 := bound(t, hi, hiOp == OpLe, true)
	if !ok1 || !ok2 {
		return IndexTerm{}, false
	}
	return IndexTerm{Field: fi, Kind: TermRange, Lo: &l, Hi: &h}, true
}

// bound converts a literal to a bound in the field's domain. An integer
// field's fractional bound is rounded inwards (x < 3.5 is x <= 3).
func bound(t segment.DataType, lit Node, inclusive, upper bool) (Bound, bool) {
	switch l := lit.(type) {
	case *IntLit:
		if t.IsInteger() {
			return Bound{V: l.V, Inclusive: inclusive}, true
		}
		if t.IsNumeric() {
			return Bound{V: float64(l.V), Inclusive: inclusive}, true
		}
	case *FloatLit:
		if !t.IsInteger() {
			return Bound{V: l.V, Inclusive: t.IsNumeric() && inclusive}, t.IsNumeric()
		}
		r := math.Ceil(l.V)
		if upper {
			r = math.Floor(l.V)
		}
		if i, ok := intOf(r); ok {
			return Bound{V: i, Inclusive: inclusive || r != l.V}, true
		}
	case *StringLit:
		if t == segment.TypeVarChar {
			return Bound{V: l.V, Inclusive: inclusive}, true
		}
	}
	return Bound{}, false
}

// inTerm converts literals to values of type t; literals no value of the
// field can equal are dropped (they match nothing).
func inTerm(fi int, t segment.DataType, lits []Node, kind TermKind) (IndexTerm, bool) {
	out := IndexTerm{Field: fi, Kind: kind, Values: []any{}}
	for _, l := range lits {
		v, ok := value(t, l)
		if !ok {
			return IndexTerm{}, false
		}
		if v != nil && !slices.Contains(out.Values, v) {
			out.Values = append(out.Values, v)
		}
	}
	return out, true
}

// value converts one literal; nil (with ok) when it can equal no value of
// the type, !ok when it is not a literal of a comparable kind.
func value(t segment.DataType, lit Node) (any, bool) {
	switch l := lit.(type) {
	case *IntLit:
		switch {
		case t.IsInteger():
			if lo, hi := t.IntRange(); l.V < lo || l.V > hi {
				return nil, true
			}
			return l.V, true
		case t.IsNumeric():
			return float64(l.V), true
		}
	case *FloatLit:
		switch {
		case t.IsInteger():
			if i, ok := intOf(l.V); ok {
				return i, true
			}
			return nil, true
		case t == segment.TypeFloat:
			return float64(float32(l.V)), true // Float values are stored rounded
		case t.IsNumeric():
			return l.V, true
		}
	case *StringLit:
		if t == segment.TypeVarChar {
			return l.V, true
		}
	case *BoolLit:
		if t == segment.TypeBool {
			return l.V, true
		}
	}
	return nil, false
}

// likeTerm reads `x like "abc%…"`: the literal runes before the first
// wildcard are a prefix every match has.
func likeTerm(n *Like, s *segment.Schema) (IndexTerm, bool) {
	fi, ok := plainField(n.X, s)
	p, isStr := n.Pattern.(*StringLit)
	if !ok || !isStr || n.Not || s.Fields[fi].Type != segment.TypeVarChar {
		return IndexTerm{}, false
	}
	var prefix []rune
	for _, tok := range parseLike(p.V) {
		if tok.kind != 'l' {
			break
		}
		prefix = append(prefix, tok.r)
	}
	if len(prefix) == 0 {
		return IndexTerm{}, false
	}
	return IndexTerm{Field: fi, Kind: TermPrefix, Prefix: string(prefix)}, true
}

// containsTerms reads array_contains, _any and _all on an Array field.
func containsTerms(n *Call, s *segment.Schema) []IndexTerm {
	if len(n.Args) != 2 {
		return nil
	}
	fi, ok := plainField(n.Args[0], s)
	if !ok || s.Fields[fi].Type != segment.TypeArray {
		return nil
	}
	elem := s.Fields[fi].ElementType
	if elem == segment.TypeFloat || elem == segment.TypeDouble {
		return nil // elements are stored unrounded: no exact domain to look up
	}
	switch n.Name {
	case "array_contains":
		return one(inTerm(fi, elem, []Node{n.Args[1]}, TermContains))
	case "array_contains_any", "array_contains_all":
		l, isList := n.Args[1].(*ListLit)
		if !isList {
			return nil
		}
		if n.Name == "array_contains_any" {
			return one(inTerm(fi, elem, l.Elems, TermContains))
		}
		var out []IndexTerm
		for _, e := range l.Elems {
			t, ok := inTerm(fi, elem, []Node{e}, TermContains)
			if !ok {
				return nil
			}
			out = append(out, t)
		}
		return out
	}
	return nil
}
