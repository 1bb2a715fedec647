package raft

import (
	"sync"

	hraft "github.com/hashicorp/raft"
)

// logCacheBytes bounds the entries a group keeps in memory in front of its
// log store. hashicorp's LogCache bounds entries, not bytes: 512 insert
// entries of 1,000 × 128-d vectors pinned 256 MiB per group.
const logCacheBytes = 8 << 20

// logCache keeps the newest stored entries, up to maxBytes of data, so
// followers that are a little behind and the FSM read them without the
// store. It holds a run of consecutive indexes; anything that breaks the
// run (a truncation, a gap) empties it.
type logCache struct {
	hraft.LogStore
	maxBytes int

	mu struct {
		sync.RWMutex
		logs  []*hraft.Log // consecutive indexes, oldest first
		bytes int
	}
}

func newLogCache(store hraft.LogStore, maxBytes int) *logCache {
	return &logCache{LogStore: store, maxBytes: maxBytes}
}

// GetLog implements hraft.LogStore.
func (c *logCache) GetLog(idx uint64, out *hraft.Log) error {
	c.mu.RLock()
	if n := len(c.mu.logs); n > 0 {
		first := c.mu.logs[0].Index
		if idx >= first && idx < first+uint64(n) {
			*out = *c.mu.logs[idx-first]
			c.mu.RUnlock()
			return nil
		}
	}
	c.mu.RUnlock()
	return c.LogStore.GetLog(idx, out)
}

// StoreLog implements hraft.LogStore.
func (c *logCache) StoreLog(l *hraft.Log) error { return c.StoreLogs([]*hraft.Log{l}) }

// StoreLogs implements hraft.LogStore: the store first, then the cache.
func (c *logCache) StoreLogs(logs []*hraft.Log) error {
	if err := c.LogStore.StoreLogs(logs); err != nil {
		c.reset()
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range logs {
		c.appendLocked(l)
	}
	return nil
}

func (c *logCache) appendLocked(l *hraft.Log) {
	size := len(l.Data) + len(l.Extensions)
	if n := len(c.mu.logs); n > 0 && c.mu.logs[n-1].Index+1 != l.Index {
		c.resetLocked()
	}
	if size > c.maxBytes {
		c.resetLocked() // too big to cache; the run continues after it
		return
	}
	c.mu.logs = append(c.mu.logs, l)
	c.mu.bytes += size
	for c.mu.bytes > c.maxBytes {
		old := c.mu.logs[0]
		c.mu.bytes -= len(old.Data) + len(old.Extensions)
		c.mu.logs[0] = nil // the array keeps the slot until append moves it
		c.mu.logs = c.mu.logs[1:]
	}
}

// DeleteRange implements hraft.LogStore (compaction or a conflicting
// suffix): the cache is emptied rather than trimmed.
func (c *logCache) DeleteRange(lo, hi uint64) error {
	c.reset()
	return c.LogStore.DeleteRange(lo, hi)
}

func (c *logCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
}

func (c *logCache) resetLocked() {
	c.mu.logs, c.mu.bytes = nil, 0
}
