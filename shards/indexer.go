package shards

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/storage"
)

// BuiltPerSegment reports whether an index is built as a file per flushed
// segment (HNSW, AUTOINDEX as HNSW, IVF_FLAT); FLAT is served by exact
// search and has no files.
func BuiltPerSegment(ix coordinator.Index) bool {
	return indexFileType(ix) != ""
}

// indexFileType is the type of the file built for an index, which is also
// the file's name under its index_files key ("" for FLAT).
func indexFileType(ix coordinator.Index) string {
	switch strings.ToUpper(ix.IndexType) {
	case "HNSW", "AUTOINDEX":
		return "HNSW"
	case "IVF_FLAT":
		return "IVF_FLAT"
	}
	return ""
}

// indexStep asks the coordinator for an index build of every flushed
// segment of a leader replica that lacks its collection's index.
func (h *Host) indexStep(ctx context.Context, r *Replica) error {
	if h.cfg.SubmitTask == nil || h.cfg.Indexes == nil || h.cfg.Lifecycle.Store == nil {
		return nil
	}
	for _, ix := range h.cfg.Indexes(r.CollectionID) {
		if !BuiltPerSegment(ix) {
			continue
		}
		for _, s := range r.Segments() {
			if s.State == segment.Flushed.String() && s.IndexName != ix.BuildName() && s.Rows > 0 {
				t := coordinator.Task{Kind: coordinator.TaskIndex, Index: ix.BuildName(), Collection: r.CollectionID, Shard: r.Shard, Segments: []int64{s.ID}}
				if _, err := h.cfg.SubmitTask(ctx, t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ErrStaleBuild is returned by RunIndexBuild when the segment already
// records a build of the same index with a newer fencing token: the task
// was reassigned and this builder's late report is not proposed.
var ErrStaleBuild = errors.New("shards: index build superseded by a newer assignment")

// RunIndexBuild executes an index build assigned to this node: it reads
// the segment from object storage, builds the index, writes the file under
// index_files/{build}/{version}/{partition}/{segment}/{type}, and records
// it with an Indexed entry. A segment compacted away meanwhile makes it a
// no-op; a segment that already carries a build of this index with a newer
// token (the task was reassigned) makes it ErrStaleBuild.
func (h *Host) RunIndexBuild(ctx context.Context, c *coordinator.Collection, t coordinator.Task) error {
	i := slices.IndexFunc(c.Indexes, func(ix coordinator.Index) bool { return ix.BuildName() == t.Index })
	if i < 0 || len(t.Segments) != 1 {
		return nil // index dropped meanwhile
	}
	info, ok, err := h.buildTarget(ctx, c, t)
	if !ok || err != nil {
		return err
	}
	ref, err := h.buildIndexFile(ctx, c, c.Indexes[i], info, t)
	returnMemory() // the build's segment copy, graph and file
	if err != nil {
		return err
	}
	// Check again right before reporting: the newer builder may have
	// reported while this one was building.
	if _, ok, err = h.buildTarget(ctx, c, t); !ok || err != nil {
		return err
	}
	_, _, err = h.Propose(ctx, c, t.Shard, &fsm.Command{Kind: fsm.KindIndexed, Segment: info.ID, Index: ref})
	if errors.Is(err, ErrInvalid) {
		return nil
	}
	return err
}

// buildTarget reads (at Strong) the segment a build task covers; ok is
// false when it is gone, no longer flushed or already carries the index.
// It fails with ErrStaleBuild when the segment records a build of the
// task's index with a newer token.
func (h *Host) buildTarget(ctx context.Context, c *coordinator.Collection, t coordinator.Task) (SegmentInfo, bool, error) {
	infos, err := h.Segments(ctx, c, t.Shard, coordinator.Strong)
	if err != nil {
		return SegmentInfo{}, false, err
	}
	j := slices.IndexFunc(infos, func(s SegmentInfo) bool { return s.ID == t.Segments[0] })
	if j < 0 || infos[j].State != segment.Flushed.String() {
		return SegmentInfo{}, false, nil
	}
	s := infos[j]
	if s.IndexName == t.Index && s.IndexFile != "" {
		id, err := storage.ParseIndexFileKey(h.cfg.Lifecycle.Root, s.IndexFile)
		if err == nil && id.Version > t.Token {
			return s, false, fmt.Errorf("%w: task %d token %d, segment %d has token %d", ErrStaleBuild, t.ID, t.Token, s.ID, id.Version)
		}
		// Built already: by an earlier run of this task, or under another
		// task that a leader submitted before it had applied the entry
		// recording the file (right after a restart).
		return s, false, nil
	}
	return s, true, nil
}

func (h *Host) buildIndexFile(ctx context.Context, c *coordinator.Collection, ix coordinator.Index, info SegmentInfo, t coordinator.Task) (*segment.IndexRef, error) {
	f := c.Schema.FieldIndex(ix.FieldName)
	if f < 0 {
		return nil, fmt.Errorf("%w: index field %q not in the schema", ErrInvalid, ix.FieldName)
	}
	typ := indexFileType(ix)
	if typ == "" {
		return nil, fmt.Errorf("%w: index type %q has no index files", ErrInvalid, ix.IndexType)
	}
	g, err := segment.LoadFlushedFields(&c.Schema, info.ID, info.Partition, info.Manifest, h.loader(), f)
	if err != nil {
		return nil, fmt.Errorf("shards: loading segment %d for an index build: %w", info.ID, err)
	}
	metric, err := index.ParseMetric(ix.MetricType)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	col := &g.Columns[f]
	// The segment copy is this build's own: the index may keep its vectors.
	b, err := encodeIndexOwned(typ, ix.Params, col.Dim, metric, col.Vectors, uint64(info.ID))
	if err != nil {
		return nil, err
	}
	key := storage.IndexFileKey(h.cfg.Lifecycle.Root, t.ID, t.Token, info.Partition, info.ID, typ)
	if err := h.cfg.Lifecycle.Store.Put(ctx, key, b); err != nil {
		return nil, fmt.Errorf("shards: index file %s: %w", key, err)
	}
	return &segment.IndexRef{Name: ix.BuildName(), Field: c.Schema.Fields[f].ID, Type: typ, Key: key, Checksum: segment.Checksum(b), Version: t.Token}, nil
}

// encodeIndex builds an index file of the given type over the rows of
// vectors (IDs are row numbers) with the user's build params, seeded for
// reproducibility.
func encodeIndex(typ string, params map[string]string, dim int, metric index.Metric, vectors []float32, seed uint64) ([]byte, error) {
	return buildIndexBytes(typ, params, dim, metric, vectors, seed, false)
}

// encodeIndexOwned is encodeIndex for a caller that gives up vectors: an
// HNSW build uses them in place (normalized for COSINE) instead of a copy.
func encodeIndexOwned(typ string, params map[string]string, dim int, metric index.Metric, vectors []float32, seed uint64) ([]byte, error) {
	return buildIndexBytes(typ, params, dim, metric, vectors, seed, true)
}

func buildIndexBytes(typ string, params map[string]string, dim int, metric index.Metric, vectors []float32, seed uint64, owned bool) ([]byte, error) {
	if typ == "IVF_FLAT" {
		return encodeIVF(params, dim, metric, vectors, seed)
	}
	hn, err := index.NewHNSW(dim, metric, index.HNSWConfig{M: intParam(params, "M", 16), EfConstruction: intParam(params, "efConstruction", 200), Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	build := func() error { return hn.Build(nil, vectors, 2) }
	if owned {
		build = func() error { return hn.BuildOwned(vectors, 2) }
	}
	if err := build(); err != nil {
		return nil, fmt.Errorf("shards: building HNSW: %w", err)
	}
	return hn.MarshalBinary()
}

// IVFDefaultNlist is the IVF_FLAT build parameter nlist when the index
// gives none.
const IVFDefaultNlist = 128

// ivfMinRowsPerList caps nlist at rows/ivfMinRowsPerList for small
// segments (Faiss asks for at least 39 training points per centroid), so
// a small segment is not split into lists of a handful of rows.
const ivfMinRowsPerList = 39

// encodeIVF trains an IVF_FLAT index on the segment's vectors and adds
// them all.
func encodeIVF(params map[string]string, dim int, metric index.Metric, vectors []float32, seed uint64) ([]byte, error) {
	rows := len(vectors) / max(dim, 1)
	nlist := min(intParam(params, "nlist", IVFDefaultNlist), max(1, rows/ivfMinRowsPerList))
	x, err := index.NewIVFFlat(dim, metric, index.IVFConfig{Nlist: nlist, Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := x.Train(vectors); err != nil {
		return nil, fmt.Errorf("shards: training IVF_FLAT: %w", err)
	}
	if err := x.Add(nil, vectors); err != nil {
		return nil, fmt.Errorf("shards: filling IVF_FLAT: %w", err)
	}
	return x.MarshalBinary()
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
