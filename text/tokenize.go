package text

import (
	"unicode"
	"unicode/utf8"
)

// asciiTable says, for each ASCII byte, whether a tokenizer keeps it.
type asciiTable [utf8.RuneSelf]bool

// asciiWord marks the ASCII bytes the standard tokenizer keeps: [0-9A-Za-z].
var asciiWord = func() (t asciiTable) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	return t
}()

// asciiNonSpace marks the ASCII bytes the whitespace tokenizer keeps.
var asciiNonSpace = func() (t asciiTable) {
	for c := range t {
		t[c] = !unicode.IsSpace(rune(c))
	}
	return t
}()

// isWordRune reports whether a non-ASCII rune belongs in a standard token:
// Rust's char::is_alphanumeric (Alphabetic or Numeric), i.e. a letter, a
// number or an Other_Alphabetic mark.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Other_Alphabetic, r)
}

func isNonSpace(r rune) bool { return !unicode.IsSpace(r) }

// tokenize calls emit with every token the tokenizer cuts from s, in order.
// Tokens are substrings of s.
func tokenize(kind tokenizerKind, s string, emit func(string)) {
	if kind == whitespaceTokenizer {
		splitRuns(s, &asciiNonSpace, isNonSpace, emit)
		return
	}
	splitRuns(s, &asciiWord, isWordRune, emit)
}

// splitRuns calls emit with every maximal run of s's runes that are kept:
// ASCII bytes as ascii says, other runes as keep says. An invalid UTF-8
// byte is passed to keep as utf8.RuneError but kept or dropped as the
// single byte it is.
func splitRuns(s string, ascii *asciiTable, keep func(rune) bool, emit func(string)) {
	start := -1
	for i := 0; i < len(s); {
		at, kept := i, false
		if c := s[i]; c < utf8.RuneSelf {
			kept = ascii[c]
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			kept = keep(r)
			i += size
		}
		switch {
		case kept && start < 0:
			start = at
		case !kept && start >= 0:
			emit(s[start:at])
			start = -1
		}
	}
	if start >= 0 {
		emit(s[start:])
	}
}
