// Package minio is the MinIO / S3 backend of storage.ObjectStore, built on
// minio-go v7. Object key k is stored as "{Root}/k" in Config.Bucket.
//
// Invariants:
//   - Put is one PutObject with the length known: a single-part PUT up to
//     64 MiB (PartSize), a multipart upload above. Both are atomic in S3:
//     the object appears whole when the PUT or CompleteMultipartUpload
//     succeeds, never partially, and an overwrite replaces it whole.
//   - Keys follow storage.ValidateKey; "{Root}/" counts against the 1024-
//     byte S3 limit. Keys must form a tree (see storage.ObjectStore): MinIO
//     accepts both "a/b" and "a/b/c" but its recursive listing then shows
//     only "a/b", so List (and a garbage collector using it) would miss
//     "a/b/c". This backend does not spend requests to detect it.
//   - Get and Stat map S3's NoSuchKey to storage.ErrNotFound; deleting a
//     missing key succeeds (S3 semantics).
//   - Every call takes the caller's context into each HTTP request.
//
// Retries: raftvec leaves retrying to its callers (the leader-only flush
// loops, which retry with the same key and bytes), but minio-go retries by
// itself underneath every call: up to Config.MaxRetries attempts (minio-go's
// default is 10) with exponential backoff starting at 200 ms, capped at 1 s
// per wait, full jitter, on network errors, HTTP 408/429/499/500/502/503/
// 504/520 and S3 codes such as InternalError, SlowDown and RequestTimeout.
// A request body is retried only because it is a seekable bytes.Reader. A
// cancelled context stops the retries at once. So one failed call can take
// ~10 s before reporting an outage; set MaxRetries to 1 to fail fast.
//
// minio must not know about Raft.
package minio
