package expr

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// str lexes a single- or double-quoted string literal with backslash
// escapes: \" \' \\ \/ \n \t \r \b \f \0 \uXXXX (surrogate pairs combine) and
// \UXXXXXXXX. \% and \_ are kept verbatim (backslash included) so LIKE
// patterns can escape their wildcards.
func (l *lexer) str() token {
	start := l.pos
	q := l.src[start]
	var b strings.Builder
	i := start + 1
	for {
		if i >= len(l.src) {
			return l.fail(start, "unterminated string literal")
		}
		c := l.src[i]
		if c == q {
			l.pos = i + 1
			return token{kind: tString, pos: start, text: b.String()}
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		n, msg := l.escape(&b, i)
		if msg != "" {
			if i+1 >= len(l.src) {
				return l.fail(start, "unterminated string literal")
			}
			return l.fail(i, msg)
		}
		i += n
	}
}

var simpleEscapes = map[byte]string{'"': `"`, '\'': `'`, '\\': `\`, '/': `/`,
	'n': "\n", 't': "\t", 'r': "\r", 'b': "\b", 'f': "\f", '0': "\x00",
	'%': `\%`, '_': `\_`}

// escape decodes the escape sequence at src[i] (a backslash) into b and
// returns its length, or an error message.
func (l *lexer) escape(b *strings.Builder, i int) (int, string) {
	if i+1 >= len(l.src) {
		return 0, "unterminated string literal"
	}
	e := l.src[i+1]
	if s, ok := simpleEscapes[e]; ok {
		b.WriteString(s)
		return 2, ""
	}
	switch e {
	case 'u':
		r, ok := l.hex(i+2, 4)
		if !ok {
			return 0, `invalid \u escape`
		}
		if r >= 0xD800 && r < 0xDC00 { // high surrogate: needs a low one
			lo, ok := l.hex(i+8, 4)
			if !ok || l.src[i+6] != '\\' || l.src[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
				return 0, `invalid \u escape: unpaired surrogate`
			}
			b.WriteRune(0x10000 + (r-0xD800)<<10 + (lo - 0xDC00))
			return 12, ""
		}
		if r >= 0xDC00 && r <= 0xDFFF {
			return 0, `invalid \u escape: unpaired surrogate`
		}
		b.WriteRune(r)
		return 6, ""
	case 'U':
		r, ok := l.hex(i+2, 8)
		if !ok || !utf8.ValidRune(r) {
			return 0, `invalid \U escape`
		}
		b.WriteRune(r)
		return 10, ""
	}
	r, _ := utf8.DecodeRuneInString(l.src[i+1:])
	return 0, "invalid escape sequence \\" + strings.Trim(strconv.QuoteRune(r), "'")
}

// hex reads n hex digits at src[i].
func (l *lexer) hex(i, n int) (rune, bool) {
	if i < 0 || i+n > len(l.src) {
		return 0, false
	}
	v, err := strconv.ParseUint(l.src[i:i+n], 16, 32)
	if err != nil || strings.ContainsAny(l.src[i:i+n], "+-_") {
		return 0, false
	}
	return rune(v), true
}
