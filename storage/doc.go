// Package storage owns raftvec's view of object storage: the small
// ObjectStore interface every backend implements, the shared key rules, and
// the key layout of sealed data (insert, delta and stats logs, index files).
//
// Backends live in subpackages, one per backend: storage/local (a directory)
// and storage/minio (MinIO or any S3). storage/storagetest is the conformance
// suite that every backend's tests run.
//
// Invariants every backend keeps:
//   - Puts are atomic: a reader sees the old object or the new one, never a
//     partial or interleaved one. Concurrent Puts to one key end with one of
//     the written values (last writer wins).
//   - Puts are idempotent: a retry that writes the same bytes under the same
//     key is harmless. Together with deterministic keys (see keys.go) this
//     lets a leader that crashed after a Put but before proposing the Raft
//     entry that references it simply redo the Put.
//   - Keys are validated identically by every backend (ValidateKey); a bad
//     key fails with ErrInvalidKey before any I/O.
//   - Every call honours its context; a call whose context is already done
//     changes nothing and returns the context's error (wrapped).
//
// storage must not know about Raft: it stores bytes under names. Deciding
// when an object may be deleted (DESIGN §3 invariant 4) is the caller's job.
package storage
