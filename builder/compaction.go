package builder

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/storage"
)

// RunCompaction executes a compaction task: it reads the input segments'
// rows from object storage and their deletion flags and expired rows from
// the shard (at Strong), builds the output's index file, writes the output
// segment's chunks, and commits the swap through the shard's log. A stale task (its
// inputs already gone) fails with ErrStaleTask.
func (w *Worker) RunCompaction(ctx context.Context, c *coordinator.Collection, t coordinator.Task) error {
	if w.cfg.Store == nil {
		return fmt.Errorf("%w: no object storage for compaction workers", shards.ErrUnavailable)
	}
	infos, err := w.cfg.Router.Segments(ctx, c, t.Shard, coordinator.Strong)
	if err != nil {
		return err
	}
	cmd, err := w.compactionOutput(ctx, c, t, infos)
	returnMemory() // the inputs and the output, read and encoded whole
	if errors.Is(err, ErrStaleTask) {
		return err
	}
	if err != nil {
		return err
	}
	_, _, err = w.cfg.Router.Propose(ctx, c, t.Shard, cmd)
	if errors.Is(err, shards.ErrInvalid) {
		return fmt.Errorf("%w: %w", ErrStaleTask, err) // inputs compacted meanwhile
	}
	return err
}

// compactionOutput builds the commit: it loads the inputs, leaves out the
// rows their delta logs flag, builds the output's index file and uploads
// the output's chunks.
func (w *Worker) compactionOutput(ctx context.Context, c *coordinator.Collection, t coordinator.Task, infos []shards.SegmentInfo) (*fsm.Command, error) {
	out := segment.NewBatch(&c.Schema)
	cmd := &fsm.Command{Kind: fsm.KindCompactCommit, Segments: t.Segments,
		Output: shards.SegmentBase(c.ID, t.Shard) | fsm.CompactionOutputBit | t.Token}
	var part int64
	for _, id := range t.Segments {
		i := slices.IndexFunc(infos, func(s shards.SegmentInfo) bool { return s.ID == id })
		if i < 0 || infos[i].State != segment.Flushed.String() {
			return nil, ErrStaleTask
		}
		part = infos[i].Partition
		excl, err := w.appendLive(&c.Schema, infos[i], out)
		if err != nil {
			return nil, err
		}
		cmd.Excluded = append(cmd.Excluded, excl)
	}
	// The index first: building it takes longest, and what is written
	// before the commit must not reach GC's tolerance unreferenced.
	ref, err := w.outputIndex(ctx, c, t, part, cmd.Output, out)
	if err != nil {
		return nil, err
	}
	chunks, err := w.uploadOutput(ctx, c, part, cmd.Output, out)
	cmd.Chunks, cmd.Index = chunks, ref
	return cmd, err
}

// outputIndex builds the index file of a compaction output before it is
// committed, as Milvus hands a compacted segment to query nodes only once
// it is indexed: the inputs keep serving through their indexes meanwhile,
// and no search scans the merged rows exactly. It builds the collection's
// first per-segment index (nil when there is none); a collection with
// indexes on several vector fields gets the others' files from index
// tasks once the output is committed (the commit entry carries one).
func (w *Worker) outputIndex(ctx context.Context, c *coordinator.Collection, t coordinator.Task, part, seg int64, out *segment.Batch) (*segment.IndexRef, error) {
	i := slices.IndexFunc(c.Indexes, shards.BuiltPerSegment)
	if i < 0 || out.Rows() == 0 {
		return nil, nil
	}
	ix := c.Indexes[i]
	f := c.Schema.FieldIndex(ix.FieldName)
	metric, err := index.ParseMetric(ix.MetricType)
	if f < 0 || err != nil {
		return nil, nil // a broken index definition: left to the index builders to report
	}
	typ := shards.IndexFileType(ix)
	col := &out.Columns[f]
	b, err := index.EncodeFile(typ, ix.Params, col.Dim, metric, col.Float32s(), uint64(seg), false)
	if err != nil {
		return nil, err
	}
	key := storage.IndexFileKey(w.cfg.Root, t.ID, t.Token, part, seg, typ)
	if err := w.cfg.Store.Put(ctx, key, b); err != nil {
		return nil, fmt.Errorf("builder: compaction output index %s: %w", key, err)
	}
	return &segment.IndexRef{Name: ix.BuildName(), Field: c.Schema.Fields[f].ID, Type: typ, Key: key,
		Checksum: segment.Checksum(b), Version: t.Token}, nil
}

// appendLive loads one input and appends its rows neither deleted nor
// expired (TTL) as of the shard read (at Strong, so at the leader's clock
// then); it returns the rows it left out.
func (w *Worker) appendLive(s *segment.Schema, info shards.SegmentInfo, out *segment.Batch) ([]byte, error) {
	excl := roaring.New()
	for _, b := range [][]byte{info.Flags, info.ExpiredFlags} {
		if len(b) == 0 {
			continue
		}
		flags := roaring.New()
		if _, err := flags.FromBuffer(b); err != nil {
			return nil, fmt.Errorf("builder: deletion or expiry flags of segment %d: %w", info.ID, err)
		}
		excl.Or(flags.Clone()) // FromBuffer shares b
	}
	full, err := segment.LoadFlushed(s, info.ID, info.Partition, info.Manifest, w.cfg.Load)
	if err != nil {
		return nil, err
	}
	for row := 0; row < full.Rows(); row++ {
		if !excl.Contains(uint32(row)) {
			for f := range out.Columns {
				out.Columns[f].Append(&full.Columns[f], row)
			}
		}
	}
	return excl.ToBytes()
}

// uploadOutput writes the output's chunks and returns their manifest.
func (w *Worker) uploadOutput(ctx context.Context, c *coordinator.Collection, part, seg int64, out *segment.Batch) ([]segment.Chunk, error) {
	g := segment.New(seg, part, &c.Schema)
	g.Columns = out.Columns
	var chunks []segment.Chunk
	for from := 0; from < g.Rows(); {
		to := shards.ChunkEnd(g, from, w.cfg.ChunkSize)
		ch := segment.Chunk{Index: int64(len(chunks)), FromRow: int64(from), ToRow: int64(to)}
		for f := range g.Columns {
			fid := c.Schema.Fields[f].ID
			b := segment.EncodeChunkFile(fid, &g.Columns[f], from, to)
			key := storage.InsertLogKey(w.cfg.Root, c.ID, part, seg, fid, ch.Index)
			if err := w.cfg.Store.Put(ctx, key, b); err != nil {
				return nil, fmt.Errorf("builder: compaction output %s: %w", key, err)
			}
			ch.Keys, ch.Checksums, ch.Bytes = append(ch.Keys, key), append(ch.Checksums, segment.Checksum(b)), ch.Bytes+int64(len(b))
		}
		chunks = append(chunks, ch)
		from = to
	}
	return chunks, nil
}
