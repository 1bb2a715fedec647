package shards

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/internal/mmap"
	"github.com/raftvec/raftvec/segment"
)

// segmentIndex is a loaded per-segment index file (HNSW or IVF_FLAT). Its
// search reads the type's own parameters (ef, nprobe) from the request's
// search params.
type segmentIndex interface {
	search(queries [][]float32, p index.SearchParams, params map[string]any) ([][]index.Hit, error)
}

type hnswIndex struct{ h *index.HNSW }

func (x hnswIndex) search(queries [][]float32, p index.SearchParams, params map[string]any) ([][]index.Hit, error) {
	return x.h.SearchEf(queries, p, max(efParam(params), p.TopK))
}

type ivfIndex struct{ x *index.IVFFlat }

func (x ivfIndex) search(queries [][]float32, p index.SearchParams, params map[string]any) ([][]index.Hit, error) {
	return x.x.SearchNprobe(queries, p, nprobeParam(params))
}

// decodeIndex parses an index file of the given type.
func decodeIndex(typ string, b []byte) (segmentIndex, error) {
	switch strings.ToUpper(typ) {
	case "HNSW":
		h, err := index.UnmarshalHNSW(b)
		if err != nil {
			return nil, fmt.Errorf("shards: HNSW index file: %w", err)
		}
		return hnswIndex{h}, nil
	case "IVF_FLAT":
		x, err := index.UnmarshalIVFFlat(b)
		if err != nil {
			return nil, fmt.Errorf("shards: IVF_FLAT index file: %w", err)
		}
		return ivfIndex{x}, nil
	}
	return nil, fmt.Errorf("%w: index file type %q", segment.ErrCorrupt, typ)
}

// indexFiles is where a replica reads index files: in place from a local
// file when path finds one (the local object store, or the chunk cache),
// else as bytes from load.
type indexFiles struct {
	path func(key string) (string, error) // nil: no local files
	load segment.Loader
}

// indexRetry is how long a file that failed to load is not tried again
// (searches scan its segment meanwhile).
const indexRetry = 30 * time.Second

// indexCache holds the index files a replica has loaded, by key. A file is
// memory-mapped and searched in place (index.OpenHNSW, OpenIVFFlat), so its
// vectors and graph are not on the Go heap; a mapping is unmapped once its
// segment no longer references it (retain) and no search holds it.
type indexCache struct {
	mu      sync.Mutex
	m       map[string]*loadedIndex
	loading map[string]chan struct{} // closed when the key's load ends
	failed  map[string]time.Time     // key -> when loading it last failed
	closed  bool
}

type loadedIndex struct {
	ix   segmentIndex
	file *mmap.Map // nil when decoded onto the heap
	refs int       // searches holding it
	dead bool      // evicted: unmap when refs drops to 0
}

// get returns the loaded index of a file, loading it (checksum verified) on
// first use, and a release func the caller must call once it no longer
// reads the index. A load runs without the cache's lock: searches of other
// segments are not held up by a slow download; callers wanting the same
// file wait for the one load.
func (c *indexCache) get(ref *segment.IndexRef, src indexFiles) (segmentIndex, func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.closed {
			return nil, nil, fmt.Errorf("%w: index %s: the replica is closed", ErrUnavailable, ref.Key)
		}
		if l, ok := c.m[ref.Key]; ok {
			return c.holdLocked(l)
		}
		if at, ok := c.failed[ref.Key]; ok && time.Since(at) < indexRetry {
			return nil, nil, fmt.Errorf("%w: index %s failed to load %s ago", ErrUnavailable, ref.Key, time.Since(at).Round(time.Second))
		}
		ch, busy := c.loading[ref.Key]
		if !busy {
			break
		}
		c.mu.Unlock()
		<-ch
		c.mu.Lock()
	}
	return c.loadLocked(ref, src)
}

// loadLocked loads a file with c.mu released meanwhile.
func (c *indexCache) loadLocked(ref *segment.IndexRef, src indexFiles) (segmentIndex, func(), error) {
	if c.loading == nil {
		c.loading = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	c.loading[ref.Key] = ch
	c.mu.Unlock()
	l, err := openIndex(ref, src)
	c.mu.Lock()
	delete(c.loading, ref.Key)
	close(ch)
	if err != nil {
		if c.failed == nil {
			c.failed = map[string]time.Time{}
		}
		c.failed[ref.Key] = time.Now()
		return nil, nil, err
	}
	delete(c.failed, ref.Key)
	if c.closed {
		l.dead = true
		c.freeLocked(l)
		return nil, nil, fmt.Errorf("%w: index %s: the replica is closed", ErrUnavailable, ref.Key)
	}
	if c.m == nil {
		c.m = map[string]*loadedIndex{}
	}
	c.m[ref.Key] = l
	return c.holdLocked(l)
}

func (c *indexCache) holdLocked(l *loadedIndex) (segmentIndex, func(), error) {
	l.refs++
	var once sync.Once
	return l.ix, func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			l.refs--
			c.freeLocked(l)
		})
	}, nil
}

// freeLocked unmaps an evicted index nobody holds.
func (c *indexCache) freeLocked(l *loadedIndex) {
	if l.dead && l.refs == 0 && l.file != nil {
		_ = l.file.Close()
		l.file = nil
	}
}

// retain evicts the indexes whose keys are not in live (their segments
// were compacted away or the index dropped).
func (c *indexCache) retain(live map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, l := range c.m {
		if !live[k] {
			delete(c.m, k)
			l.dead = true
			c.freeLocked(l)
		}
	}
}

// has reports whether a file is loaded.
func (c *indexCache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	return ok
}

// close evicts everything; get fails afterwards.
func (c *indexCache) close() {
	c.retain(nil)
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

// resident returns the number of loaded indexes and of their mapped bytes.
func (c *indexCache) resident() (n int, mapped int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.m {
		n++
		if l.file != nil {
			mapped += int64(l.file.Len())
		}
	}
	return n, mapped
}

// openIndex loads one index file: memory-mapped when a local file holds it
// (the local object store, or the chunk cache), else decoded from its
// bytes.
func openIndex(ref *segment.IndexRef, src indexFiles) (*loadedIndex, error) {
	if src.path != nil {
		if p, err := src.path(ref.Key); err == nil {
			return mapIndex(ref, p)
		}
	}
	if src.load == nil {
		return nil, fmt.Errorf("%w: no object storage to load index %s", ErrUnavailable, ref.Key)
	}
	b, err := src.load(ref.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: loading index %s: %w", ErrUnavailable, ref.Key, err)
	}
	if segment.Checksum(b) != ref.Checksum {
		return nil, fmt.Errorf("%w: index file %s does not match its checksum", segment.ErrCorrupt, ref.Key)
	}
	x, err := decodeIndex(ref.Type, b)
	if err != nil {
		return nil, err
	}
	return &loadedIndex{ix: x}, nil
}

// mapIndex opens an index file in place: searches read the mapping, so
// its graph or lists and vectors stay outside the Go heap (files of the
// older, unpadded formats are decoded by copy).
func mapIndex(ref *segment.IndexRef, path string) (*loadedIndex, error) {
	m, err := mmap.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: index %s: %w", ErrUnavailable, ref.Key, err)
	}
	if segment.Checksum(m.Bytes()) != ref.Checksum {
		_ = m.Close()
		return nil, fmt.Errorf("%w: index file %s does not match its checksum", segment.ErrCorrupt, ref.Key)
	}
	var ix segmentIndex
	switch strings.ToUpper(ref.Type) {
	case index.FileHNSW:
		var h *index.HNSW
		if h, err = index.OpenHNSW(m.Bytes()); err == nil {
			ix = hnswIndex{h}
		}
	case index.FileIVFFlat:
		var x *index.IVFFlat
		if x, err = index.OpenIVFFlat(m.Bytes()); err == nil {
			ix = ivfIndex{x}
		}
	default:
		err = fmt.Errorf("%w: index file type %q", segment.ErrCorrupt, ref.Type)
	}
	if err != nil {
		_ = m.Close()
		return nil, fmt.Errorf("shards: %s index file %s: %w", ref.Type, ref.Key, err)
	}
	return &loadedIndex{ix: ix, file: m}, nil
}

// IVFDefaultNprobe is the IVF_FLAT search parameter nprobe when a search
// gives none.
const IVFDefaultNprobe = 16

// efParam reads the HNSW search parameter ef (default index.HNSWDefaultEf).
func efParam(params map[string]any) int {
	return anyIntParam(params, "ef", index.HNSWDefaultEf)
}

// nprobeParam reads the IVF_FLAT search parameter nprobe (default
// IVFDefaultNprobe).
func nprobeParam(params map[string]any) int {
	return anyIntParam(params, "nprobe", IVFDefaultNprobe)
}

// anyIntParam reads a positive integer search parameter given as a JSON
// number or a string; anything else gives def.
func anyIntParam(params map[string]any, key string, def int) int {
	n := 0
	switch v := params[key].(type) {
	case float64:
		n = int(v)
	case int64:
		n = int(v)
	case int:
		n = v
	case string:
		n, _ = strconv.Atoi(v)
	}
	if n <= 0 {
		return def
	}
	return n
}
