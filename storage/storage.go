package storage

import (
	"context"
	"errors"
	"time"
)

// ObjectStore is a namespace of objects addressed by "/"-separated keys.
// Implementations are safe for concurrent use.
//
// Keys must form a tree: no key may also be a directory of another key
// ("a/b" and "a/b/c"). Backends break differently if it happens (the local
// backend fails the second Put; MinIO accepts it, Gets both, but its
// recursive List hides the deeper key), so callers must never do it. The
// layout in keys.go never does: each family has a fixed number of segments.
type ObjectStore interface {
	// Put stores data under key. It is atomic: readers see the old object
	// or the new one, never a partial one. Overwriting an object, also
	// with identical bytes (an idempotent retry), is allowed. The store
	// does not retain data after Put returns.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the whole object. The error wraps ErrNotFound when the
	// key does not name an object (including when it names only a
	// "directory", i.e. a prefix of other keys). The returned slice is the
	// caller's.
	Get(ctx context.Context, key string) ([]byte, error)
	// Stat returns the object's metadata, or an error wrapping ErrNotFound.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List returns every object whose key starts with prefix (a plain
	// string prefix: "a/b" matches "a/b/x" and "a/bc"), recursively,
	// sorted by key in byte order. An empty prefix lists everything.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Delete removes the object. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Close releases resources. It is idempotent; every other method
	// returns ErrClosed afterwards.
	Close() error
}

// Filer is implemented by backends whose objects are files on this machine
// (the local backend). Path returns the file holding an object, so readers
// can read or memory-map it in place instead of keeping a second copy; the
// file must not be written through that path. The error wraps ErrNotFound
// when there is no such object.
type Filer interface {
	Path(key string) (string, error)
}

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key     string    // the key as given to Put (without any backend root)
	Size    int64     // bytes
	ModTime time.Time // last write, as the backend records it
	// ETag is the backend's entity tag or checksum when it has one
	// (S3/MinIO: the ETag, for single-part uploads the hex MD5), and ""
	// otherwise (the local backend). Compare it only within one backend.
	ETag string
}

var (
	// ErrNotFound is wrapped by Get and Stat when the object does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrInvalidKey is wrapped by every method given a key or prefix that
	// breaks the rules of ValidateKey / ValidatePrefix.
	ErrInvalidKey = errors.New("invalid object key")
	// ErrClosed is wrapped by every method called after Close.
	ErrClosed = errors.New("object store closed")
)
