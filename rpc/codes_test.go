package rpc

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodesRoundTrip(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	cs := Codes{{"a", errA}, {"b", errB}}
	cases := []struct {
		in   error
		want error
		ok   bool
	}{
		{fmt.Errorf("wrapped: %w", errA), errA, true},
		{fmt.Errorf("both: %w %w", errB, errA), errA, true}, // first listed wins
		{errors.New("other"), nil, false},
	}
	for _, c := range cases {
		wire := cs.Encode(c.in)
		// What the client sees: the code and message, not the chain.
		var ce *codedError
		if errors.As(wire, &ce) {
			wire = &Error{Code: ce.code, Msg: ce.err.Error()}
		}
		out, ok := cs.Decode(wire)
		if ok != c.ok || (c.ok && !errors.Is(out, c.want)) {
			t.Errorf("%v: decoded %v (ok %v), want %v", c.in, out, ok, c.want)
		}
	}
	if cs.Encode(nil) != nil {
		t.Error("Encode(nil) != nil")
	}
}

// TestCodesDecodeKeepsMessage: a remote message that already starts with
// its sentinel's text is not prefixed again (issue 10: "duplicate primary
// key: duplicate primary key: 5").
func TestCodesDecodeKeepsMessage(t *testing.T) {
	dup := errors.New("duplicate primary key")
	cs := Codes{{"dup", dup}}
	cases := []struct{ msg, want string }{
		{"duplicate primary key: 5", "duplicate primary key: 5"},
		{"5 already exists", "duplicate primary key: 5 already exists"},
	}
	for _, c := range cases {
		out, ok := cs.Decode(&Error{Code: "dup", Msg: c.msg})
		if !ok || !errors.Is(out, dup) || out.Error() != c.want {
			t.Errorf("%q: decoded %q (is dup: %v), want %q", c.msg, out, errors.Is(out, dup), c.want)
		}
	}
}
