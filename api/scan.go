package api

import (
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// scanner walks a JSON document in place, without building values. It is
// the engine of the insert fast path (fastwrite.go): every method validates
// exactly what it consumes and reports false on anything it does not
// accept, and the caller then falls back to encoding/json, which produces
// the canonical error. A scanner never accepts text encoding/json rejects.
type scanner struct {
	b []byte
	i int
}

// ws skips whitespace and returns the next byte (0 at the end).
func (s *scanner) ws() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// eat consumes c after whitespace.
func (s *scanner) eat(c byte) bool {
	if s.ws() != c {
		return false
	}
	s.i++
	return true
}

// more reads the separator after a member or element: true after ',',
// false after the closing byte; ok is false on anything else.
func (s *scanner) more(closing byte) (more, ok bool) {
	switch s.ws() {
	case ',':
		s.i++
		return true, true
	case closing:
		s.i++
		return false, true
	}
	return false, false
}

// simpleString reads a string literal without escapes and returns its
// contents (a slice of the input). ok is false for escapes, control
// characters or an unterminated string: the caller falls back.
func (s *scanner) simpleString() ([]byte, bool) {
	if s.ws() != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			// The body passed checkText, so multi-byte runes are valid
			// and encoding/json keeps them unchanged.
		}
	}
	return nil, false
}

// number reads a JSON number literal (RFC 8259 grammar) and returns its
// text.
func (s *scanner) number() ([]byte, bool) {
	s.ws()
	start, j := s.i, s.i
	b := s.b
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		j = digits(b, j)
	default:
		return nil, false
	}
	if j < len(b) && b[j] == '.' {
		if k := digits(b, j+1); k > j+1 {
			j = k
		} else {
			return nil, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := digits(b, j)
		if k == j {
			return nil, false
		}
		j = k
	}
	s.i = j
	return b[start:j], true
}

func digits(b []byte, j int) int {
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	return j
}

// word reads true, false or null.
func (s *scanner) word(w string) bool {
	s.ws()
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// maxDepth stays below encoding/json's nesting limit (10000) by more than
// the depth at which the fast path starts skipping (a row value is at 3),
// so the scanner never accepts what encoding/json refuses as too deep.
const maxDepth = 10000 - 8

// skip consumes one value of any kind, validating it, and returns its
// text. Strings may hold escapes here: they are checked, not decoded.
func (s *scanner) skip() ([]byte, bool) { return s.skipDepth(0) }

func (s *scanner) skipDepth(depth int) ([]byte, bool) {
	if depth >= maxDepth {
		return nil, false
	}
	start := s.i
	switch s.ws() {
	case '{':
		s.i++
		if s.eat('}') {
			return s.b[start:s.i], true
		}
		for {
			if !s.skipString() || !s.eat(':') {
				return nil, false
			}
			if _, ok := s.skipDepth(depth + 1); !ok {
				return nil, false
			}
			more, ok := s.more('}')
			if !ok {
				return nil, false
			}
			if !more {
				return s.b[start:s.i], true
			}
		}
	case '[':
		s.i++
		if s.eat(']') {
			return s.b[start:s.i], true
		}
		for {
			if _, ok := s.skipDepth(depth + 1); !ok {
				return nil, false
			}
			more, ok := s.more(']')
			if !ok {
				return nil, false
			}
			if !more {
				return s.b[start:s.i], true
			}
		}
	case '"':
		if !s.skipString() {
			return nil, false
		}
	case 't':
		if !s.word("true") {
			return nil, false
		}
	case 'f':
		if !s.word("false") {
			return nil, false
		}
	case 'n':
		if !s.word("null") {
			return nil, false
		}
	default:
		if _, ok := s.number(); !ok {
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

// skipString consumes a string literal, escapes included, validating the
// escapes.
func (s *scanner) skipString() bool {
	if s.ws() != '"' {
		return false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(s.b) {
				return false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := hex4(s.b, j+1); !ok {
					return false
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat parses a JSON number literal (validated by number) exactly as
// strconv.ParseFloat(s, 64) does. Literals with at most 15 significant
// digits and a small exponent, which is what clients send for float32
// vectors, take Clinger's exact fast path: the mantissa and the power of
// ten are both exact in float64, so one IEEE division or multiplication
// rounds correctly. Everything else goes to strconv.
func parseFloat(num []byte) (float64, error) {
	i, neg := 0, false
	if num[0] == '-' {
		i, neg = 1, true
	}
	var mant uint64
	digits, exp := 0, 0
	for ; i < len(num) && num[i] >= '0' && num[i] <= '9'; i++ {
		mant = mant*10 + uint64(num[i]-'0')
		if mant != 0 {
			digits++
		}
	}
	if i < len(num) && num[i] == '.' {
		for i++; i < len(num) && num[i] >= '0' && num[i] <= '9'; i++ {
			mant = mant*10 + uint64(num[i]-'0')
			exp--
			if mant != 0 {
				digits++
			}
		}
	}
	if i != len(num) || digits > 15 || exp < -len(pow10)+1 {
		return strconv.ParseFloat(unsafe.String(&num[0], len(num)), 64)
	}
	f := float64(mant) / pow10[-exp]
	if neg {
		f = -f
	}
	return f, nil
}
