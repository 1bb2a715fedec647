// Package fsm is the deterministic state machine of a shard: the command
// types of the shard's Raft log and their binary encoding, Apply, and
// snapshot/restore of the shard's segments, primary-key index and deletion
// flags, and of which log entry wrote which rows (writes.go: one run per
// entry and segment, what "the life of a datum" reports).
//
// Contracts:
//   - Determinism: the same sequence of entries gives byte-identical state on
//     every replica (StateHash); Apply returns the same Result everywhere,
//     including errors such as ErrDuplicateKey, which leave state unchanged.
//   - An insert is all-or-nothing: one duplicate key rejects the whole entry.
//   - Deletes carry a filter that is evaluated at apply time, so a delete
//     affects exactly the rows that match at its place in the log.
//   - Entries are versioned; an entry of an unknown version panics rather
//     than let the replica diverge.
//   - Time comes from the log only. Ticks carry the leader's clock, and so
//     do inserts, upserts, deletes and compacts: the leader stamps its
//     clock on them in place (Stamp) as it proposes them. The shard's
//     leader time (View.LeaderTime) is the largest time of any entry
//     applied: it never goes back. (View.LastTick, the latest tick's,
//     stays what Bounded reads' freshness is judged by.) A row's write time is the leader time once the
//     entry that wrote it was applied, recorded with the entry's log index
//     (writes.go) and kept by compactions.
//   - TTL expiry (collection.ttl.seconds) changes no state: a row has
//     expired at time now under a TTL when its write time + TTL <= now
//     (View.Expired), a function of the state and the two arguments, so
//     every replica at the same applied index decides alike. Reads pass
//     the TTL from the metadata and their own time (the leader time, or a
//     Strong read's leader clock). Entries whose effect depends on expiry
//     carry the TTL the proposer saw (Command.TTL) and decide at the
//     shard's leader time after the entry: an insert over an expired row's
//     key replaces that row, a delete counts only rows not expired (and
//     flags the expired ones it matches too), a compact leaves expired rows
//     out. A compaction committed by a worker (KindCompactCommit) leaves
//     out what the worker excluded, expired rows included.
//
// fsm must not do I/O, read clocks (leader timestamps arrive in the
// entries), use randomness, or let map iteration order reach its output.
package fsm
