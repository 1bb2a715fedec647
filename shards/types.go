package shards

import "github.com/raftvec/raftvec/segment"

// WriteRequest inserts or upserts the rows of a validated batch.
type WriteRequest struct {
	Collection string
	Partition  string // "" = _default
	Rows       *segment.Batch
	Upsert     bool
	// Key is an optional idempotency key: a retry with the same key (after
	// an unknown outcome) is applied at most once.
	Key string
}

// WriteResult reports a write.
type WriteResult struct {
	Count int64
	// Token is the session token of the write (per-shard applied index),
	// carried by Session-level reads.
	Token string
	// Replayed: the key was applied before; Count is the earlier count.
	Replayed bool
	// FirstID is the smallest Int64 primary key written (the first auto ID
	// of a replayed auto-ID insert).
	FirstID int64
}

// DeleteRequest deletes the rows matching a filter expression.
type DeleteRequest struct {
	Collection string
	Partition  string // "" = all partitions
	Filter     string
	Params     map[string]any
	Key        string // optional idempotency key
}

// ReadOptions are shared by queries and searches.
type ReadOptions struct {
	Collection   string
	Partitions   []string // empty = all
	Filter       string
	Params       map[string]any // exprParams
	Consistency  string         // "" = the collection's default
	SessionToken string
	// ScalarIndexes names the fields with a scalar index (INVERTED,
	// STL_SORT): sealed segments answer the filter's terms on them from
	// the index. Set by the proxy.
	ScalarIndexes []string
}

// QueryRequest reads entities by filter or by primary keys.
type QueryRequest struct {
	ReadOptions
	IDs          []any // primary keys (int64 or string); nil = use Filter
	OutputFields []int // schema field positions to return
	Limit        int   // rows wanted from each shard (offset+limit); 0 = all
	CountOnly    bool  // count(*)
}

// Entity is one row of a query or search result. Values are canonical
// values aligned with the request's OutputFields.
type Entity struct {
	PK     any
	Values []any
}

// QueryResult is one shard's answer: entities sorted by primary key, or a
// count.
type QueryResult struct {
	Entities []Entity
	Count    int64
}

// SearchRequest is a vector search over one vector field.
type SearchRequest struct {
	ReadOptions
	AnnsField    int // schema position of the vector field
	Vectors      [][]float32
	Metric       string // L2, IP, COSINE (already checked against the index)
	TopK         int    // results wanted per query from each shard: offset+limit
	Radius       *float32
	RangeFilter  *float32
	GroupField   int // schema position; -1 = no grouping
	GroupSize    int
	OutputFields []int
	SearchParams map[string]any // ef, nprobe, ... passed to the index
	// Sparse are the queries of a SparseFloatVector field (Vectors is
	// nil): user sparse vectors (IP), or for a BM25 field the query terms
	// weighted by the proxy (idf × count) after a StatsOnly round.
	Sparse []segment.SparseVector
	// BM25 scores a BM25 field's rows (term frequencies); nil for IP.
	BM25 *BM25Params
	// DropRatio is drop_ratio_search: the smallest fraction of each sparse
	// query's values is ignored.
	DropRatio float64
	// Binary are the queries of a BinaryVector field (Dim/8 bytes each).
	Binary [][]byte
	// BinaryNlist, when set, searches sealed segments of a BinaryVector
	// field through a BIN_IVF_FLAT index of that many lists (nprobe from
	// SearchParams); 0 searches them exactly (BIN_FLAT).
	BinaryNlist int
	// StatsOnly asks for the BM25 statistics of the Sparse queries' terms
	// (SearchResult.Stats) instead of hits.
	StatsOnly bool
	// IndexName is the BuildName of the collection's current per-segment index (HNSW,
	// AUTOINDEX, IVF_FLAT) on AnnsField ("" for none or FLAT): only segment
	// index files of that index are used.
	IndexName string
}

// Queries returns the number of query vectors (dense or sparse).
func (s *SearchRequest) Queries() int { return max(len(s.Vectors), len(s.Sparse), len(s.Binary)) }

// Hit is one search result.
type Hit struct {
	Entity
	Distance float32
	Group    any
}

// SearchResult is one shard's answer: per query, hits sorted best first
// (or, for a StatsOnly request, the shard's BM25 statistics).
type SearchResult struct {
	Hits  [][]Hit
	Stats *TermStats
}

// BM25Params are the scoring constants of a BM25 search: AvgDL is the
// average document length over every shard.
type BM25Params struct {
	K1, B, AvgDL float32
}

// TermStats are one shard's BM25 statistics over its live rows: how many
// there are, their total length (tokens), and per query per term the
// number of rows that contain it.
type TermStats struct {
	Docs   int64
	Length float64
	DF     [][]int64
}

// IndexFileOf returns the segment's file of the index with BuildName
// name ("" if it has none).
func (s *SegmentInfo) IndexFileOf(name string) string {
	if f, ok := s.IndexFiles[name]; ok {
		return f
	}
	if s.IndexName == name {
		return s.IndexFile
	}
	return ""
}

// SegmentInfo describes one segment of a shard (the /v1 segments route).
type SegmentInfo struct {
	ID          int64  `json:"segmentID"`
	Shard       int    `json:"shard"`
	Partition   int64  `json:"partitionID"`
	State       string `json:"state"`
	Rows        int64  `json:"rows"`
	Deleted     int64  `json:"deletedRows"`
	Bytes       int64  `json:"bytes"`
	FlushedRows int64  `json:"flushedRows"`
	Chunks      int    `json:"chunks"`
	DeltaRows   int64  `json:"deltaLogRows"` // deletions covered by the latest delta log
	// Expired counts the rows not deleted that have expired under the
	// collection's TTL (collection.ttl.seconds) at the read's time:
	// invisible to reads, left out by the next compaction.
	Expired int64 `json:"expiredRows"`
	// IndexFiles maps each index built on the segment (by BuildName) to
	// its file; a segment has one per indexed vector field. IndexName and
	// IndexFile repeat the first of them (in name order), the fields of
	// the single-index form of this route.
	IndexFiles map[string]string `json:"indexFiles,omitempty"`
	IndexName  string            `json:"indexName,omitempty"`
	IndexFile  string            `json:"indexFile,omitempty"`
	Keys       []string          `json:"objectKeys"`
	// Manifest and Delta let a compaction worker read the segment from
	// object storage.
	Manifest []segment.Chunk `json:"-"`
	Delta    *segment.Delta  `json:"-"`
	// Flags are the current deletion flags (a roaring bitmap).
	Flags []byte `json:"-"`
	// ExpiredFlags are the rows expired at the read's time, deleted ones
	// included (a roaring bitmap; nil when none): a compaction leaves them
	// out like the flagged ones.
	ExpiredFlags []byte `json:"-"`
	// Indexes are the segment's index files in full (a backup copies
	// them); Applied is the log index of the state the listing was read
	// at, the same for every segment of one listing.
	Indexes []segment.IndexRef `json:"-"`
	Applied uint64             `json:"-"`
	// Tail, when asked for (a backup), holds the rows [FlushedRows, Rows)
	// as one chunk file per field, in schema order (segment.EncodeChunkFile).
	Tail [][]byte `json:"-"`
}
