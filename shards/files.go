package shards

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/raftvec/raftvec/internal/mmap"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/storage"
)

// fetchTimeout bounds one download of an index file for a search; a search
// that cannot get its index scans the segment instead of waiting.
const fetchTimeout = 30 * time.Second

// localStore returns the object store when its objects are files on this
// machine (read in place, never copied into the chunk cache).
func (h *Host) localStore() (storage.Filer, bool) {
	f, ok := h.cfg.Lifecycle.Store.(storage.Filer)
	return f, ok
}

// indexSource returns where the host's replicas read index files: in place
// from the local object store, or from the chunk cache (downloading a file
// there first) with remote object storage.
func (h *Host) indexSource() indexFiles {
	store := h.cfg.Lifecycle.Store
	if store == nil {
		return indexFiles{}
	}
	files := indexFiles{load: h.fetchOnce}
	if f, ok := h.localStore(); ok {
		files.path = f.Path
	} else if h.cfg.Lifecycle.CacheDir != "" {
		files.path = h.cachedFile
	}
	return files
}

// mapper returns how replicas map flushed vector columns in place: from
// the same local files as index files (the local object store, or the
// chunk cache after a download). nil when there are none; an object that
// cannot be mapped is read onto the heap instead (segment.LoadMapped).
func (f indexFiles) mapper() segment.Mapper {
	if f.path == nil {
		return nil
	}
	return func(key string) ([]byte, func() error, bool) {
		p, err := f.path(key)
		if err != nil {
			return nil, nil, false
		}
		m, err := mmap.Open(p)
		if err != nil {
			return nil, nil, false
		}
		return m.Bytes(), m.Close, true
	}
}

// fetchOnce downloads an object without retrying.
func (h *Host) fetchOnce(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(h.ctx, fetchTimeout)
	defer cancel()
	return h.cfg.Lifecycle.Store.Get(ctx, key)
}

// cachedFile returns the chunk-cache file of an object, downloading it
// first when it is not there.
func (h *Host) cachedFile(key string) (string, error) {
	cache := chunkCache{dir: h.cfg.Lifecycle.CacheDir}
	p, err := cache.path(key)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	b, err := h.fetchOnce(key)
	if err != nil {
		return "", fmt.Errorf("shards: fetching %s: %w", key, err)
	}
	if err := cache.put(key, b); err != nil {
		return "", fmt.Errorf("shards: caching %s: %w", key, err)
	}
	return p, nil
}

// returnMemory hands the memory of a finished index build or compaction
// back to the operating system at once. Each reads a whole segment and
// builds a copy of it: hundreds of MB the Go runtime would otherwise keep
// (and the node's RSS show) long after the heap shrank. Builds take
// seconds, so the forced collection costs little in proportion.
func returnMemory() { debug.FreeOSMemory() }

// lastReturn is when returnMemoryEvery last handed memory back (unix ns).
var lastReturn atomic.Int64

// returnMemoryEvery is returnMemory at most once per interval across the
// process: after a replica's flushed vectors left its heap (a snapshot
// every 64 MiB flushed), so RSS follows the heap down on every replica,
// query replicas included, without a forced collection per shard.
func returnMemoryEvery(interval time.Duration) {
	now := time.Now().UnixNano()
	last := lastReturn.Load()
	if now-last < int64(interval) || !lastReturn.CompareAndSwap(last, now) {
		return
	}
	returnMemory()
}
