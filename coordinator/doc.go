// Package coordinator owns the metadata Raft group ("meta"): users, roles
// and privileges (access.go), databases, collections and their schemas, partitions, indexes, aliases, auto-ID
// allocation, the node registry and the placement of shard replicas on
// nodes. In standalone mode
// it is a one-voter group; in a cluster the nodes that bootstrap it are
// voters. Followers forward proposals and read-index requests to the leader
// over RPC (Service).
//
// Invariants:
//   - Every metadata change is a command in the meta log, applied
//     deterministically; IDs (collections, partitions, auto IDs) are assigned
//     by Apply from counters in the replicated state, so they are never
//     reused, across restarts included.
//   - Readers get deep copies; nothing outside the FSM mutates its state.
//   - Collections and aliases are keyed by qualified name (Qualify): the
//     bare name in the default database, so state written before
//     databases existed is the default database's unchanged. No stored
//     name holds the separator, so no name of one database resolves in
//     another. The default database always exists; a database with
//     collections is never dropped.
//   - Auto IDs are handed out in blocks committed before use.
//   - Users and roles are one immutable Access value replaced by every
//     change, so front ends read the applied one per request without
//     copies. The FSM stores bcrypt hashes made by the proposing node,
//     never passwords, and checks only their form. The built-in roles
//     admin and public always exist and cannot be dropped; root is never
//     stored (it is the flag-given superuser). A refused change changes
//     nothing; granting what is held or revoking what is not is a no-op.
//   - Placement is a pure function of the replicated state: a shard's voters
//     are R consecutive live data nodes; a node that goes down, is removed or
//     loses the data role hands its voters to the least-loaded live data
//     node without one. Query replicas (ShardPlacement.Queries, WantQueries
//     per shard) go to live query-only nodes holding no voter of the shard
//     and are recomputed on every node change and load/release
//     (placeQueriesLocked). Tasks go to live index nodes only.
//   - Only data nodes are promoted to voters of the metadata group.
//   - Adding a member never costs the group its quorum: a node is added only
//     if it answers at its address as the ID it claims, always as a
//     non-voter, and the leader (PromoteMembers) promotes it only once its
//     applied index is close to the leader's, up to MaxVoters voters. A node
//     that never catches up stays a non-voter and can be removed.
//
// coordinator must not hold row data.
package coordinator
