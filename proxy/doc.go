// Package proxy is the proxy role of a node: it implements api.Backend by
// combining the coordinator (metadata) with the shard replicas, for both
// front ends (REST in package api, gRPC in package grpcapi). It resolves
// collection and partition names, compiles a read's filter once (replicas
// on this node use the compiled filter), hashes primary keys to shards
// (the "channels"), splits writes by shard, scatters reads to one replica
// per shard, and reduces their answers: entities merged by primary key,
// hits by distance with grouping, then the offset/limit window.
//
// Invariants:
//   - A request is validated against metadata before anything is proposed.
//   - Shard routing is a pure function of the primary key and the shard
//     count (ShardOf), identical on every node and across versions.
//   - A write split across shards that was applied on some and refused on
//     others fails with shards.ErrUnknownOutcome, never as "not applied";
//     per-shard idempotency keys make its retry complete it.
//   - Searches name a per-segment index by its BuildName (name#id), so
//     files of a dropped index are never used for a same-named successor.
//
// proxy must not format HTTP responses or touch segment internals.
package proxy
