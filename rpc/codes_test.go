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
