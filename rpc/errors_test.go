package rpc

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRemoteCodedErrors(t *testing.T) {
	p := newPair(t)
	errNotLeader := &Error{Code: "not_leader"}
	call := func(a FailArgs) error {
		var reply Payload
		return p.cli.Call(ctxT(t, 5*time.Second), p.addr, "Test.Fail", &a, &reply)
	}
	err := call(FailArgs{Code: "not_leader", Msg: "node 2 is follower"})
	if !errors.Is(err, errNotLeader) || errors.Is(err, &Error{Code: "other"}) {
		t.Fatalf("coded error: %v", err)
	}
	if msg, ok := RemoteError(err); !ok || msg != "node 2 is follower" {
		t.Fatalf("RemoteError = %q, %v", msg, ok)
	}
	expectClass(t, err, false)
	if errors.Is(err, ErrNoReply) || errors.Is(err, ErrUnreachable) {
		t.Fatalf("remote error wraps a transport sentinel: %v", err)
	}

	err = call(FailArgs{Code: "dup", Msg: "key 5", Wrap: true})
	var re *Error
	if !errors.As(err, &re) || re.Code != "dup" || re.Msg != "while testing: key 5" {
		t.Fatalf("wrapped coded error: %#v (%v)", re, err)
	}

	err = call(FailArgs{Msg: "plain failure"})
	if !errors.As(err, &re) || re.Code != "" || re.Msg != "plain failure" || errors.Is(err, &Error{}) {
		t.Fatalf("plain error: %#v (%v)", re, err)
	}
}

func TestCodedLocally(t *testing.T) {
	base := errors.New("base")
	err := Coded("c1", base)
	if !errors.Is(err, base) || !errors.Is(err, &Error{Code: "c1"}) || errors.Is(err, &Error{Code: "c2"}) {
		t.Fatalf("Coded: Is broken for %q", err)
	}
	if Coded("c", nil) != nil {
		t.Fatal("Coded(nil) != nil")
	}
	if got := parseRemote("E" + fmt.Errorf("x: %w", Coded("a\x00b", base)).Error()); !errors.Is(got, &Error{Code: "ab"}) {
		t.Fatalf("parse: %#v", got)
	}
	if got := parseRemote("Rrpc: can't find service"); !errors.Is(got, ErrRejected) || !NotRun(got) {
		t.Fatalf("parse rejected: %v", got)
	}
	if NotRun(nil) || NotRun(fmt.Errorf("w: %w", ErrNoReply)) || !NotRun(ErrUnreachable) {
		t.Fatal("NotRun")
	}
}

func TestRejectedRequests(t *testing.T) {
	p := newPair(t)
	var reply Payload
	for _, tc := range []struct {
		method string
		args   any
	}{
		{"Test.Nope", &Payload{}},
		{"Nope.Echo", &Payload{}},
		{"NoDot", &Payload{}},
		{"Test.Echo", &SlowArgs{Hold: time.Second}}, // no field in common: gob refuses
	} {
		err := p.cli.Call(ctxT(t, 5*time.Second), p.addr, tc.method, tc.args, &reply)
		expectClass(t, err, true, ErrRejected)
	}
	mustEcho(t, p.cli, p.addr, 1) // the conn survived
}
