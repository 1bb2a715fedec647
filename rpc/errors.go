package rpc

import (
	"errors"
	"strings"
)

// Transport outcomes. Every error returned by Client.Call falls in exactly one
// of four classes (see doc.go for the precise rules):
//
//   - a remote application error (*Error, see RemoteError): the method ran and
//     returned that error;
//   - an error wrapping ErrNoReply: the request was fully handed to the
//     kernel and no reply came back: the method may or may not have run;
//   - ErrUnreachable, ErrRejected, ErrClosed, a context error or a local
//     encoding error: the method definitely did not run.
var (
	// ErrUnreachable: no usable connection to the peer (dial, handshake or
	// fault-table failure) or the connection broke before the whole request
	// was written. The call definitely did not run.
	ErrUnreachable = errors.New("peer unreachable")
	// ErrNoReply: the whole request was written but no reply was received
	// (ctx done, connection lost, reply undecodable). The call may have run.
	ErrNoReply = errors.New("no reply from peer")
	// ErrRejected: the peer read the request but refused it before calling
	// the method (unknown service/method, undecodable arguments). The call
	// definitely did not run.
	ErrRejected = errors.New("request rejected by peer")
	// ErrClosed: the Client or Server is closed.
	ErrClosed = errors.New("rpc: closed")
)

// Error is an application error returned by a remote method. Code is the
// code given to Coded on the server ("" for a plain error); Msg is the remote
// error's message. errors.Is(err, &Error{Code: c}) matches any *Error with
// code c, so callers declare their own well-known codes.
type Error struct {
	Code string
	Msg  string
}

// Error returns the remote message verbatim.
func (e *Error) Error() string { return e.Msg }

// Is matches a target *Error with the same non-empty Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != "" && t.Code == e.Code
}

// RemoteError reports whether err carries an application error returned by
// the remote method, and its message.
func RemoteError(err error) (msg string, ok bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg, true
	}
	return "", false
}

// NotRun reports whether err (from Client.Call) guarantees that the remote
// method did not run: err is non-nil, does not wrap ErrNoReply and is not a
// remote application error.
func NotRun(err error) bool {
	if err == nil || errors.Is(err, ErrNoReply) {
		return false
	}
	_, remote := RemoteError(err)
	return !remote
}

// codeMark delimits the code inside a coded error's message. net/rpc only
// transports err.Error(), so the code has to travel inside the string.
const codeMark = "\x00"

// Coded attaches a transportable code to err; a remote method returns it and
// the caller receives &Error{Code: code, Msg: err.Error()}. Coded(c, nil) is
// nil. On the server side the result unwraps to err and matches
// &Error{Code: code} with errors.Is. Its Error() string contains NUL
// delimiters (the wire form): log the wrapped error, not this one.
func Coded(code string, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: strings.ReplaceAll(code, codeMark, ""), err: err}
}

type codedError struct {
	code string
	err  error
}

func (e *codedError) Error() string { return codeMark + e.code + codeMark + e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func (e *codedError) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != "" && t.Code == e.code
}

// Wire kinds prefixed by the server codec to rpc.Response.Error.
const (
	kindRan      = 'E' // the method ran and returned an error
	kindRejected = 'R' // net/rpc refused the request before calling a method
)

// parseRemote turns the error string of a response into the caller's error.
// A string without a known kind is treated as a method error (it ran).
func parseRemote(s string) error {
	if s != "" && s[0] == kindRejected {
		return &rejectedError{msg: s[1:]}
	}
	if s != "" && s[0] == kindRan {
		s = s[1:]
	}
	// "prefix \x00code\x00rest" (the coded error may have been wrapped).
	if i := strings.Index(s, codeMark); i >= 0 {
		if j := strings.Index(s[i+1:], codeMark); j >= 0 {
			return &Error{Code: s[i+1 : i+1+j], Msg: s[:i] + s[i+1+j+1:]}
		}
	}
	return &Error{Msg: s}
}

type rejectedError struct{ msg string }

func (e *rejectedError) Error() string { return ErrRejected.Error() + ": " + e.msg }
func (e *rejectedError) Unwrap() error { return ErrRejected }
