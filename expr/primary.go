package expr

import (
	"math"
	"strings"
)

// functions maps the lower-case name of each supported function to its
// number of arguments.
var functions = map[string]int{
	"json_contains": 2, "json_contains_all": 2, "json_contains_any": 2,
	"array_contains": 2, "array_contains_all": 2, "array_contains_any": 2,
	"array_length": 1, "text_match": 2,
}

func (p *parser) primary() (Node, error) {
	t := p.peek()
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch t.kind {
	case tInt:
		p.advance()
		if t.u > math.MaxInt64 {
			return nil, p.errAt(t.pos, "integer literal out of range")
		}
		return &IntLit{P: t.pos, V: int64(t.u)}, nil
	case tFloat:
		p.advance()
		return &FloatLit{P: t.pos, V: t.f}, nil
	case tString:
		p.advance()
		return &StringLit{P: t.pos, V: t.text}, nil
	case tPlaceholder:
		p.advance()
		return &Placeholder{P: t.pos, Name: t.text}, nil
	case tLParen:
		p.advance()
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(tRParen, `")"`)
		return x, err
	case tLBrack:
		return p.list()
	case tIdent:
		return p.ident()
	}
	return nil, p.unexpected(t, "an expression")
}

// list parses [e, e, ...] with an optional trailing comma.
func (p *parser) list() (Node, error) {
	lb := p.advance()
	l := &ListLit{P: lb.pos}
	for p.peek().kind != tRBrack {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		l.Elems = append(l.Elems, e)
		if p.peek().kind != tComma {
			break
		}
		p.advance()
	}
	if _, err := p.expect(tRBrack, `"," or "]"`); err != nil {
		return nil, err
	}
	return l, nil
}

func (p *parser) ident() (Node, error) {
	t := p.advance()
	switch {
	case t.kw("true"), t.kw("false"):
		return &BoolLit{P: t.pos, V: t.kw("true")}, nil
	case t.kw("exists"):
		x, err := p.postfix()
		if err != nil {
			return nil, err
		}
		return &Exists{P: t.pos, X: x}, nil
	case isKeyword(t.text):
		return nil, p.errAt(t.pos, "unexpected keyword %q, expected an expression", t.text)
	case p.peek().kind == tLParen:
		return p.call(t)
	}
	return &Ident{P: t.pos, Name: t.text}, nil
}

func (p *parser) call(name token) (Node, error) {
	fn := strings.ToLower(name.text)
	arity, ok := functions[fn]
	if !ok {
		return nil, p.errAt(name.pos, "unknown function %q", name.text)
	}
	p.advance() // (
	c := &Call{P: name.pos, Name: fn}
	for p.peek().kind != tRParen {
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		if p.peek().kind != tComma {
			break
		}
		p.advance()
	}
	_, err := p.expect(tRParen, `"," or ")"`)
	if err != nil {
		return nil, err
	}
	if len(c.Args) != arity {
		return nil, p.errAt(name.pos, "%s takes %d argument(s), got %d", fn, arity, len(c.Args))
	}
	return c, nil
}
