// Package shards owns the shard replicas a node hosts: it opens their Raft
// groups (fsm.Shard state machines) as the voters or query replicas
// (non-voters) the coordinator placed,
// routes proposals to shard leaders (locally or over RPC), gates reads by
// consistency level, serves query and search on a replica, and runs each
// leader's background work: time ticks, membership following the
// placement, chunk and delta-log flushing to object storage, sealing,
// merge/compaction and index-build planning (handed to the coordinator as
// tasks) and GC of unreferenced objects. It searches flushed segments
// through their index files; the tasks themselves (index builds,
// compactions) run in package builder, the index role's component, which
// reaches the shards through Host's Segments and Propose.
//
// Index files are built per flushed segment for HNSW and AUTOINDEX (an
// HNSW graph) and IVF_FLAT (nlist capped for small segments), named by
// their type under index_files/{task}/{token}/{partition}/{segment}/; FLAT
// has no files (exact search). A replica loads a file once (checksum
// verified) into its index cache and searches it with the request's ef or
// nprobe; segments without a file of the current index are searched
// exactly, and so is any segment where the search filter passes at most 1
// row in 10 (a graph or list walk restricted to a few rows misses them).
// Files, tasks and IndexRefs name an index by its BuildName (name#id); the
// FSM refuses an older build's Indexed entry and the coordinator a stale
// token's task report, so a reassigned task's late report is dropped.
//
// Derived indexes (sparse.go, scalar.go) are not files: a sealed
// segment's rows never change, so a replica builds the inverted index of a
// SparseFloatVector field and the sorted index of a scalar field with an
// INVERTED or STL_SORT index from the always-resident column on first use,
// and keeps it as long as the segment object (segment.Derived); deletion
// flags reach it as a filter. A scalar index narrows a filter to candidate
// rows (ReadSpec.Terms, a superset of the matches, each still checked with
// the whole filter), so it changes a read's cost, never its answer. A
// StatsOnly search answers the BM25 statistics of its query terms over the
// shard's live rows, which the proxy sums over the shards before scoring.
//
// Rows without a built index (growing segments, and sealed ones being
// indexed) get an interim index on nodes with the query role
// (Config.Interim, interim.go): an IVF trained on a segment's first rows,
// extended in the background by one goroutine per host at a bounded duty
// cycle, searched for the rows it covers while the rest is scanned. It is
// local read-path state, never replicated, and dropped once the segment's
// built index is recorded. A shard leader records when every row was last
// in a built index after its last write (lag.go), which indexes/describe
// and raftvec_index_lag_seconds report.
//
// Invariants:
//   - A write is acknowledged only after its entry is committed and applied
//     (raft.Node.Propose); errors say whether the write definitely did not
//     happen (ErrUnavailable) or may have (ErrUnknownOutcome). Only
//     not-run errors are retried. A forwarded proposal carries its
//     caller's absolute deadline and is refused, unproposed, after it.
//   - A planned leadership transfer (to the preferred replica, away from a
//     node placement no longer wants, at shutdown) first drains the
//     proposals in flight on the leader and holds new ones until it is over
//     (proposalGate); held proposals then find this node not leading,
//     before anything reached the log, and are forwarded to the new leader.
//     A planned transfer therefore never makes a write's outcome unknown.
//   - A new group is bootstrapped by its preferred replica (the first
//     initial voter) alone; the other initial voters hold no configuration,
//     so they vote but never campaign, and the group's first leader is the
//     preferred one. They bootstrap the same configuration themselves only
//     if the group has not formed after bootstrapDelay. WaitSettled (used by
//     collection creation) waits until every replicated shard is led by its
//     preferred replica.
//   - A Strong read waits for a read index from the leader and for this
//     replica to apply it; no lease reads (Config.UnsafeStrongReads, a
//     test-only switch, breaks this on purpose for the Jepsen suite). Bounded reads use the leader's
//     time ticks applied here; Session reads wait for the token's index.
//   - TTL: a read leaves out the rows expired (fsm.View.Expired) under the
//     collection's TTL (ReadArgs.TTL, from the caller's metadata) at the
//     read's time: the later of the leader time applied on the replica and,
//     for a read that waited for a read index, the leader's clock read just
//     before it confirmed that index (ReadSpec.At). A Strong read therefore
//     never returns a row whose write time + TTL is at or before the
//     leader's clock when it served the read; other levels go by the log's
//     time alone (ticks and writes), which a Bounded read has within its
//     staleness bound. The leader stamps its clock on every data entry it
//     proposes (fsm.Stamp); expiry never changes the state.
//   - Object-storage writes happen before the entry that refers to them
//     (ChunkFlushed, DeltaFlushed); objects are deleted only when no segment
//     refers to them and they are older than the GC tolerance. "No segment
//     refers to them" is read on the leader after it has applied a read
//     index (every entry committed before the step), never from a state
//     that may lack the log's tail (a restart, an election). A leader
//     plans flushes, seals and compactions only once caught up in its term
//     (raft.Node.CaughtUp); a delta log is numbered by the applied index it
//     was planned at, so two states never write under one key.
//   - Reads see a consistent state: they run under the FSM's read lock.
//   - A read runs under its caller's context down to the scan (cancel.go):
//     query filters, the selective-filter prescan and exact searches check
//     it every index.ScanChunk rows, indexed searches every few graph
//     expansions or per IVF list, every search per query vector and per
//     segment; a done context ends the read with an error wrapping only
//     ctx.Err() (no ErrUnavailable/ErrInvalid). A read sent to another
//     node carries the caller's deadline (ReadArgs.Deadline) and a ReadID
//     the caller cancels with CancelRead when its context ends first;
//     ReadStats counts reads in flight, rows visited and reads stopped.
//   - Every replica's loop is owned by the Host and stopped on Close or
//     when the replica is dropped.
//   - A replica's local data (its group directory) is deleted only by
//     Reconcile, only when the metadata view read under the host's lock
//     says the collection was dropped (its ID is below the view's NextID
//     and it is absent) or the shard is placed on other nodes, and only
//     after the replica is closed; a group being removed cannot be opened.
//     A view older than a concurrently opened shard never names it dropped.
//   - A group goes to sleep (hibernate.go) only by its leader's decision,
//     with no proposal in flight (held by the proposalGate), every member
//     at the leader's applied index, a lifecycle step that found nothing
//     to do (a growing segment below a chunk may stay unflushed) and no
//     write or read for Config.HibernateAfter; followers close first.
//     Closing a replica is what a crash does, so Raft's guarantees are
//     untouched; a request that held a replica closed under it gets
//     errAsleep (nothing proposed) and reopens the group. A sleeping group
//     opens again on a request (it then asks its peers to open theirs), on
//     a change of its collection's metadata, and when a peer reaches for
//     it more than knockGrace after it went to sleep.
//
// shards must not decide placement (the coordinator does) nor format API
// responses.
package shards
