// Package jepsen holds raftvec's Jepsen-style consistency tests (see
// shared/JEPSEN.md): a harness that drives real raftvec processes under
// faults, and the pure history, checker and report code it feeds.
//
// # Harness
//
// cluster.go, minio.go, client.go, nemesis.go, schedule.go, workloads.go,
// loops.go, churnloop.go, final.go and run.go own one run ([Run], driven by
// cmd/raftvec-jepsen); scenarios.go lists the [Pinned] regressions (fault,
// seed, workloads and, where it matters, cluster size of every bug the
// suite found) that the quick suite runs:
//
//   - [StartCluster] starts MinIO and N `raftvec serve` processes on
//     loopback (short Raft timeouts, small trailing logs and chunks so that
//     snapshots and flushes happen within a minute, shard groups that
//     sleep after 5 s without requests, --test-faults); a
//     [Cluster] kills (SIGKILL), restarts, pauses (SIGSTOP/SIGCONT) nodes
//     and stops MinIO. Every process it starts is stopped by Close.
//   - [Client] classifies every reply: ok; fail when the server said the
//     op was not applied (any code but 3, 10001, 65535) or the connection
//     was refused and no earlier attempt was written (Go's transport
//     replays requests that carry an Idempotency-Key); info when a write's
//     outcome is unknown (codes 3, 10001, 65535, a timeout or reset after
//     the request was sent). Reads are never info. Every request carries
//     Request-Timeout and Raftvec-Deadline inside the client's own timeout.
//   - The [Nemesis] injects one fault family at a time (leader isolation,
//     random partitions, link delay/drop, SIGSTOP, kill -9, a follower
//     isolated until it needs a snapshot, MinIO stopped, node removal and
//     re-addition) through the nodes' /v1/test/faults fault tables and the
//     processes, from an RNG seeded with the run's seed; every start and
//     stop is an op in the history.
//   - Workers (3 per workload by default, pinned to nodes round-robin;
//     session and churn workers pick a node per op) run on disjoint
//     collections and record every op; an op in flight when the run ends
//     completes.
//   - Churn workers create fresh one-shard collections
//     (jepsen_churn_<worker>_<n>) in bursts of 1–3 concurrent creates on
//     one node, insert never-reused ids into their live ones, read them
//     now and then at Strong, and read then drop "churners" while a burst
//     of creates runs on the same node (a drop makes every node close a
//     replica and reconcile: the window in which a reconcile deleted a new
//     shard's directory). About one new collection in 8 is a "keeper",
//     never dropped, up to 6 per worker; at most 4 churners per worker, so
//     about clients × 10 churn collections are alive at once.
//   - Import workers (imports.go) bring never-used ids in by bulk import:
//     one JSON file of 20 rows per op written to the run's MinIO, a
//     jobs/import/create on the worker's node, then get_progress on any
//     node until the job ends (ok: Completed; fail: Failed, as an import
//     is all or nothing per file, or no job; info: still running after
//     60 s). TTL workers insert like set workers into a collection whose
//     TTL outlasts the run, so every read filters by expiry and no
//     acknowledged row may vanish.
//   - After the last heal the run reads back the set, import and ttl
//     collections at Strong, searches
//     every acknowledged vector exactly, reads back every churn collection
//     with no drop that may have happened (a Strong describe, then a Strong
//     query of every id attempted in it), compares replica state hashes at
//     equal applied indexes, and makes a final write.
//
// # History, checkers and report
//
// The files history.go, register.go, set.go, deletes.go, session.go,
// churn.go, stats.go, report.go and timeline.go own:
//
//   - the history format: [Op] (one client call or nemesis event, times in
//     nanoseconds since the run started), the concurrency-safe [Recorder]
//     that appends ops as JSON lines, [ReadHistory] / [WriteHistory] and
//     [Split];
//   - one checker per workload: [CheckRegister] (porcupine, partitioned by
//     key), [CheckSet] ([CheckInsertSet] for the import and ttl
//     workloads), [CheckDelete], [CheckSession] and [CheckChurn]
//     (ops create / insert / drop / read keyed by collection: an ok read
//     that completed before any ok or info drop of its collection was
//     invoked holds every id acknowledged before it was invoked, and finds
//     the collection if its create or such an insert was acknowledged; no
//     read holds an id never attempted in that collection or definitely
//     failed; a collection with no ok or info drop has an ok read after
//     its last insert);
//   - [ComputeStats] (counts, p50/p99 latency, throughput before, during
//     and after the fault windows of [FaultWindows]);
//   - [Analyze], which runs every relevant checker and builds a [Report]
//     whose text form ends with "RESULT: PASS" or "RESULT: FAIL";
//   - [WriteTimeline], porcupine's HTML visualization of the register ops
//     annotated with fault windows and the other checkers' violations.
//
// # Invariants
//
//   - Op.Type is "ok" (took effect / was returned), "fail" (definitely did
//     not happen) or "info" (unknown). An info write may take effect at any
//     time after its invoke: the register checker gives it a return time
//     after the end of the history, the set and churn checkers never count
//     a missing info insert as lost, an info insert or delete can explain
//     what a later read sees, an info create may or may not have made its
//     collection and an info drop makes its collection unchecked. Failed
//     and info reads are dropped.
//   - Checkers are pure functions of the ops they are given; they ignore
//     ops of other workloads, do not depend on the order of the slice and
//     never modify it. Ops a checker cannot interpret (unknown f, missing
//     ids or value, bad type) are counted as malformed and fail the check,
//     so a harness bug cannot pass silently.
//   - Lists of offending ops or ids keep at most [MaxListed] entries;
//     their counts are exact.
//   - A register check that times out (porcupine "Unknown") is not valid.
//
// # What the checker part must not do
//
// It does no I/O beyond the writer or path it is handed, keeps no global
// state, does not log, starts no processes and talks to no server; the
// only goroutines are porcupine's, bounded by the timeout given.
package jepsen
