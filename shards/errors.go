package shards

import (
	"errors"
	"strings"
)

// Sentinel errors of data operations. The API maps them to Milvus codes in
// one place (api/errors.go).
var (
	// ErrDuplicateKey: an insert carries primary keys that already exist.
	ErrDuplicateKey = errors.New("duplicate primary key")
	// ErrInvalid: a request the replica cannot serve as asked (bad filter,
	// unknown field, wrong dimension).
	ErrInvalid = errors.New("invalid request")
	// ErrUnavailable: definitely not applied (no leader, shard not open);
	// safe to retry.
	ErrUnavailable = errors.New("shard unavailable")
	// ErrUnknownOutcome: the write was proposed but its commit was not
	// confirmed; it may or may not have been applied.
	ErrUnknownOutcome = errors.New("write outcome unknown")
	// ErrNotHosted: this node holds no replica of the shard (route to
	// another node).
	ErrNotHosted = errors.New("shard not hosted on this node")
	// ErrRateLimited: the node refuses writes until a backlog drains.
	ErrRateLimited = errors.New("rate limited")
)

// withSentinel gives err the identity of sentinel (errors.Is) without
// repeating a message err already starts with: "duplicate primary key: 5",
// not "duplicate primary key: duplicate primary key: 5".
func withSentinel(sentinel, err error) error { return &sentinelError{sentinel, err} }

type sentinelError struct{ sentinel, err error }

func (e *sentinelError) Error() string {
	msg, s := e.err.Error(), e.sentinel.Error()
	if strings.HasPrefix(msg, s) {
		return msg
	}
	return s + ": " + msg
}

func (e *sentinelError) Unwrap() []error { return []error{e.sentinel, e.err} }
