package shards

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/raftvec/raftvec/storage"
)

// chunkCache keeps fetched chunk objects on local disk, so a replica that
// restores again (after a restart) does not download them again. Objects
// are immutable once referenced (deterministic keys, checksums checked by
// the caller), so entries never go stale. Writes are atomic: temp file,
// fsync, rename.
type chunkCache struct{ dir string }

func (c chunkCache) path(key string) (string, error) {
	if c.dir == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("shards: key %q not cacheable", key)
	}
	return filepath.Join(c.dir, filepath.FromSlash(key)), nil
}

func (c chunkCache) get(key string) ([]byte, bool) {
	p, err := c.path(key)
	if err != nil {
		return nil, false
	}
	b, err := os.ReadFile(p)
	return b, err == nil
}

func (c chunkCache) put(key string, b []byte) error {
	p, err := c.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// prune removes cached chunks and index files of a replica's shard that
// its segments no longer reference (compacted, merged, dropped or
// re-indexed). root is the object keys' prefix (Lifecycle.Root).
func (c chunkCache) prune(r *Replica, root string) {
	if c.dir == "" {
		return
	}
	live := r.referencedKeys()
	shardBits := SegmentBase(r.CollectionID, r.Shard) >> 24
	stale := func(key string) bool {
		if id, err := storage.ParseInsertLogKey(root, key); err == nil {
			return id.Segment>>24 == shardBits && !live[key]
		}
		if id, err := storage.ParseIndexFileKey(root, key); err == nil {
			return id.Segment>>24 == shardBits && !live[key]
		}
		return false
	}
	// Index files are keyed by build, not collection: that tree is walked
	// whole (only with remote storage; it holds one file per segment).
	for _, dir := range []string{filepath.Join(c.dir, filepath.FromSlash(root), "insert_log", fmt.Sprint(r.CollectionID)),
		filepath.Join(c.dir, filepath.FromSlash(root), "index_files")} {
		_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return nil
			}
			// A mapped index file stays readable after its name is removed.
			if rel, err := filepath.Rel(c.dir, p); err == nil && stale(filepath.ToSlash(rel)) {
				_ = os.Remove(p)
			}
			return nil
		})
	}
}
