package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/raftvec/raftvec/storage"
)

// tmpPrefix starts the name of every temporary file; keys may not use it.
const tmpPrefix = ".raftvec-tmp-"

// Store is a storage.ObjectStore over a local directory.
type Store struct {
	root   string // absolute, cleaned
	closed atomic.Bool
}

var _ storage.ObjectStore = (*Store)(nil)

// New opens (creating if needed) the directory dir as an object store.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage/local: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("storage/local: create root: %w", err)
	}
	return &Store{root: abs}, nil
}

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.root }

// Close marks the store closed. It is idempotent.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

// Get reads the whole object.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	path, err := s.begin(ctx, "get", key)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, mapErr("get", key, err)
	}
	return data, nil
}

// Path returns the file holding an object (storage.Filer): objects are
// replaced by rename and never written in place, so a reader of the file
// sees one version.
func (s *Store) Path(key string) (string, error) {
	path, err := s.begin(context.Background(), "path", key)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err != nil {
		return "", mapErr("path", key, err)
	}
	return path, nil
}

// Stat returns the object's size and modification time (no ETag).
func (s *Store) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	path, err := s.begin(ctx, "stat", key)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return storage.ObjectInfo{}, mapErr("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return storage.ObjectInfo{}, fmt.Errorf("storage/local: stat %q: %w", key, storage.ErrNotFound)
	}
	return storage.ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes the object and then every parent directory it leaves
// empty. A missing key, or one that names only a directory, is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	path, err := s.begin(ctx, "delete", key)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) || (err == nil && fi.IsDir()) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage/local: delete %q: %w", key, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage/local: delete %q: %w", key, err)
	}
	s.removeEmptyParents(filepath.Dir(path))
	return nil
}

// removeEmptyParents removes dir and its ancestors below the root while
// they are empty. Failures (typically "directory not empty", or a
// concurrent Put recreating it) just stop the walk.
func (s *Store) removeEmptyParents(dir string) {
	for dir != s.root && strings.HasPrefix(dir, s.root+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// begin checks that the store is open, ctx is live and key is valid, and
// returns the key's path.
func (s *Store) begin(ctx context.Context, op, key string) (string, error) {
	if s.closed.Load() {
		return "", fmt.Errorf("storage/local: %s %q: %w", op, key, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("storage/local: %s %q: %w", op, key, err)
	}
	if err := validateKey(key); err != nil {
		return "", fmt.Errorf("storage/local: %s: %w", op, err)
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// validateKey adds the local rule (no temporary-file names) to the shared
// ones.
func validateKey(key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if strings.HasPrefix(key, tmpPrefix) || strings.Contains(key, "/"+tmpPrefix) {
		return fmt.Errorf("%w %q: segment starts with reserved %q", storage.ErrInvalidKey, key, tmpPrefix)
	}
	return nil
}

// mapErr turns "no such file", "not a directory" (a parent is an object)
// and "is a directory" (the key is only a prefix) into ErrNotFound.
func mapErr(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) || errors.Is(err, errIsDir) {
		return fmt.Errorf("storage/local: %s %q: %w", op, key, storage.ErrNotFound)
	}
	return fmt.Errorf("storage/local: %s %q: %w", op, key, err)
}
