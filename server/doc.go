// Package server assembles a raftvec node: it owns the node's
// configuration, the TCP mux for Raft traffic, the metadata group
// (coordinator), the shard replicas (shards), the proxy role and the HTTP
// API, and starts and stops them in order.
//
// Invariants:
//   - Start returns only when the node serves requests with all applied
//     metadata reconciled (every collection's shards open).
//   - Stop hands off leadership, stops the HTTP API before the Raft groups,
//     and joins every goroutine it started.
//
// server must not contain request logic: that lives in api and proxy.
package server
