package expr

import (
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/text"
)

// textMatch compiles text_match(field, 'query'): true for rows whose text,
// analyzed with the field's analyzer, has at least one of the query's
// tokens (Milvus's OR semantics). The field must be a VarChar with
// enable_match.
func (c *compiler) textMatch(n *Call) (operand, error) {
	id, ok := n.Args[0].(*Ident)
	fi := -1
	if ok {
		fi = c.schema.FieldIndex(id.Name)
	}
	if fi < 0 || c.field(fi).Type != segment.TypeVarChar || !c.field(fi).EnableMatch {
		return operand{}, c.errAt(n.Args[0].Pos(), "text_match needs a VarChar field with enable_match, found %s", n.Args[0])
	}
	q, err := c.compile(n.Args[1])
	if err != nil {
		return operand{}, err
	}
	if q.cst == nil || q.cst.k != kStr {
		return operand{}, c.errAt(n.Args[1].Pos(), "text_match needs a string literal, found %s", n.Args[1])
	}
	a, err := text.FromJSON(c.field(fi).AnalyzerParams)
	if err != nil {
		return operand{}, c.errAt(n.Args[0].Pos(), "field %q: %v", id.Name, err)
	}
	want := map[string]bool{}
	for _, t := range a.Tokens(nil, q.cst.s) {
		want[t] = true
	}
	c.used[fi] = true
	return operand{t: tyBool, pos: n.P, desc: "boolean expression",
		fn: func(r segment.RowReader, row int) val {
			s, _ := r.Value(fi, row).(string)
			for _, t := range a.Tokens(nil, s) {
				if want[t] {
					return boolV(true)
				}
			}
			return falseV
		}}, nil
}
