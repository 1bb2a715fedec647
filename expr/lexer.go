package expr

import (
	"math"
	"strconv"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tErr
	tIdent
	tInt
	tFloat
	tString
	tPlaceholder
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tPow
	tBang
	tAndAnd
	tOrOr
)

// token is one lexeme. text holds the identifier, the unescaped string, the
// placeholder name or (for tErr) the error message.
type token struct {
	kind     tokKind
	pos, end int
	text     string
	u        uint64
	f        float64
}

type lexer struct {
	src string
	pos int
	err *token // sticky error or EOF
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }

// next returns the next token; after an error or EOF it keeps returning it.
func (l *lexer) next() token {
	if l.err != nil {
		return *l.err
	}
	for l.pos < len(l.src) && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t' || l.src[l.pos] == '\n' || l.src[l.pos] == '\r') {
		l.pos++
	}
	t := l.scan()
	t.end = l.pos
	if t.kind == tErr || t.kind == tEOF {
		l.err = &t
	}
	return t
}

func (l *lexer) fail(pos int, msg string) token {
	return token{kind: tErr, pos: pos, text: msg}
}

func (l *lexer) scan() token {
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start}
	}
	c := l.src[start]
	switch {
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tIdent, pos: start, text: l.src[start:l.pos]}
	case isDigit(c) || (c == '.' && start+1 < len(l.src) && isDigit(l.src[start+1])):
		return l.number()
	case c == '"' || c == '\'':
		return l.str()
	case c == '{':
		return l.placeholder()
	}
	return l.operator()
}

var singleOps = map[byte]tokKind{'(': tLParen, ')': tRParen, '[': tLBrack, ']': tRBrack,
	',': tComma, '+': tPlus, '-': tMinus, '/': tSlash, '%': tPercent}

// twoOps maps a first byte to (kind alone, second byte, kind of the pair).
var twoOps = map[byte]struct {
	one    tokKind
	second byte
	two    tokKind
}{'=': {tErr, '=', tEq}, '!': {tBang, '=', tNe}, '<': {tLt, '=', tLe}, '>': {tGt, '=', tGe},
	'*': {tStar, '*', tPow}, '&': {tErr, '&', tAndAnd}, '|': {tErr, '|', tOrOr}}

func (l *lexer) operator() token {
	start := l.pos
	c := l.src[start]
	if k, ok := singleOps[c]; ok {
		l.pos++
		return token{kind: k, pos: start}
	}
	if op, ok := twoOps[c]; ok {
		if start+1 < len(l.src) && l.src[start+1] == op.second {
			l.pos += 2
			return token{kind: op.two, pos: start}
		}
		if op.one != tErr {
			l.pos++
			return token{kind: op.one, pos: start}
		}
		if c == '=' {
			return l.fail(start, `unexpected "=" (use "==" to compare)`)
		}
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	return l.fail(start, "unexpected character "+strconv.QuoteRune(r))
}

func (l *lexer) placeholder() token {
	start := l.pos
	i := start + 1
	for i < len(l.src) && isIdentChar(l.src[i]) && l.src[i] != '$' {
		i++
	}
	if i == start+1 || i >= len(l.src) || l.src[i] != '}' || isDigit(l.src[start+1]) {
		return l.fail(start, "invalid placeholder: expected {name}")
	}
	l.pos = i + 1
	return token{kind: tPlaceholder, pos: start, text: l.src[start+1 : i]}
}

func (l *lexer) number() token {
	start := l.pos
	src := l.src
	if src[start] == '0' && start+1 < len(src) {
		switch src[start+1] | 0x20 {
		case 'x':
			return l.based(16)
		case 'o':
			return l.based(8)
		case 'b':
			return l.based(2)
		}
	}
	isFloat := false
	l.digits()
	if l.pos < len(src) && src[l.pos] == '.' {
		isFloat = true
		l.pos++
		l.digits()
	}
	if l.pos < len(src) && src[l.pos]|0x20 == 'e' {
		j := l.pos + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			isFloat = true
			l.pos = j
			l.digits()
		}
	}
	if l.pos < len(src) && (isIdentChar(src[l.pos]) || src[l.pos] == '.') {
		return l.fail(start, "invalid number literal")
	}
	text := src[start:l.pos]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if math.IsInf(f, 0) || (err != nil && f == 0 && !isRangeErr(err)) {
			return l.fail(start, "float literal out of range")
		}
		return token{kind: tFloat, pos: start, f: f}
	}
	base := 10
	if len(text) > 1 && text[0] == '0' {
		base, text = 8, text[1:]
	}
	return l.intToken(start, text, base)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (l *lexer) digits() {
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
}

// based lexes 0x.., 0o.. or 0b.. literals.
func (l *lexer) based(base int) token {
	start := l.pos
	l.pos += 2
	for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
		l.pos++
	}
	return l.intToken(start, l.src[start+2:l.pos], base)
}

func (l *lexer) intToken(start int, digits string, base int) token {
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if isRangeErr(err) {
			return l.fail(start, "integer literal out of range")
		}
		return l.fail(start, "invalid integer literal")
	}
	return token{kind: tInt, pos: start, u: u}
}
