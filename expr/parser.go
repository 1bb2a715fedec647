package expr

import (
	"math"
	"strings"
)

// maxDepth bounds parser recursion so hostile input cannot exhaust the stack.
const maxDepth = 600

type parser struct {
	src   string
	lx    lexer
	buf   []token
	depth int
}

// Parse parses a filter expression into its AST. Placeholders stay as
// *Placeholder nodes; names are not resolved. Errors are *Error.
func Parse(src string) (Node, error) {
	p := &parser{src: src, lx: lexer{src: src}}
	if p.peek().kind == tEOF {
		return nil, errAt(src, 0, "empty expression")
	}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, "end of expression")
	}
	return n, nil
}

func (p *parser) peekAt(i int) token {
	for len(p.buf) <= i {
		p.buf = append(p.buf, p.lx.next())
	}
	return p.buf[i]
}

func (p *parser) peek() token { return p.peekAt(0) }

func (p *parser) advance() token {
	t := p.peek()
	p.buf = p.buf[1:]
	return t
}

// kw reports whether t is the keyword k (case-insensitive).
func (t token) kw(k string) bool { return t.kind == tIdent && strings.EqualFold(t.text, k) }

var keywords = []string{"and", "or", "not", "in", "like", "is", "null", "exists", "true", "false"}

func isKeyword(s string) bool {
	for _, k := range keywords {
		if strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return errAt(p.src, pos, format, args...)
}

// unexpected reports t where want was expected.
func (p *parser) unexpected(t token, want string) error {
	switch t.kind {
	case tErr:
		return p.errAt(t.pos, "%s", t.text)
	case tEOF:
		return p.errAt(t.pos, "expected %s", want)
	}
	return p.errAt(t.pos, "unexpected %q, expected %s", p.src[t.pos:t.end], want)
}

func (p *parser) expect(k tokKind, want string) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, p.unexpected(t, want)
	}
	return p.advance(), nil
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(pos, "expression nested too deeply")
	}
	return nil
}

func (p *parser) expr() (Node, error) { return p.or() }

func (p *parser) or() (Node, error) {
	l, err := p.and()
	for err == nil && (p.peek().kind == tOrOr || p.peek().kw("or")) {
		op := p.advance()
		var r Node
		if r, err = p.and(); err == nil {
			l = &Binary{Op: OpOr, OpPos: op.pos, L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) and() (Node, error) {
	l, err := p.not()
	for err == nil && (p.peek().kind == tAndAnd || p.peek().kw("and")) {
		op := p.advance()
		var r Node
		if r, err = p.not(); err == nil {
			l = &Binary{Op: OpAnd, OpPos: op.pos, L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) not() (Node, error) {
	t := p.peek()
	if t.kind != tBang && !t.kw("not") {
		return p.comparison()
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.advance()
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	return &Unary{P: t.pos, Op: OpNot, X: x}, nil
}

var addOps = map[tokKind]Op{tPlus: OpAdd, tMinus: OpSub}
var mulOps = map[tokKind]Op{tStar: OpMul, tSlash: OpDiv, tPercent: OpMod}

func (p *parser) additive() (Node, error) { return p.leftAssoc(addOps, p.multiplicative) }

func (p *parser) multiplicative() (Node, error) { return p.leftAssoc(mulOps, p.unary) }

func (p *parser) leftAssoc(ops map[tokKind]Op, next func() (Node, error)) (Node, error) {
	l, err := next()
	for err == nil {
		t := p.peek()
		op, ok := ops[t.kind]
		if !ok {
			break
		}
		p.advance()
		var r Node
		if r, err = next(); err == nil {
			l = &Binary{Op: op, OpPos: t.pos, L: l, R: r}
		}
	}
	return l, err
}

func (p *parser) unary() (Node, error) {
	t := p.peek()
	if t.kind != tMinus && t.kind != tPlus {
		return p.power()
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.advance()
	if n := p.peek(); t.kind == tMinus && n.kind == tInt && n.u == 1<<63 && !p.postfixAt(1) {
		p.advance()
		return &IntLit{P: t.pos, V: math.MinInt64}, nil
	}
	x, err := p.unary()
	if err != nil || t.kind == tPlus {
		return x, err
	}
	return negate(p.src, t.pos, x)
}

// postfixAt reports whether the token at i would extend an operand (** or [).
func (p *parser) postfixAt(i int) bool {
	k := p.peekAt(i).kind
	return k == tPow || k == tLBrack
}

// negate folds a minus into a numeric literal, else wraps x in a Unary.
func negate(src string, pos int, x Node) (Node, error) {
	switch v := x.(type) {
	case *IntLit:
		if v.V == math.MinInt64 {
			return nil, errAt(src, pos, "integer literal out of range")
		}
		return &IntLit{P: pos, V: -v.V}, nil
	case *FloatLit:
		return &FloatLit{P: pos, V: -v.V}, nil
	}
	return &Unary{P: pos, Op: OpNeg, X: x}, nil
}

func (p *parser) power() (Node, error) {
	x, err := p.postfix()
	if err != nil || p.peek().kind != tPow {
		return x, err
	}
	op := p.advance()
	y, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &Binary{Op: OpPow, OpPos: op.pos, L: x, R: y}, nil
}

func (p *parser) postfix() (Node, error) {
	x, err := p.primary()
	for err == nil && p.peek().kind == tLBrack {
		lb := p.advance()
		var key Node
		if key, err = p.expr(); err != nil {
			break
		}
		if _, err = p.expect(tRBrack, `"]"`); err == nil {
			x = &Index{X: x, Key: key, LBrack: lb.pos}
		}
	}
	return x, err
}
