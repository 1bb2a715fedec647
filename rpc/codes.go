package rpc

import (
	"errors"
	"fmt"
	"strings"
)

// Codes maps sentinel errors to wire codes so that a remote call fails with
// the same sentinel as a local one. Order matters: the first sentinel an
// error wraps gives its code, so list specific sentinels before general
// ones.
type Codes []struct {
	Code     string
	Sentinel error
}

// Encode gives err the code of the first sentinel it wraps (a remote
// method returns the result).
func (cs Codes) Encode(err error) error {
	if err == nil {
		return nil
	}
	for _, c := range cs {
		if errors.Is(err, c.Sentinel) {
			return Coded(c.Code, err)
		}
	}
	return err
}

// Decode turns a coded remote error back into one wrapping its sentinel.
// ok is false when err carries no known code.
func (cs Codes) Decode(err error) (out error, ok bool) {
	var re *Error
	if !errors.As(err, &re) {
		return err, false
	}
	for _, c := range cs {
		if c.Code == re.Code {
			if strings.HasPrefix(re.Msg, c.Sentinel.Error()) {
				// the remote message already names the sentinel
				return &decodedError{c.Sentinel, re.Msg}, true
			}
			return fmt.Errorf("%w: %s", c.Sentinel, re.Msg), true
		}
	}
	return err, false
}

// decodedError is a remote error whose message already starts with its
// sentinel's: it is not repeated.
type decodedError struct {
	sentinel error
	msg      string
}

func (e *decodedError) Error() string { return e.msg }
func (e *decodedError) Unwrap() error { return e.sentinel }
