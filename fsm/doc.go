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
//
// fsm must not do I/O, read clocks (a leader timestamp arrives in a Tick
// command), use randomness, or let map iteration order reach its output.
package fsm
