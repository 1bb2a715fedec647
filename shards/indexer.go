package shards

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/storage"
)

// GraphIndexed reports whether an index is built as a file per flushed
// segment (HNSW, AUTOINDEX); other types are served by exact search.
func GraphIndexed(ix coordinator.Index) bool {
	switch strings.ToUpper(ix.IndexType) {
	case "HNSW", "AUTOINDEX":
		return true
	}
	return false
}

// indexStep asks the coordinator for an index build of every flushed
// segment of a leader replica that lacks its collection's index.
func (h *Host) indexStep(ctx context.Context, r *Replica) error {
	if h.cfg.SubmitTask == nil || h.cfg.Indexes == nil || h.cfg.Lifecycle.Store == nil {
		return nil
	}
	for _, ix := range h.cfg.Indexes(r.CollectionID) {
		if !GraphIndexed(ix) {
			continue
		}
		for _, s := range r.Segments() {
			if s.State == segment.Flushed.String() && s.IndexName != ix.Name && s.Rows > 0 {
				t := coordinator.Task{Kind: coordinator.TaskIndex, Index: ix.Name, Collection: r.CollectionID, Shard: r.Shard, Segments: []int64{s.ID}}
				if _, err := h.cfg.SubmitTask(ctx, t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// RunIndexBuild executes an index build assigned to this node: it reads
// the segment from object storage, builds the index, writes the file under
// index_files/{build}/{version}/{partition}/{segment}/, and records it with
// an Indexed entry. A segment compacted away meanwhile makes it a no-op.
func (h *Host) RunIndexBuild(ctx context.Context, c *coordinator.Collection, t coordinator.Task) error {
	i := slices.IndexFunc(c.Indexes, func(ix coordinator.Index) bool { return ix.Name == t.Index })
	if i < 0 || len(t.Segments) != 1 {
		return nil // index dropped meanwhile
	}
	ix := c.Indexes[i]
	infos, err := h.Segments(ctx, c, t.Shard, coordinator.Strong)
	if err != nil {
		return err
	}
	j := slices.IndexFunc(infos, func(s SegmentInfo) bool { return s.ID == t.Segments[0] })
	if j < 0 || infos[j].State != segment.Flushed.String() {
		return nil
	}
	ref, err := h.buildIndexFile(ctx, c, ix, infos[j], t)
	if err != nil {
		return err
	}
	_, _, err = h.Propose(ctx, c, t.Shard, &fsm.Command{Kind: fsm.KindIndexed, Segment: infos[j].ID, Index: ref})
	if errors.Is(err, ErrInvalid) {
		return nil
	}
	return err
}

func (h *Host) buildIndexFile(ctx context.Context, c *coordinator.Collection, ix coordinator.Index, info SegmentInfo, t coordinator.Task) (*segment.IndexRef, error) {
	f := c.Schema.FieldIndex(ix.FieldName)
	if f < 0 {
		return nil, fmt.Errorf("%w: index field %q not in the schema", ErrInvalid, ix.FieldName)
	}
	g, err := segment.LoadFlushed(&c.Schema, info.ID, info.Partition, info.Manifest, h.loader())
	if err != nil {
		return nil, err
	}
	metric, err := index.ParseMetric(ix.MetricType)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	hn, err := index.NewHNSW(g.Columns[f].Dim, metric, index.HNSWConfig{M: intParam(ix.Params, "M", 16), EfConstruction: intParam(ix.Params, "efConstruction", 200), Seed: uint64(info.ID)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := hn.Build(nil, g.Columns[f].Vectors, 2); err != nil {
		return nil, err
	}
	b, err := hn.MarshalBinary()
	if err != nil {
		return nil, err
	}
	key := storage.IndexFileKey(h.cfg.Lifecycle.Root, t.ID, t.Token, info.Partition, info.ID, "HNSW")
	if err := h.cfg.Lifecycle.Store.Put(ctx, key, b); err != nil {
		return nil, fmt.Errorf("shards: index file %s: %w", key, err)
	}
	return &segment.IndexRef{Name: ix.Name, Field: c.Schema.Fields[f].ID, Type: "HNSW", Key: key, Checksum: segment.Checksum(b)}, nil
}

func intParam(p map[string]string, key string, def int) int {
	for k, v := range p {
		if strings.EqualFold(k, key) {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return def
}

// indexCache holds the index files a replica has loaded, by key.
type indexCache struct {
	mu sync.Mutex
	m  map[string]*index.HNSW
}

// get returns the loaded index of a file, loading it (checksum verified)
// on first use.
func (c *indexCache) get(ref *segment.IndexRef, load segment.Loader) (*index.HNSW, error) {
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
		return nil, err
	}
	if segment.Checksum(b) != ref.Checksum {
		return nil, fmt.Errorf("%w: index file %s does not match its checksum", segment.ErrCorrupt, ref.Key)
	}
	x, err := index.UnmarshalHNSW(b)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*index.HNSW{}
	}
	c.m[ref.Key] = x
	return x, nil
}
