package shards

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/raftvec/raftvec/index"
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

// indexCache holds the index files a replica has loaded, by key.
type indexCache struct {
	mu sync.Mutex
	m  map[string]segmentIndex
}

// get returns the loaded index of a file, loading it (checksum verified)
// on first use.
func (c *indexCache) get(ref *segment.IndexRef, load segment.Loader) (segmentIndex, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if x, ok := c.m[ref.Key]; ok {
		return x, nil
	}
	if load == nil {
		return nil, fmt.Errorf("%w: no object storage to load index %s", ErrUnavailable, ref.Key)
	}
	b, err := load(ref.Key)
	if err != nil {
		return nil, fmt.Errorf("shards: loading index %s: %w", ref.Key, err)
	}
	if segment.Checksum(b) != ref.Checksum {
		return nil, fmt.Errorf("%w: index file %s does not match its checksum", segment.ErrCorrupt, ref.Key)
	}
	x, err := decodeIndex(ref.Type, b)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]segmentIndex{}
	}
	c.m[ref.Key] = x
	return x, nil
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
