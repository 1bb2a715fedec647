// Package server assembles a raftvec node: it owns the node's
// configuration, the TCP mux for Raft and RPC traffic, object storage, the
// metadata group (coordinator), the shard replicas (shards), the proxy role
// and the HTTP API, and starts and stops them in order. In cluster mode it
// forms or joins the cluster (join-then-bootstrap), watches node liveness
// and collects the objects of dropped collections on the metadata leader.
//
// Invariants:
//   - The HTTP API opens before the node joins, so /healthz, /metrics and
//     the read-only admin routes (status, nodes) answer even while the
//     metadata group has no leader; /readyz answers 503 with the reason and
//     the Milvus routes code 1 until the node has joined (this node
//     registered, applied metadata reconciled, its shards open). /readyz
//     200 means ready.
//   - Start returns once the node has joined, except that a node with Raft
//     state (a restart) returns after restartWait and goes on waiting for a
//     metadata leader in the background for as long as it runs; a new node
//     gives up (Start fails) after two minutes.
//   - Stop hands off leadership, stops the HTTP API and loops before the
//     Raft groups, and joins every goroutine it started.
//   - The admin routes that change membership (nodes/add, nodes/remove) are
//     served only with Config.AdminAPI or to the root user with auth on.
//   - TestingConfig (--test-faults, --test-unsafe-strong-reads, hidden) is
//     off by default: a fault table in the mux and /v1/test/ routes for
//     the Jepsen suite, and deliberately broken Strong reads.
//
// server must not contain request logic: that lives in api and proxy.
package server
