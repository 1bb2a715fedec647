// Package mmap maps files read-only into memory, so large immutable files
// (index files, segment columns) are read in place, outside the Go heap,
// paged in by the kernel on use and dropped by it under memory pressure.
//
// Contracts:
//   - A Map's bytes are read-only: writing them faults.
//   - Close unmaps; using the bytes (or anything aliasing them) afterwards
//     faults, so the owner must know that no reader remains (refcounts).
//   - An empty file maps to an empty, non-nil slice without a mapping.
//
// mmap must not be used for files that change while mapped.
package mmap
