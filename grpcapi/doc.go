// Package grpcapi is the Milvus gRPC front end of a node: the
// milvus.proto.milvus.MilvusService of the published protos
// (github.com/milvus-io/milvus-proto/go-api/v2), so pymilvus and the Go,
// Java and Node SDKs work unchanged. It is served on the same port as the
// REST API (package server splits the listener by protocol).
//
// It owns only the translation between protobuf messages and the request
// and result types of package api: reads, writes, collection creation and
// index creation go through the same api.Server methods the REST handlers
// call, so validation, name resolution, filter handling and the reduce of
// per-shard results are shared; metadata calls that need no validation go
// to the api.Backend directly. Errors become commonpb.Status through
// api.Status, the one error-to-code mapping.
//
// Invariants:
//   - Every RPC is authenticated by the "authorization" metadata
//     (base64 of "user:password" or of an API key) when auth is on, then
//     checked against the privilege rpcPrivileges (access.go, one table)
//     names for it, on the collection(s) or user the request names, before
//     its handler runs: PermissionDenied (Milvus's "permission deny")
//     otherwise; a served RPC missing from the table needs the admin role
//     (and a test fails). Calls are refused with code 1 while the node is
//     starting.
//   - Users and roles (CreateCredential ... SelectGrant) call the same
//     api.Server methods as REST's users/ and roles/ routes; passwords
//     arrive base64-encoded, as the SDKs send them.
//   - Every RPC addresses one database, put in its context before the
//     handler runs: the request's db_name, else the "dbname" metadata the
//     SDKs send, else the default database.
//   - A request that fails validation changes nothing (the api methods
//     validate before they propose).
//   - Methods raftvec does not serve answer codes.Unimplemented, as the
//     embedded UnimplementedMilvusServiceServer does, so SDKs fall back.
//   - Counts a client claims (num_rows) are checked against the data sent,
//     never used to size an allocation.
//   - A Session read carries raftvec's session token in the
//     raftvec-session-token metadata (every write returns it as a response
//     header); without one it is served Strong. Milvus guarantee
//     timestamps are not used.
//   - Keepalive pings every 5 s are allowed, also between calls (the SDKs
//     send them); grpc-go's default would send idle clients away.
//
// grpcapi must not import shards, raft or fsm (api's imports test checks
// it): it uses segment only for the schema types it renders.
package grpcapi
