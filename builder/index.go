package builder

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/storage"
)

// RunIndexBuild executes an index build: it reads the segment's indexed
// field from object storage, builds the index, writes the file under
// index_files/{task}/{token}/{partition}/{segment}/{type}, and records it
// with an Indexed entry. A segment compacted away meanwhile, or already
// carrying the index, makes it a no-op; one that carries a build of this
// index with a newer token (the task was reassigned) makes it
// ErrStaleBuild.
func (w *Worker) RunIndexBuild(ctx context.Context, c *coordinator.Collection, t coordinator.Task) error {
	i := slices.IndexFunc(c.Indexes, func(ix coordinator.Index) bool { return ix.BuildName() == t.Index })
	if i < 0 || len(t.Segments) != 1 {
		return nil // index dropped meanwhile
	}
	info, ok, err := w.buildTarget(ctx, c, t)
	if !ok || err != nil {
		return err
	}
	ref, err := w.buildIndexFile(ctx, c, c.Indexes[i], info, t)
	returnMemory() // the build's segment copy, graph and file
	if err != nil {
		return err
	}
	// Check again right before reporting: the newer builder may have
	// reported while this one was building.
	if _, ok, err = w.buildTarget(ctx, c, t); !ok || err != nil {
		return err
	}
	_, _, err = w.cfg.Router.Propose(ctx, c, t.Shard, &fsm.Command{Kind: fsm.KindIndexed, Segment: info.ID, Index: ref})
	if errors.Is(err, shards.ErrInvalid) {
		return nil
	}
	return err
}

// buildTarget reads (at Strong) the segment a build task covers; ok is
// false when it is gone, no longer flushed or already carries the index.
// It fails with ErrStaleBuild when the segment records a build of the
// task's index with a newer token.
func (w *Worker) buildTarget(ctx context.Context, c *coordinator.Collection, t coordinator.Task) (shards.SegmentInfo, bool, error) {
	infos, err := w.cfg.Router.Segments(ctx, c, t.Shard, coordinator.Strong)
	if err != nil {
		return shards.SegmentInfo{}, false, err
	}
	j := slices.IndexFunc(infos, func(s shards.SegmentInfo) bool { return s.ID == t.Segments[0] })
	if j < 0 || infos[j].State != segment.Flushed.String() {
		return shards.SegmentInfo{}, false, nil
	}
	s := infos[j]
	if file := s.IndexFileOf(t.Index); file != "" {
		id, err := storage.ParseIndexFileKey(w.cfg.Root, file)
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

func (w *Worker) buildIndexFile(ctx context.Context, c *coordinator.Collection, ix coordinator.Index, info shards.SegmentInfo, t coordinator.Task) (*segment.IndexRef, error) {
	if w.cfg.Store == nil {
		return nil, fmt.Errorf("%w: no object storage for index builds", shards.ErrUnavailable)
	}
	f := c.Schema.FieldIndex(ix.FieldName)
	if f < 0 {
		return nil, fmt.Errorf("%w: index field %q not in the schema", shards.ErrInvalid, ix.FieldName)
	}
	typ := shards.IndexFileType(ix)
	if typ == "" {
		return nil, fmt.Errorf("%w: index type %q has no index files", shards.ErrInvalid, ix.IndexType)
	}
	g, err := segment.LoadFlushedFields(&c.Schema, info.ID, info.Partition, info.Manifest, w.cfg.Load, f)
	if err != nil {
		return nil, fmt.Errorf("builder: loading segment %d for an index build: %w", info.ID, err)
	}
	metric, err := index.ParseMetric(ix.MetricType)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", shards.ErrInvalid, err)
	}
	col := &g.Columns[f]
	// The segment copy is this build's own: the index may keep its vectors.
	b, err := index.EncodeFile(typ, ix.Params, col.Dim, metric, col.Float32s(), uint64(info.ID), true)
	if err != nil {
		return nil, err
	}
	key := storage.IndexFileKey(w.cfg.Root, t.ID, t.Token, info.Partition, info.ID, typ)
	if err := w.cfg.Store.Put(ctx, key, b); err != nil {
		return nil, fmt.Errorf("builder: index file %s: %w", key, err)
	}
	return &segment.IndexRef{Name: ix.BuildName(), Field: c.Schema.Fields[f].ID, Type: typ, Key: key, Checksum: segment.Checksum(b), Version: t.Token}, nil
}
