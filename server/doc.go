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
//   - A node with Raft state (a restart) waits for a metadata leader for as
//     long as it runs; a new node gives up after two minutes.
//   - TestingConfig (--test-faults, --test-unsafe-strong-reads, hidden) is
//     off by default: a fault table in the mux and /v1/test/ routes for
//     the Jepsen suite, and deliberately broken Strong reads.
//
// server must not contain request logic: that lives in api and proxy.
package server
