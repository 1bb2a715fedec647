package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// Response codes. This file is the only place where errors become codes.
//
// Milvus codes used as Milvus uses them: 0 ok, 1 not ready, 2 unavailable,
// 8 rate limited, 100 collection not found, 101 collection not loaded (a
// search or query on a released collection; one never released stays
// readable), 200 partition not
// found, 700 index not found, 800 database not found, 1100 invalid
// parameter (also: a user or role that does not exist or already exists),
// 1401 privilege not permitted (with HTTP 403: with auth on, a caller
// without the route's privilege (access.go), Milvus's "permission deny";
// or a membership-changing admin route without --admin-api or the admin
// role), 1600 alias not found, 1800 not authenticated (with HTTP 401), 1801 body is not valid JSON, 1802 missing
// required parameter, 1804 insert data invalid, 10001 request timeout (with
// HTTP 408, Milvus's TimeoutCode), 65535 unexpected. An unknown path gets
// HTTP 404 with code 404 in the envelope.
//
// raftvec's own code:
//
//	3  outcome unknown: a write was proposed to its shard's Raft log but the
//	   commit was not confirmed (leader lost, timeout after propose). It may
//	   or may not have been applied; the client must read to find out. This
//	   differs from 2 (unavailable), which means definitely not applied and
//	   safe to retry.
//
// "Already exists" errors (database, collection, partition, index, alias)
// are 1100, as in Milvus, with a message naming the thing; so are dropping
// the default database and dropping a database that still has
// collections.
//
// A request stopped by its context: context.DeadlineExceeded (Request-Timeout
// or Raftvec-Deadline passed; reads stop evaluating then) is 10001 with HTTP
// 408; context.Canceled (the client disconnected, so nobody reads the reply)
// is 65535. Both only when no sentinel above matched, so a write's unknown
// outcome stays code 3.
const (
	codeOK                 = 0
	codeNotReady           = 1
	codeUnavailable        = 2
	codeUnknownOutcome     = 3
	codeRateLimited        = 8
	codeCollectionNotFound = 100
	codeNotLoaded          = 101
	codePartitionNotFound  = 200
	codeIndexNotFound      = 700
	codeDatabaseNotFound   = 800
	codeInvalid            = 1100
	codeNotPermitted       = 1401
	codeAliasNotFound      = 1600
	codeUnauthenticated    = 1800
	codeBadJSON            = 1801
	codeMissingParam       = 1802
	codeBadData            = 1804
	codeTimeout            = 10001
	codeUnexpected         = 65535
)

// ErrNotReady may be returned (wrapped) by a Backend that cannot serve yet,
// e.g. while the node is joining; it maps to code 1.
var ErrNotReady = errors.New("node not ready")

// ErrInvalid is wrapped by front ends for a request they cannot translate
// (e.g. a malformed protobuf payload); it maps to code 1100.
var ErrInvalid = errors.New("invalid parameter")

// apiError is an error with its response code, produced by validation in
// this package.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

// errf builds an apiError.
func errf(code int, format string, args ...any) error {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

func invalidf(format string, args ...any) error { return errf(codeInvalid, format, args...) }

func missingf(format string, args ...any) error { return errf(codeMissingParam, format, args...) }

func badDataf(format string, args ...any) error { return errf(codeBadData, format, args...) }

// sentinelCodes maps the sentinels of lower packages to codes, first match
// wins (so ErrUnknownOutcome beats a wrapped context error).
var sentinelCodes = []struct {
	err  error
	code int
}{
	{proxy.ErrUnknownOutcome, codeUnknownOutcome},
	{proxy.ErrMetaUnknownOutcome, codeUnknownOutcome}, // metadata writes
	{proxy.ErrUnavailable, codeUnavailable},
	{proxy.ErrNotHosted, codeUnavailable},
	{proxy.ErrNotLeader, codeUnavailable}, // nothing was proposed
	{proxy.ErrClosed, codeUnavailable},
	{proxy.ErrRateLimited, codeRateLimited},
	{proxy.ErrDuplicateKey, codeBadData},
	{proxy.ErrInvalid, codeInvalid},
	{ErrNotReady, codeNotReady},
	{ErrInvalid, codeInvalid},
	{coordinator.ErrCollectionNotFound, codeCollectionNotFound},
	{coordinator.ErrNotLoaded, codeNotLoaded},
	{coordinator.ErrPartitionNotFound, codePartitionNotFound},
	{coordinator.ErrIndexNotFound, codeIndexNotFound},
	{coordinator.ErrAliasNotFound, codeAliasNotFound},
	{coordinator.ErrDatabaseNotFound, codeDatabaseNotFound},
	{coordinator.ErrDatabaseExists, codeInvalid},
	{coordinator.ErrDatabaseNotEmpty, codeInvalid},
	{coordinator.ErrCollectionExists, codeInvalid},
	{coordinator.ErrPartitionExists, codeInvalid},
	{coordinator.ErrIndexExists, codeInvalid},
	{coordinator.ErrAliasExists, codeInvalid},
	{coordinator.ErrUserNotFound, codeInvalid},
	{coordinator.ErrUserExists, codeInvalid},
	{coordinator.ErrRoleNotFound, codeInvalid},
	{coordinator.ErrRoleExists, codeInvalid},
	{coordinator.ErrInvalid, codeInvalid},
	{segment.ErrSchema, codeInvalid},
	{expr.ErrInvalid, codeInvalid},
	{index.ErrInvalid, codeInvalid},
}

// toCode maps any error to its response code and message.
func toCode(err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code, ae.msg
	}
	for _, s := range sentinelCodes {
		if errors.Is(err, s.err) {
			return s.code, err.Error()
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return codeTimeout, "timeout: " + err.Error()
	case errors.Is(err, context.Canceled):
		return codeUnexpected, "request canceled: " + err.Error()
	}
	return codeUnexpected, "unexpected error: " + err.Error()
}

// named makes sure the message of a backend error names the thing it is
// about, e.g. `collection not found: "books"`.
func named(err error, kind, name string) error {
	if err == nil || name == "" || strings.Contains(err.Error(), name) {
		return err
	}
	return fmt.Errorf("%w (%s %q)", err, kind, name)
}

// Errors of the HTTP layer itself, with their HTTP statuses.
var (
	errUnauthenticated = &apiError{code: codeUnauthenticated, msg: "user hasn't authenticated: missing or wrong Authorization bearer token"}
	errNotFoundPath    = &apiError{code: http.StatusNotFound, msg: "no such route"}
	errAdminDisabled   = &apiError{code: codeNotPermitted, msg: "privilege not permitted: adding or removing nodes changes the cluster's " +
		"membership; start the node with --admin-api (admin_api: true), or enable --auth and call as a user holding the admin role (root does)"}
)

func errTimeout(seconds float64, write bool) error {
	msg := fmt.Sprintf("request timeout: Request-Timeout of %gs exceeded", seconds)
	if write {
		msg += "; the write may or may not have been applied"
	}
	return &apiError{code: codeTimeout, msg: msg}
}

func errBodyTooLarge(limit int64) error {
	return invalidf("request body too large: the limit is %d bytes", limit)
}
