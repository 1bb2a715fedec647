// Package raft runs one hashicorp/raft (v1.7.3) group behind the Node type and
// carries many groups (and, later, internal RPC) over one TCP port via Mux.
//
// # What it owns
//
//   - Mux: one listener per process. Each conn starts with a header
//     (magic 0xB7, kind byte, uvarint-length name, uvarint-length sender
//     address); the header is read under a 5 s deadline and the conn is handed
//     to the StreamLayer registered for (kind, name), or closed. KindRaft
//     carries hraft's NetworkTransport for the group called name; KindRPC
//     carries package rpc's calls. The advertised address (WithAdvertise,
//     default: the bound address) is what raft stores as ServerAddress.
//   - Faults (tests only, installed with WithFaults): per-peer blocking
//     (dials refused, announced conns dropped, existing ones cut) and link
//     degradation (a delay before every write, resets with a probability);
//     a nil table, the default, injects nothing.
//   - Node: one member of one group. Its data dir holds raft.db
//     (raft-boltdb/v2, used as LogStore behind a 512-entry LogCache and as
//     StableStore) and snapshots/ (FileSnapshotStore, 2 retained).
//   - An FSM adapter around the caller's hraft.FSM that tracks the applied
//     index (for WaitApplied), hides internal read-barrier entries (marked in
//     Log.Extensions) from the caller's FSM, and prefixes snapshots with a
//     24-byte header (magic, applied index, applied term). Snapshots of this
//     package are therefore not interchangeable with raw user snapshots.
//
// Quorum-loss recovery: a RecoveryFile (peers.json, hraft.ReadConfigJSON
// format) found in a group's directory at Open replaces the group's
// configuration through hraft.RecoverCluster before raft starts, and is
// then renamed *.recovered. It is an operator's last resort for a group
// whose lost voters will never come back; the same file must be given to
// every surviving member before any of them starts.
//
// It does not know what a segment, collection or vector is; the FSM and the
// command encoding belong to the caller.
//
// # Contracts
//
// Durability: raft-boltdb commits (and fsyncs) every StoreLogs batch and every
// stable-store write; NoSync is never set. Snapshot files and their directory
// are fsynced by hraft's FileSnapshotStore.
//
// Propose returns only after the entry is committed by a quorum AND applied
// to the FSM on this (leader) node; Result.Response is what FSM.Apply
// returned. Concurrent proposals are grouped by hraft (BatchApplyCh, leader
// group commit of up to MaxBatch entries per disk write and AppendEntries).
// A ctx without deadline gets a 10 s timeout. Note that hraft's Apply timeout
// bounds only the enqueue; the wait for commit is bounded by ctx.
//
// ReadIndex implements the read-index protocol with no lease reads (the
// Jepsen-relevant point: a leader's belief in its lease is never trusted):
// the leader must have applied an entry of its current term (else it commits
// an internal read barrier first, once per term), records the commit index,
// confirms leadership with a quorum round (hraft VerifyLeader), and checks the
// term did not change. After WaitApplied(index) on any member, that member's
// FSM reflects every write acknowledged before ReadIndex was called; serving
// the read (and forwarding ReadIndex to the leader) is the caller's job.
// IsLeader/LeaderAddr are hints, never a basis for a linearizable read.
//
// CaughtUp is the first step of ReadIndex alone: on the leader it returns
// once an entry of the current term is applied (the shared read barrier),
// so the FSM holds every entry of earlier terms. Leaders plan work from
// their FSM (uploads, deletions) only after it; once per term it costs a
// commit, after that a field read. No quorum round: a deposed leader may
// still pass it.
//
// WaitApplied(index) wakes when the FSM adapter applies an entry >= index;
// there is no polling. Every index returned by Propose or ReadIndex is one the
// adapter sees (commands, read barriers, configuration entries); hraft's own
// LogNoop/LogBarrier entries are invisible to FSMs, which is why ReadIndex
// uses its own barrier command rather than hraft's Barrier.
//
// LeaderEvents never blocks raft: hraft's NotifyCh is drained by a node-owned
// goroutine that fans out to subscribers, dropping a slow subscriber's oldest
// event (the last value received is always the current state).
//
// # Errors (hashicorp/raft v1.7.3)
//
// Rule: from Propose and membership changes, an error wrapping
// ErrUnknownOutcome means "may or may not commit"; any other error means the
// entry was not appended and never will be.
//
// Definitely not applied:
//   - ErrClosed: Close was called before the call, or hraft is shut down.
//   - ErrNotLeader: this node was not the leader when checked; or the future
//     failed with hraft.ErrNotLeader, which v1.7.3 returns only before the
//     entry is appended: from the follower/candidate loops draining applyCh
//     (raft.go runFollower/runCandidate) and from the leader loop when a
//     step-down is pending (raft.go leaderLoop, "stepDown"); or with
//     hraft.ErrLeadershipTransferInProgress (leader loop, before
//     dispatchLogs).
//   - hraft.ErrEnqueueTimeout (wrapped together with
//     context.DeadlineExceeded): ApplyLog's timer fired before applyCh took
//     the entry (api.go ApplyLog returns an errorFuture).
//   - ctx already done before submission (wraps ctx.Err()).
//
// Outcome unknown (ErrUnknownOutcome):
//   - ctx done or Close while waiting for an enqueued future (also wraps
//     ctx.Err() or ErrClosed).
//   - hraft.ErrLeadershipLost: the leader loop exited while the entry was
//     in flight, i.e. already in the local log (raft.go leaderLoop defer).
//   - hraft.ErrRaftShutdown: either the enqueue raced with shutdown (api.go
//     ApplyLog, not applied) or a committed entry's FSM hand-off was cut by
//     shutdown (raft.go processLogs); hraft does not tell which, so both are
//     unknown (the error also wraps ErrClosed).
//   - hraft.ErrAbortedByRestore (only after a user Restore, which this
//     package never issues) and log-store write errors from dispatchLogs.
//
// ReadIndex and WaitApplied have no side effects: they return ErrNotLeader
// (including hraft.ErrLeadershipLost during VerifyLeader), ErrClosed or the
// ctx error.
//
// # Goroutines
//
// Mux: Serve's accept loop plus one handshake goroutine per incoming conn;
// Close joins them. Node: hraft's own goroutines (joined by Shutdown) and the
// leader-event pump (joined by Close). hraft futures cannot be selected on,
// so each pending Propose/ReadIndex/membership call waits on its future in a
// helper goroutine; the caller returns on ctx/Close regardless, and the
// helper exits as soon as hraft resolves the future. In v1.7.3 a future stays
// unresolved forever only if Shutdown catches it inside the buffered applyCh
// or fsmMutateCh; such helpers stay parked (Stats "pending_future_waits").
//
// # Must not
//
// Answer reads from hraft's lease or LastContact; import segment/collection
// code; block hraft's NotifyCh or FSM goroutine; expose hraft's LogNoop or
// internal read barriers to the caller's FSM; use any transport other than
// the Mux.
package raft
