package expr

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

func str(n Node) string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *Ident) String() string       { return str(n) }
func (n *IntLit) String() string      { return str(n) }
func (n *FloatLit) String() string    { return str(n) }
func (n *StringLit) String() string   { return str(n) }
func (n *BoolLit) String() string     { return str(n) }
func (n *ListLit) String() string     { return str(n) }
func (n *Placeholder) String() string { return str(n) }
func (n *Index) String() string       { return str(n) }
func (n *Call) String() string        { return str(n) }
func (n *Unary) String() string       { return str(n) }
func (n *Binary) String() string      { return str(n) }
func (n *Range) String() string       { return str(n) }
func (n *In) String() string          { return str(n) }
func (n *Like) String() string        { return str(n) }
func (n *IsNull) String() string      { return str(n) }
func (n *Exists) String() string      { return str(n) }

// sub writes n, parenthesized if it binds looser than min.
func sub(b *strings.Builder, n Node, min int) {
	if n.prec() < min {
		b.WriteByte('(')
		n.write(b)
		b.WriteByte(')')
		return
	}
	n.write(b)
}

func (n *Ident) write(b *strings.Builder)  { b.WriteString(n.Name) }
func (n *IntLit) write(b *strings.Builder) { b.WriteString(strconv.FormatInt(n.V, 10)) }

func (n *FloatLit) write(b *strings.Builder) { b.WriteString(formatFloat(n.V)) }

// formatFloat prints v so that it lexes back as the same float literal.
func formatFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return s
	}
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func (n *StringLit) write(b *strings.Builder) { quote(b, n.V) }

// quote writes s as a double-quoted literal the lexer reads back unchanged.
// Bytes that are not valid UTF-8 are written raw.
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(s[i])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		case r < 0x10000:
			b.WriteString(`\u`)
			writeHex(b, uint32(r), 4)
		default:
			b.WriteString(`\U`)
			writeHex(b, uint32(r), 8)
		}
		i += size
	}
	b.WriteByte('"')
}

func writeHex(b *strings.Builder, v uint32, digits int) {
	const hex = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		b.WriteByte(hex[(v>>(4*uint(i)))&0xf])
	}
}

func (n *BoolLit) write(b *strings.Builder) { b.WriteString(strconv.FormatBool(n.V)) }

func (n *ListLit) write(b *strings.Builder) {
	b.WriteByte('[')
	writeList(b, n.Elems)
	b.WriteByte(']')
}

func writeList(b *strings.Builder, ns []Node) {
	for i, e := range ns {
		if i > 0 {
			b.WriteString(", ")
		}
		e.write(b)
	}
}

func (n *Placeholder) write(b *strings.Builder) {
	b.WriteByte('{')
	b.WriteString(n.Name)
	b.WriteByte('}')
}

func (n *Index) write(b *strings.Builder) {
	sub(b, n.X, precAtom)
	b.WriteByte('[')
	n.Key.write(b)
	b.WriteByte(']')
}

func (n *Call) write(b *strings.Builder) {
	b.WriteString(n.Name)
	b.WriteByte('(')
	writeList(b, n.Args)
	b.WriteByte(')')
}

func (n *Unary) write(b *strings.Builder) {
	if n.Op == OpNot {
		b.WriteString("not ")
		sub(b, n.X, precNot)
		return
	}
	b.WriteString(n.Op.String())
	sub(b, n.X, precPow)
}

func (n *Binary) write(b *strings.Builder) {
	p := n.prec()
	lmin, rmin := p, p+1 // left-associative
	switch {
	case p == precCmp:
		lmin = p + 1
	case n.Op == OpPow:
		lmin, rmin = p+1, precUnary
	}
	sub(b, n.L, lmin)
	b.WriteByte(' ')
	b.WriteString(n.Op.String())
	b.WriteByte(' ')
	sub(b, n.R, rmin)
}

func (n *Range) write(b *strings.Builder) {
	sub(b, n.Lo, precAdd)
	b.WriteString(" " + n.LoOp.String() + " ")
	sub(b, n.X, precAdd)
	b.WriteString(" " + n.HiOp.String() + " ")
	sub(b, n.Hi, precAdd)
}

func (n *In) write(b *strings.Builder) {
	sub(b, n.X, precAdd)
	if n.Not {
		b.WriteString(" not in ")
	} else {
		b.WriteString(" in ")
	}
	sub(b, n.List, precAdd)
}

func (n *Like) write(b *strings.Builder) {
	sub(b, n.X, precAdd)
	if n.Not {
		b.WriteString(" not like ")
	} else {
		b.WriteString(" like ")
	}
	sub(b, n.Pattern, precAdd)
}

func (n *IsNull) write(b *strings.Builder) {
	sub(b, n.X, precAdd)
	if n.Not {
		b.WriteString(" is not null")
	} else {
		b.WriteString(" is null")
	}
}

func (n *Exists) write(b *strings.Builder) {
	b.WriteString("exists ")
	sub(b, n.X, precAtom)
}
