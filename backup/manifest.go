package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/raftvec/raftvec/segment"
)

// Format is the manifest format this build writes and reads.
const Format = 1

// ManifestFile is the name of a backup's manifest, under its name.
const ManifestFile = "manifest.json"

// ErrBadManifest marks a manifest that cannot be read (not JSON, another
// format, inconsistent).
var ErrBadManifest = errors.New("bad backup manifest")

// Manifest describes one complete backup of one collection.
type Manifest struct {
	Format    int       `json:"format"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// Database and Collection are the source's names ("" database: the
	// default one); CollectionID its ID on the source cluster.
	Database     string `json:"database,omitempty"`
	Collection   string `json:"collection"`
	CollectionID int64  `json:"collectionID"`

	Schema        segment.Schema    `json:"schema"`
	ShardsNum     int               `json:"shardsNum"`
	Consistency   string            `json:"consistencyLevel,omitempty"`
	NumPartitions int               `json:"numPartitions,omitempty"`
	Partitions    []Partition       `json:"partitions"`
	Indexes       []Index           `json:"indexes,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
	Loaded        bool              `json:"loaded"`

	Shards []Shard `json:"shards"`

	// Totals over every shard.
	Rows     int64 `json:"rows"`     // rows in the copied segments, deleted ones included
	LiveRows int64 `json:"liveRows"` // rows not deleted: what a restore holds
	Objects  int   `json:"objects"`  // objects copied (the manifest not counted)
	Bytes    int64 `json:"bytes"`    // bytes copied
}

// Partition is one partition of the source collection.
type Partition struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Index is one index definition of the source collection. BuildName is
// the name its segment index files carry (name#id on the source).
type Index struct {
	Name       string            `json:"name"`
	BuildName  string            `json:"buildName"`
	FieldName  string            `json:"fieldName"`
	IndexType  string            `json:"indexType"`
	MetricType string            `json:"metricType,omitempty"`
	Params     map[string]string `json:"params,omitempty"`
}

// Shard is one shard at one log index.
type Shard struct {
	Shard        int       `json:"shard"`
	AppliedIndex uint64    `json:"appliedIndex"`
	Segments     []Segment `json:"segments"`
}

// Segment is one flushed segment of a shard.
type Segment struct {
	ID        int64 `json:"id"` // on the source
	Partition int64 `json:"partition"`
	Rows      int64 `json:"rows"`
	Deleted   int64 `json:"deletedRows"`
	// Flags are the deletion flags at the shard's log index (a roaring
	// bitmap over the segment's rows; empty when none).
	Flags   []byte      `json:"deletionFlags,omitempty"`
	Chunks  []Chunk     `json:"chunks"`
	Indexes []IndexFile `json:"indexFiles,omitempty"`
}

// Chunk is one flushed run of rows [FromRow, ToRow), one file per schema
// field in schema order.
type Chunk struct {
	Index   int64  `json:"index"`
	FromRow int64  `json:"fromRow"`
	ToRow   int64  `json:"toRow"`
	Files   []File `json:"files"`
}

// File is one copied object: its key in the backup store, CRC-32C and
// size.
type File struct {
	Key      string `json:"key"`
	Checksum uint32 `json:"crc32c"`
	Size     int64  `json:"size"`
}

// IndexFile is one segment index file: of the index named Index (a
// source BuildName), on vector field Field.
type IndexFile struct {
	Index   string `json:"index"`
	Field   int64  `json:"field"`
	Type    string `json:"type"`
	Version int64  `json:"version,omitempty"`
	File
}

// ManifestKey is the key of a backup's manifest in the backup store.
func ManifestKey(name string) string { return name + "/" + ManifestFile }

// ChunkKey is the key of a copied chunk file in the backup store.
func ChunkKey(name string, seg, field, chunk int64) string {
	return name + "/data/" + strconv.FormatInt(seg, 10) + "/" + strconv.FormatInt(field, 10) + "/" + strconv.FormatInt(chunk, 10)
}

// IndexKey is the key of a copied index file in the backup store; the
// index is named by its position in the segment's list (build names hold
// "#").
func IndexKey(name string, seg int64, i int) string {
	return name + "/index/" + strconv.FormatInt(seg, 10) + "/" + strconv.Itoa(i)
}

// ValidName checks a backup name: 1 to 128 letters, digits, '-', '_' or
// '.', not starting with '.'.
func ValidName(name string) error {
	if name == "" || len(name) > 128 || name[0] == '.' {
		return fmt.Errorf("invalid backup name %q: use 1 to 128 letters, digits, '-', '_' or '.', not starting with '.'", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return fmt.Errorf("invalid backup name %q: use 1 to 128 letters, digits, '-', '_' or '.', not starting with '.'", name)
		}
	}
	return nil
}

// Encode returns the manifest's JSON, indented (people read it).
func (m *Manifest) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Decode reads a manifest and checks it is of this format and
// consistent: every shard once, chunks contiguous from row 0 with one file
// per field, flags and counts that add up.
func Decode(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%w: format %d, this build reads %d", ErrBadManifest, m.Format, Format)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadManifest, m.Name, err)
	}
	return &m, nil
}

func (m *Manifest) check() error {
	if err := ValidName(m.Name); err != nil {
		return err
	}
	if err := m.Schema.Validate(); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if m.ShardsNum < 1 || len(m.Shards) != m.ShardsNum {
		return fmt.Errorf("%d shards listed for shardsNum %d", len(m.Shards), m.ShardsNum)
	}
	var rows, live int64
	for i, sh := range m.Shards {
		if sh.Shard != i {
			return fmt.Errorf("shard %d listed at position %d", sh.Shard, i)
		}
		for _, g := range sh.Segments {
			var next int64
			for _, c := range g.Chunks {
				if c.FromRow != next || c.ToRow <= c.FromRow || len(c.Files) != len(m.Schema.Fields) {
					return fmt.Errorf("segment %d: chunk %d [%d, %d) does not fit", g.ID, c.Index, c.FromRow, c.ToRow)
				}
				next = c.ToRow
			}
			if next != g.Rows || g.Rows == 0 || g.Deleted < 0 || g.Deleted > g.Rows {
				return fmt.Errorf("segment %d: chunks cover %d rows of %d (%d deleted)", g.ID, next, g.Rows, g.Deleted)
			}
			rows += g.Rows
			live += g.Rows - g.Deleted
		}
	}
	if rows != m.Rows || live != m.LiveRows {
		return fmt.Errorf("segments hold %d rows (%d live), totals say %d (%d)", rows, live, m.Rows, m.LiveRows)
	}
	return nil
}
