// Package api is the HTTP JSON API of a raftvec node: the Milvus RESTful v2
// routes (POST /v2/vectordb/<area>/<verb>, see /work/shared/API.md) served
// with gin, plus /healthz, /readyz and /metrics.
//
// It owns JSON decoding and rendering, and the request layer both front
// ends share (front.go): the exported request types (SearchRequest,
// QueryRequest, WriteRequest, DeleteRequest, HybridSearchRequest,
// CreateCollectionRequest, CreateIndexRequest) and the Server methods that
// validate them against the collection and call the Backend (package
// proxy, which resolves names, compiles the filter once, scatters to the
// shards and reduces their answers), plus RRF / weighted fusion for hybrid
// search. The REST handlers decode JSON into those types and render what
// the methods return; package grpcapi does the same for protobuf, so both
// front ends validate, fail and answer alike. Values in the request types
// are as JSON decodes them (json.Number for numbers), the neutral form
// both wire formats translate to.
//
// Invariants:
//   - Every row of a write is validated against the schema before anything
//     is sent: a bad row rejects the whole request (code 1804) and nothing
//     is written. Auto IDs are allocated only after validation.
//   - A request body larger than Config.MaxBodyBytes is refused before it
//     is decoded; one of unknown length (chunked) is read only up to the
//     limit, into buffers that add up to at most the limit, and the rest
//     is never read.
//   - Errors become response codes in one place, errors.go; handlers
//     return errors and never pick codes for backend errors themselves.
//   - Int64 values (primary keys, Int64 fields) are rendered as JSON
//     strings unless the request carries Accept-Type-Allow-Int64: true.
//   - Handlers do not touch the gin context: they get a call (body and
//     headers) so that a Request-Timeout can abandon them safely. Their
//     context is the request's (done when the client disconnects) bounded
//     by Request-Timeout / Raftvec-Deadline, and reaches the shard scans,
//     which stop when it is done; the search reduce checks it too.
//   - A request's database is read once, before its handler runs, and
//     carried by its context (proxy.WithDatabase): the body's top-level
//     dbName exactly as encoding/json decodes it, else the DB-Name header,
//     else default (dbname.go). No handler reads or forwards it itself.
//   - With auth on, every request is checked against the privilege its
//     route needs (one table, routePrivileges in access.go; a served route
//     missing from it stops New, and a test walks them all) before its
//     handler runs: Milvus's users, roles and privileges, kept in the
//     metadata group and read as this node applied them. A refused request
//     is code 1401 (HTTP 403) and calls nothing. raftvec's /v1/ routes
//     need the admin role (root holds it) unless Config.AdminAPI; the ones
//     that change cluster membership run only with Config.AdminAPI or, with
//     auth on, for the admin role (never with auth off alone).
//   - Passwords are hashed (bcrypt) on the node that takes them, before
//     anything is proposed; neither passwords nor hashes are logged.
//     Verified credentials are cached by a SHA-256 of user and password
//     for a few minutes, bound to the hash they verified against, so a
//     password change or drop on any node ends them.
//   - While Config.Starting reports an error (the node has not joined its
//     cluster), /readyz answers 503 with it and the Milvus routes code 1;
//     /healthz, /metrics and the read-only admin routes are always served.
//   - Bounds (limits.go) are checked before anything is sent to a shard:
//     offset and limit each and together <= 16384 (no overflow), at most
//     16384 query vectors or get ids, nq × (offset+limit) <= 262144 per
//     search (summed over a hybrid search's sub-searches). The rows of a
//     reply are bounded to ~100 MiB while they are rendered.
//   - Text is taken as sent or refused: a body that is not UTF-8 or escapes
//     a lone surrogate is 1801; an integer that is not exactly an int64
//     (out of range, or a fraction/exponent form at or beyond 2^53) is
//     refused, never rounded; "dimension" must be a JSON integer; the names
//     a request creates (collection, partition, alias, field, index) follow
//     Milvus: a letter or _ then letters, digits, _; at most 255 bytes.
//   - A Raftvec-Session-Token request header must be empty or a token a
//     write returned (shard=index,...); anything else is 1100.
//   - Search rows carry the score as "distance", always finite: an
//     overflowed (±Inf) distance is sent as ±3.4028235e38, NaN hits are
//     dropped. A dynamic key named "distance" is returned in the row's
//     "$meta" object; a schema field cannot be named "distance".
//   - With auth on, every path but /healthz, /readyz and /metrics needs
//     credentials, unknown ones included (no route discovery); secrets are
//     compared through SHA-256 digests in constant time.
//
// Beyond Milvus: code 3 "outcome unknown" (see errors.go); a write's
// session token is returned in the Raftvec-Session-Token response header
// and a read carrying that request header waits for it (Session level);
// Int64 field values may be sent as numeric strings, as they are returned;
// an optional Raftvec-Deadline request header (Unix ms) refuses a request
// read after it, unhandled. With Config.Testing (--test-faults only),
// /v1/test/ serves the Jepsen suite's fault table, snapshots and state
// hashes.
//
// api must not contain business logic beyond validation and fusion:
// routing, reduce, placement, consistency, storage and indexing belong to
// the packages below it. It must not import shards, raft or fsm (a test
// enforces it, for grpcapi too): it reaches them through the proxy.
package api
