// Package local is the directory backend of storage.ObjectStore: object
// "a/b/c" is the file {dir}/a/b/c. It serves standalone nodes and tests.
//
// Invariants:
//   - Put is atomic and durable: the bytes go to a temporary file in the
//     target directory, which is fsynced, renamed over the target and the
//     directory fsynced, so readers and a crash see the old or the new
//     object, never a partial one. Directories Put creates are fsynced into
//     their parents too.
//   - Temporary files are named ".raftvec-tmp-*"; List never shows them and
//     keys with a segment of that form are rejected with ErrInvalidKey. A
//     crash can leave one behind; it is garbage, never an object.
//   - A key cannot be both an object and a directory of another object
//     ("a/b" and "a/b/c"; see storage.ObjectStore): such a Put fails, and
//     Get/Stat of a key that is only a directory report ErrNotFound.
//   - Delete removes directories it leaves empty (not the store's root).
//     Deletes are not fsynced: a crash may bring a deleted object back, and
//     a garbage collector deletes it again.
//
// local must not know about Raft.
package local
