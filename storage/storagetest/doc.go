// Package storagetest is the conformance suite of storage.ObjectStore. Every
// backend's tests call Run with a constructor of fresh, empty stores; the
// suite exercises each contract of the interface: round trips (empty and
// 5 MiB objects), overwrites and idempotent retries, ErrNotFound, deletes,
// List prefix semantics and order, key validation on every method,
// concurrent writers (never a torn object), context cancellation, Close.
//
// It must not know about Raft or about any particular backend.
package storagetest
