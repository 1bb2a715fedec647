// Package shards owns the shard replicas a node hosts: it opens their Raft
// groups (fsm.Shard state machines), proposes writes to them, gates reads by
// consistency level, and runs local query and search over a replica's
// segments.
//
// Invariants:
//   - A write is acknowledged only after its entry is committed and applied
//     (raft.Node.Propose); errors say whether the write definitely did not
//     happen (ErrUnavailable) or may have (ErrUnknownOutcome).
//   - A Strong read waits for a read index from the leader and for this
//     replica to apply it; no lease reads.
//   - Reads see a consistent state: they run under the FSM's read lock.
//
// shards must not decide placement (the coordinator does) nor format API
// responses.
package shards
