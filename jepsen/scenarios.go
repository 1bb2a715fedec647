package jepsen

// Scenario is a pinned regression: a fault, a seed and workloads that once
// exposed a bug. The seed fixes the nemesis's choices (which node, one or
// all); the timing of a real cluster is not reproducible, so a scenario
// is a strong hint, and the unit test named in Test pins the fix exactly.
type Scenario struct {
	Name      string
	Fault     string
	Seed      int64
	Workloads []string
	Nodes     int // cluster size; 0: the suite's
	Bug       string
	Test      string
}

// Pinned lists every bug the suite found; `raftvec-jepsen quick` runs them
// all after the fault families.
var Pinned = []Scenario{
	{
		Name: "delayed-forwarded-write", Fault: FaultPause, Seed: 103,
		Workloads: []string{WorkloadSession, WorkloadRegister},
		Bug: "a write forwarded to a leader that was then SIGSTOPped sat in its socket; on SIGCONT the node, " +
			"now a follower, forwarded it to the new leader, which applied it after the client's next " +
			"acknowledged write: a Session read returned the older value (read-your-writes). Fixed: forwarded " +
			"proposals carry the caller's deadline and are refused once it has passed.",
		Test: "shards.TestProposeAfterDeadlineIsRejected",
	},
	{
		Name: "delayed-http-write", Fault: FaultMixed, Seed: 2024,
		Workloads: []string{WorkloadSession},
		Bug: "the same under SIGSTOP of the node the client wrote to: the HTTP request waited in the paused " +
			"node's socket and was handled on SIGCONT, after the client's next acknowledged write (the relative " +
			"Request-Timeout only starts when the request is read). Fixed: clients may send an absolute " +
			"Raftvec-Deadline; a request read after it is refused unhandled.",
		Test: "api.TestExpiredDeadlineDoesNothing",
	},
	{
		Name: "kill-all-restart", Fault: FaultKill, Seed: 104,
		Workloads: []string{WorkloadRegister, WorkloadSet},
		Bug: "after kill -9 of every node, a restarted node gave up waiting for a metadata leader after 10 s " +
			"and exited, so a cluster restarted one node at a time never came back. Fixed: a node with Raft " +
			"state waits for a leader as long as it runs.",
		Test: "server.TestRestartWaitsForMetadataQuorum",
	},
	{
		Name: "filtered-search-exact", Fault: FaultNone, Seed: 2024,
		Workloads: []string{WorkloadSet},
		Bug: "the final exact search of every acknowledged vector (filter id in [50 ids]) missed 361 of " +
			"19,403 rows in a 5-node, 11-minute mixed run: flushed segments carried the quick-create " +
			"AUTOINDEX, and an HNSW walk restricted to a few rows misses exact matches. Fixed: a filter " +
			"passing at most 1 in 10 rows of a segment makes its search an exact scan.",
		Test: "shards.TestSelectiveFilterBypassesIndex",
	},
	{
		Name: "partial-delete-is-unknown", Fault: FaultMembership, Seed: 2024,
		Workloads: []string{WorkloadRegister},
		Bug: "a delete by filter goes to every shard; one shard applied it while the other's leader was " +
			"being removed, and the request answered code 2 (definitely not applied): porcupine found the " +
			"key gone after a \"failed\" delete. Fixed: a write applied on some shards and refused on " +
			"others answers code 3 (outcome unknown; retry with the same Idempotency-Key).",
		Test: "proxy.TestScatterWritePartialIsUnknown",
	},
	{
		Name: "collection-churn-kill", Fault: FaultKill, Seed: 1, Nodes: 1,
		Workloads: []string{WorkloadChurn},
		Bug: "shards.Host.Reconcile, which runs every 3 s, after every metadata change and in every drop, " +
			"removed each shard-* directory missing from its own, possibly stale, copy of the collection list, " +
			"so it deleted the directory of a shard that a concurrent create was opening (most often while it " +
			"closed a dropped collection's replica). The replica ran on a deleted raft.db, acknowledged every " +
			"write, and lost them all at the next restart: the churn workload (a drop racing a burst of " +
			"creates, inserts into the live collections) lost 4 acknowledged rows of 2 never-dropped " +
			"collections in 60 s under kill -9 (issue 10, defect 1). One node, because with 3 replicas a " +
			"single deleted replica is rebuilt from its peers on restart and the loss needs a majority. " +
			"Fixed: a replica's data is deleted only after an applied, replicated decision that the " +
			"replica is gone, and after it is closed.",
		Test: "shards.TestReconcileKeepsConcurrentlyOpenedShard",
	},
}
