package storage

import (
	"strconv"
	"strings"
)

// The key layout of sealed data (DESIGN §5), like Milvus:
//
//	{root}/insert_log/{collection}/{partition}/{segment}/{field}/{chunk}
//	{root}/delta_log/{collection}/{partition}/{segment}/{log}
//	{root}/stats_log/{collection}/{partition}/{segment}/{field}/{log}
//	{root}/index_files/{build}/{version}/{partition}/{segment}/{file}
//
// Keys are deterministic functions of IDs, so a retried upload overwrites the
// same object with the same bytes. IDs are written in canonical decimal; the
// Parse functions accept exactly what the Key functions produce. root may
// have several segments ("a/b"); leading and trailing "/" are ignored, and an
// empty root means no root segment.
const (
	insertLogDir  = "insert_log"
	deltaLogDir   = "delta_log"
	statsLogDir   = "stats_log"
	indexFilesDir = "index_files"
)

// InsertLogID names one per-field chunk file of a segment.
type InsertLogID struct {
	Collection, Partition, Segment, Field, Chunk int64
}

// DeltaLogID names one deletion log of a segment.
type DeltaLogID struct {
	Collection, Partition, Segment, Log int64
}

// StatsLogID names one per-field statistics log of a segment.
type StatsLogID struct {
	Collection, Partition, Segment, Field, Log int64
}

// IndexFileID names one file of an index build for a segment.
type IndexFileID struct {
	Build, Version, Partition, Segment int64
	File                               string
}

// InsertLogKey is {root}/insert_log/{coll}/{part}/{seg}/{field}/{chunk}.
func InsertLogKey(root string, coll, part, seg, field, chunk int64) string {
	return join(root, insertLogDir, ids(coll, part, seg, field, chunk)...)
}

// DeltaLogKey is {root}/delta_log/{coll}/{part}/{seg}/{log}.
func DeltaLogKey(root string, coll, part, seg, log int64) string {
	return join(root, deltaLogDir, ids(coll, part, seg, log)...)
}

// StatsLogKey is {root}/stats_log/{coll}/{part}/{seg}/{field}/{log}.
func StatsLogKey(root string, coll, part, seg, field, log int64) string {
	return join(root, statsLogDir, ids(coll, part, seg, field, log)...)
}

// IndexFileKey is {root}/index_files/{build}/{version}/{part}/{seg}/{file}.
// file must be a single valid key segment; otherwise the key is rejected by
// the store with ErrInvalidKey (and by ParseIndexFileKey).
func IndexFileKey(root string, build, version, part, seg int64, file string) string {
	return join(root, indexFilesDir, append(ids(build, version, part, seg), file)...)
}

// InsertLogSegmentPrefix is the List prefix of every chunk of a segment
// ("{root}/insert_log/{coll}/{part}/{seg}/", with the trailing "/" so that
// segment 1 does not match segment 12).
func InsertLogSegmentPrefix(root string, coll, part, seg int64) string {
	return join(root, insertLogDir, ids(coll, part, seg)...) + "/"
}

// DeltaLogSegmentPrefix is the List prefix of every delta log of a segment.
func DeltaLogSegmentPrefix(root string, coll, part, seg int64) string {
	return join(root, deltaLogDir, ids(coll, part, seg)...) + "/"
}

// StatsLogSegmentPrefix is the List prefix of every stats log of a segment.
func StatsLogSegmentPrefix(root string, coll, part, seg int64) string {
	return join(root, statsLogDir, ids(coll, part, seg)...) + "/"
}

// IndexBuildPrefix is the List prefix of every file of one index build
// version ("{root}/index_files/{build}/{version}/").
func IndexBuildPrefix(root string, build, version int64) string {
	return join(root, indexFilesDir, ids(build, version)...) + "/"
}

func ids(vs ...int64) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.FormatInt(v, 10)
	}
	return out
}

func join(root, dir string, parts ...string) string {
	root = strings.Trim(root, "/")
	var b strings.Builder
	if root != "" {
		b.WriteString(root)
		b.WriteByte('/')
	}
	b.WriteString(dir)
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(p)
	}
	return b.String()
}
