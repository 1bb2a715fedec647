// Package proxy is the proxy role of a node: it implements api.Backend by
// combining the coordinator (metadata) with the shard replicas, for both
// front ends (REST in package api, gRPC in package grpcapi). It resolves
// collection and partition names, compiles a read's filter once (replicas
// on this node use the compiled filter), hashes primary keys to shards
// (the "channels"), splits writes by shard, scatters reads to one replica
// per shard, and reduces their answers: entities merged by primary key,
// hits by distance with grouping, then the offset/limit window.
//
// A BM25 search takes two rounds: the shards' statistics of the query
// terms (live rows, their total length, document frequencies), then the
// search with idf weights and the average length of the whole collection,
// so that every shard scores alike. A collection with a partition key
// routes each row to the partition its key hashes to (KeyPartition), and a
// read whose filter fixes the key (expr.Filter.FieldValues) goes to those
// partitions only. Reads name the fields with a scalar index
// (ReadOptions.ScalarIndexes) so replicas can answer filter terms from
// them.
//
// Invariants:
//   - A request is validated against metadata before anything is proposed.
//   - Shard routing is a pure function of the primary key and the shard
//     count (ShardOf), identical on every node and across versions; so is
//     partition-key routing (KeyPartition) of the key and partition count.
//   - A write split across shards that was applied on some and refused on
//     others fails with shards.ErrUnknownOutcome, never as "not applied";
//     per-shard idempotency keys make its retry complete it.
//   - Searches name a per-segment index by its BuildName (name#id), so
//     files of a dropped index are never used for a same-named successor.
//   - Every collection and alias name is looked up in the database the
//     request's context carries (WithDatabase; none: default), qualified
//     once here (coordinator.Qualify): front ends never qualify names.
//
// proxy must not format HTTP responses or touch segment internals.
package proxy
