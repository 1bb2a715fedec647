// Package builder is what an index node runs (README "Node roles"): the
// index builds, compactions and bulk imports the coordinator assigns to
// this node as tasks. An import (import.go) reads each file from object
// storage, validates every row, splits the rows by primary-key hash,
// writes each shard's chunks and commits them through the shard's log
// (fsm.KindImportCommit); two files of a job at a time, each all or
// nothing. A worker reads sealed segments from object storage (never from a
// replica's memory: an index node hosts no replica), writes index files and
// compaction outputs there, and reports through the shard's Raft log, which
// it reaches through a Router (the node's shards.Host).
//
// Invariants:
//   - Side effects come first: a file is in object storage before the log
//     entry naming it is proposed.
//   - Tasks are fenced: files are named after the task's token, a build
//     checks right before reporting that the segment does not record a
//     newer build of the same index (ErrStaleBuild), and the FSM refuses an
//     older build's Indexed entry; a compaction whose inputs are gone is
//     stale (ErrStaleTask) and counts as done.
//   - A worker hands its working memory (whole segments and their copies)
//     back to the operating system when a task ends.
//
// builder must not open Raft groups or hold shard state.
package builder
