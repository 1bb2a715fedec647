package shards

import (
	"context"
	"strings"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// BuiltPerSegment reports whether an index is built as a file per flushed
// segment (HNSW, AUTOINDEX as HNSW, IVF_FLAT); FLAT is served by exact
// search and has no files.
func BuiltPerSegment(ix coordinator.Index) bool {
	return IndexFileType(ix) != ""
}

// IndexFileType is the type of the file built for an index, which is also
// the file's name under its index_files key ("" for FLAT).
func IndexFileType(ix coordinator.Index) string {
	switch strings.ToUpper(ix.IndexType) {
	case "HNSW", "AUTOINDEX":
		return index.FileHNSW
	case "IVF_FLAT":
		return index.FileIVFFlat
	}
	return ""
}

// ScalarIndex reports whether ix is a scalar index (INVERTED, STL_SORT):
// built by each query replica per sealed segment from the column, no file.
func ScalarIndex(ix coordinator.Index) bool {
	switch strings.ToUpper(ix.IndexType) {
	case "INVERTED", "STL_SORT":
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
		if !BuiltPerSegment(ix) {
			continue
		}
		for _, s := range r.Segments() {
			if s.State == segment.Flushed.String() && s.IndexFileOf(ix.BuildName()) == "" && s.Rows > 0 {
				t := coordinator.Task{Kind: coordinator.TaskIndex, Index: ix.BuildName(), Collection: r.CollectionID, Shard: r.Shard, Segments: []int64{s.ID}}
				if _, err := h.cfg.SubmitTask(ctx, t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
