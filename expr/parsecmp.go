package expr

var cmpOps = map[tokKind]Op{tEq: OpEq, tNe: OpNe, tLt: OpLt, tLe: OpLe, tGt: OpGt, tGe: OpGe}

// comparison parses the non-associative level: a single comparison, a
// two-operator range, in / not in, like / not like, is [not] null.
func (p *parser) comparison() (Node, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if op, ok := cmpOps[t.kind]; ok {
		return p.compareRest(l, op, t.pos)
	}
	negated := false
	if t.kw("not") && (p.peekAt(1).kw("in") || p.peekAt(1).kw("like")) {
		negated = true
		p.advance()
		t = p.peek()
	}
	switch {
	case t.kw("in"), t.kw("like"):
		p.advance()
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		if t.kw("in") {
			return &In{X: l, Not: negated, List: r, OpPos: t.pos}, nil
		}
		return &Like{X: l, Not: negated, Pattern: r, OpPos: t.pos}, nil
	case t.kw("is"):
		return p.isNull(l)
	}
	return l, nil
}

func (p *parser) isNull(x Node) (Node, error) {
	is := p.advance()
	not := p.peek().kw("not")
	if not {
		p.advance()
	}
	if t := p.peek(); !t.kw("null") {
		return nil, p.unexpected(t, `"null"`)
	}
	p.advance()
	return &IsNull{X: x, Not: not, OpPos: is.pos}, nil
}

func (p *parser) compareRest(l Node, op Op, opPos int) (Node, error) {
	p.advance()
	r, err := p.additive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	op2, ok := cmpOps[t.kind]
	if !ok {
		return &Binary{Op: op, OpPos: opPos, L: l, R: r}, nil
	}
	if dir(op) == 0 || dir(op) != dir(op2) {
		return nil, p.errAt(t.pos, "comparisons cannot be chained except as a range (lo < x < hi or hi > x > lo)")
	}
	p.advance()
	hi, err := p.additive()
	if err != nil {
		return nil, err
	}
	return &Range{Lo: l, LoOp: op, X: r, HiOp: op2, Hi: hi, LoOpPos: opPos, HiOpPos: t.pos}, nil
}

// dir is 1 for < and <=, -1 for > and >=, 0 otherwise.
func dir(op Op) int {
	switch op {
	case OpLt, OpLe:
		return 1
	case OpGt, OpGe:
		return -1
	}
	return 0
}
