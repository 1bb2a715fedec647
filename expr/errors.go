package expr

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every error Parse and Compile return.
var ErrInvalid = errors.New("invalid filter expression")

// Error is a parse, substitution or type error. Pos is the 0-based byte
// offset in the source; Near is a short excerpt of the source at Pos ("" at
// the end of the input).
type Error struct {
	Pos  int
	Msg  string
	Near string
}

// nearLen is the longest excerpt (in bytes) an Error quotes.
const nearLen = 20

// Error formats the error with its position and an excerpt of the source.
func (e *Error) Error() string {
	if e.Near == "" {
		return fmt.Sprintf("filter error at position %d: %s (at end of input)", e.Pos, e.Msg)
	}
	return fmt.Sprintf("filter error at position %d: %s (near %q)", e.Pos, e.Msg, e.Near)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

// errAt builds an *Error at pos in src.
func errAt(src string, pos int, format string, args ...any) *Error {
	if pos < 0 {
		pos = 0
	}
	if pos > len(src) {
		pos = len(src)
	}
	near := src[pos:]
	if len(near) > nearLen {
		cut := nearLen
		for cut > 0 && !utf8.RuneStart(near[cut]) {
			cut--
		}
		near = near[:cut] + "..."
	}
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Near: near}
}
