package expr

import (
	"strings"
	"unicode/utf8"
)

// likeTok is one pattern element: a literal rune, _ (any one rune) or %
// (any run of runes).
type likeTok struct {
	r    rune
	kind byte // 'l' literal, '_' one, '%' many
}

// parseLike splits a LIKE pattern into tokens. \% \_ and \\ are literal.
func parseLike(p string) []likeTok {
	var out []likeTok
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		switch {
		case r == '\\' && i < len(p) && (p[i] == '%' || p[i] == '_' || p[i] == '\\'):
			out = append(out, likeTok{r: rune(p[i]), kind: 'l'})
			i++
		case r == '%':
			if len(out) == 0 || out[len(out)-1].kind != '%' {
				out = append(out, likeTok{kind: '%'})
			}
		case r == '_':
			out = append(out, likeTok{kind: '_'})
		default:
			out = append(out, likeTok{r: r, kind: 'l'})
		}
	}
	return out
}

// compileLike returns a matcher for a LIKE pattern, using plain string
// functions for the exact, prefix, suffix and infix forms.
func compileLike(pattern string) func(string) bool {
	toks := parseLike(pattern)
	lead := len(toks) > 0 && toks[0].kind == '%'
	trail := len(toks) > 1 && toks[len(toks)-1].kind == '%'
	mid := toks
	if lead {
		mid = mid[1:]
	}
	if trail {
		mid = mid[:len(mid)-1]
	}
	lit, plain := literal(mid)
	switch {
	case !plain:
		return func(s string) bool { return likeMatch(toks, s) }
	case lead && trail, lead && lit == "":
		return func(s string) bool { return strings.Contains(s, lit) }
	case lead:
		return func(s string) bool { return strings.HasSuffix(s, lit) }
	case trail:
		return func(s string) bool { return strings.HasPrefix(s, lit) }
	}
	return func(s string) bool { return s == lit }
}

// literal joins toks if they are all literal runes.
func literal(toks []likeTok) (string, bool) {
	var b strings.Builder
	for _, t := range toks {
		if t.kind != 'l' {
			return "", false
		}
		b.WriteRune(t.r)
	}
	return b.String(), true
}

// likeMatch is a backtracking wildcard match over runes; O(len(s)*len(p)).
func likeMatch(p []likeTok, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		if pi < len(p) && (p[pi].kind == '_' || (p[pi].kind == 'l' && p[pi].r == r)) {
			pi++
			si += size
			continue
		}
		if pi < len(p) && p[pi].kind == '%' {
			starP, starS = pi, si
			pi++
			continue
		}
		if starP < 0 {
			return false
		}
		_, size = utf8.DecodeRuneInString(s[starS:])
		starS += size
		pi, si = starP+1, starS
	}
	for pi < len(p) && p[pi].kind == '%' {
		pi++
	}
	return pi == len(p)
}
