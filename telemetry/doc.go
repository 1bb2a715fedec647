// Package telemetry defines raftvec's Prometheus metrics beyond HTTP and
// gRPC: their names, help texts, labels and buckets, in one place
// (README "Metrics" lists them; server's TestNodeMetrics keeps that list
// and the Grafana dashboard deploy/grafana/raftvec.json honest).
//
// Two kinds of metric live here:
//
//   - State read at scrape time by custom collectors (Raft groups,
//     segments by state, flush backlog): the caller passes a function that
//     reports what is open now, so a closed or hibernated Raft group simply
//     has no series, and nothing is updated on a hot path.
//   - Events observed as they happen (object store calls, index-build
//     tasks, search and query latency): histograms and counters with fixed
//     label sets, each observed once per call or request. Read latencies
//     resolve their label children once and cache them, so an observation
//     takes no lock.
//
// Histogram is a small lock-free latency histogram for things that come and
// go by the thousand (a Raft group's proposals): it is not registered
// anywhere; the owner's collector reads it at scrape time.
//
// The package depends on Prometheus only; raft, shards, proxy and server
// use it, never the other way round (storage defines its own Observer,
// which Store implements, and does not import it). Every metric is
// registered on a node's own registry (several nodes run in one test
// process).
package telemetry
