package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/raftvec/raftvec/storage"
)

// List walks the directory tree below the deepest directory named by
// prefix and returns the objects whose keys start with prefix, sorted.
// Objects deleted concurrently with the walk may or may not appear.
func (s *Store) List(ctx context.Context, prefix string) ([]storage.ObjectInfo, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("storage/local: list %q: %w", prefix, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("storage/local: list %q: %w", prefix, err)
	}
	if err := storage.ValidatePrefix(prefix); err != nil {
		return nil, fmt.Errorf("storage/local: list: %w", err)
	}
	base := s.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = filepath.Join(s.root, filepath.FromSlash(prefix[:i]))
	}
	w := walker{ctx: ctx, root: s.root, prefix: prefix}
	if err := filepath.WalkDir(base, w.visit); err != nil {
		return nil, fmt.Errorf("storage/local: list %q: %w", prefix, err)
	}
	slices.SortFunc(w.out, func(a, b storage.ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	return w.out, nil
}

type walker struct {
	ctx    context.Context
	root   string
	prefix string
	out    []storage.ObjectInfo
}

func (w *walker) visit(path string, d fs.DirEntry, err error) error {
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
			return nil // base missing, or removed by a concurrent Delete
		}
		return err
	}
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if path == w.root {
		return nil
	}
	rel, err := filepath.Rel(w.root, path)
	if err != nil {
		return err
	}
	key := filepath.ToSlash(rel)
	if d.IsDir() {
		if !strings.HasPrefix(key+"/", w.prefix) && !strings.HasPrefix(w.prefix, key+"/") {
			return filepath.SkipDir
		}
		return nil
	}
	if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), tmpPrefix) || !strings.HasPrefix(key, w.prefix) {
		return nil
	}
	fi, err := d.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	w.out = append(w.out, storage.ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()})
	return nil
}
