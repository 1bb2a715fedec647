// Package server assembles a raftvec node: it owns the node's
// configuration, the TCP mux for Raft and RPC traffic, object storage, the
// metadata group (coordinator), the shard replicas (shards), the proxy role
// and the HTTP API, and starts and stops them in order. In cluster mode it
// forms or joins the cluster (join-then-bootstrap), watches node liveness
// and collects the objects of dropped collections on the metadata leader.
//
// Invariants:
//   - Start returns only when the node serves requests with all applied
//     metadata reconciled (this node registered, its shards open); the HTTP
//     API opens only then, so /readyz means ready.
//   - Stop hands off leadership, stops the HTTP API and loops before the
//     Raft groups, and joins every goroutine it started.
//
// server must not contain request logic: that lives in api and proxy.
package server
