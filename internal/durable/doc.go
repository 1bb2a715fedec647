// Package durable owns the local-disk writes that must survive a crash:
// WriteFile (temp file in the same directory, fsync, rename, fsync the
// directory) and SyncDir (make a created, renamed or removed entry
// durable).
//
// Invariants: a WriteFile either leaves the old file (or none) or the whole
// new one, never a partial file under the final name; a failed write
// removes its temp file. It must not be used for large files streamed
// from elsewhere (it takes the whole content in memory) nor for caches,
// which need no fsync.
package durable
