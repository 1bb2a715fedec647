package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/raftvec/raftvec/internal/durable"
)

var (
	errNotDir = syscall.ENOTDIR
	errIsDir  = syscall.EISDIR
)

// mkdirRetries bounds how often Put recreates a directory that a concurrent
// Delete removed as empty between Put's mkdir and its temporary file.
const mkdirRetries = 8

// Put writes data atomically and durably: temporary file in the target
// directory, fsync, rename over the target, fsync the directory.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	path, err := s.begin(ctx, "put", key)
	if err != nil {
		return err
	}
	tmp, err := s.writeTemp(filepath.Dir(path), data)
	if err != nil {
		return fmt.Errorf("storage/local: put %q: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("storage/local: put %q: %w", key, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("storage/local: put %q: %w", key, err)
	}
	// ErrNotExist: a concurrent Delete of this key already removed the
	// object and its directory, so there is nothing left to make durable.
	if err := durable.SyncDir(filepath.Dir(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage/local: put %q: %w", key, err)
	}
	return nil
}

// writeTemp creates dir if needed and writes data to a new, fsynced
// temporary file in it, returning its path.
func (s *Store) writeTemp(dir string, data []byte) (string, error) {
	for attempt := 0; ; attempt++ {
		f, err := s.createTemp(dir)
		if errors.Is(err, fs.ErrNotExist) && attempt < mkdirRetries {
			continue // a concurrent Delete removed a directory; recreate it
		}
		if err != nil {
			return "", err
		}
		if err := fillAndClose(f, data); err != nil {
			_ = os.Remove(f.Name())
			return "", err
		}
		return f.Name(), nil
	}
}

func (s *Store) createTemp(dir string) (*os.File, error) {
	if err := s.mkdirAll(dir); err != nil {
		return nil, err
	}
	return os.CreateTemp(dir, tmpPrefix+"*")
}

func fillAndClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// mkdirAll creates dir and its missing ancestors below the root, fsyncing
// each new directory's parent so the new entry survives a crash.
func (s *Store) mkdirAll(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s: %w (an object is a prefix of the key)", dir, errNotDir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) || dir == s.root {
		return err
	}
	parent := filepath.Dir(dir)
	if err := s.mkdirAll(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return durable.SyncDir(parent)
}
