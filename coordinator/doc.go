// Package coordinator owns the metadata Raft group ("meta"): collections and
// their schemas, partitions, indexes, aliases and auto-ID allocation. In
// standalone mode it is a one-voter group; the cluster work adds nodes,
// placement, and task assignment to the same group.
//
// Invariants:
//   - Every metadata change is a command in the meta log, applied
//     deterministically; IDs (collections, partitions, auto IDs) are assigned
//     by Apply from counters in the replicated state, so they are never
//     reused, across restarts included.
//   - Readers get deep copies; nothing outside the FSM mutates its state.
//   - Auto IDs are handed out in blocks committed before use.
//
// coordinator must not hold row data.
package coordinator
