package coordinator

import (
	"slices"
	"strconv"

	"github.com/raftvec/raftvec/segment"
)

// Consistency levels (DESIGN.md §4).
const (
	Strong     = "Strong"
	Bounded    = "Bounded"
	Session    = "Session"
	Eventually = "Eventually"
)

// Collection is a collection's metadata as the metadata group stores it.
type Collection struct {
	ID          int64
	Name        string
	Schema      segment.Schema
	ShardsNum   int
	Consistency string // default consistency level of reads
	Partitions  []Partition
	// NumPartitions is the number of partitions of a collection with a
	// partition key field (_default_0 … _default_{n-1}); rows go to the
	// partition their key hashes to, and partitions are not managed by
	// hand. 0 for other collections.
	NumPartitions int `json:",omitempty"`
	Indexes       []Index
	Loaded        bool
	Properties    map[string]string
	// ReplicaNumber is the replicas per shard placed (capped by live nodes).
	ReplicaNumber int
	// WantReplicas is what was asked for at creation (0 in collections
	// created before it existed: ReplicaNumber then). Shards placed on fewer
	// nodes (too few were up) get more replicas as nodes come up.
	WantReplicas int `json:",omitempty"`
	// Shards holds the placement of each shard, assigned by the coordinator.
	Shards []ShardPlacement
	// QueryReplicas is how many query replicas (non-voters on query nodes)
	// each shard should have while the collection is loaded: the
	// replicaNumber of the last load (0: one). Released drops them all and
	// makes reads answer "collection not loaded" until the next load.
	QueryReplicas int  `json:",omitempty"`
	Released      bool `json:",omitempty"`
	// DB is the collection's database: "" for the default one (the
	// collections created before databases existed included).
	DB string `json:",omitempty"`
}

// Partition keys: a collection with a partition key field has
// NumPartitions partitions named KeyPartitionName(0…n-1) (Milvus's names).
const (
	DefaultKeyPartitions = 16
	MaxKeyPartitions     = 1024
)

// KeyPartitionName is the name of partition i of a partition-key
// collection.
func KeyPartitionName(i int) string { return segment.DefaultPartion + "_" + strconv.Itoa(i) }

// ShardPlacement says which nodes hold replicas of one shard.
type ShardPlacement struct {
	// Replicas are node IDs; the first is the preferred leader.
	Replicas []string
	// Initial is the voter set the group was bootstrapped with. It is
	// cleared at the first placement change, so a node re-added later never
	// bootstraps a second copy of the group.
	Initial []string
	// Queries are the query replicas: non-voting members on query nodes
	// that receive the log and serve reads, never counted in the quorum.
	Queries []string `json:",omitempty"`
}

// Members returns every node holding a replica of the shard: the voters,
// then the query replicas.
func (sp ShardPlacement) Members() []string {
	if len(sp.Queries) == 0 {
		return sp.Replicas
	}
	return append(slices.Clone(sp.Replicas), sp.Queries...)
}

// Node states in the registry.
const (
	NodeUp      = "up"
	NodeDown    = "down"
	NodeRemoved = "removed"
)

// NodeInfo is one node of the cluster as the registry knows it.
type NodeInfo struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raftAddr"` // also the internal RPC address (one port)
	HTTPAddr string `json:"httpAddr"`
	State    string `json:"state"`
	// Roles the node runs (RoleData, RoleQuery, RoleIndex); empty means
	// all three (nodes registered before roles existed).
	Roles []string `json:"roles,omitempty"`
}

// Partition is one partition of a collection; "_default" always exists.
type Partition struct {
	ID   int64
	Name string
}

// Index describes an index on a field. Params hold the user's build params
// (M, efConstruction, nlist, ...) as strings.
type Index struct {
	Name       string
	FieldName  string
	IndexType  string // FLAT, HNSW, IVF_FLAT, AUTOINDEX
	MetricType string // L2, IP, COSINE
	Params     map[string]string
	// ID is unique across the cluster, assigned when the index is created
	// (0 for indexes created before IDs were), so that an index dropped and
	// created again under the same name is a different index.
	ID int64 `json:"id,omitempty"`
}

// BuildName identifies the index in per-segment index files, build tasks
// and search requests: the name plus the ID, so that files built for a
// dropped index are never used for its same-named successor.
func (ix Index) BuildName() string {
	if ix.ID == 0 {
		return ix.Name
	}
	return ix.Name + "#" + strconv.FormatInt(ix.ID, 10)
}

// Partition returns the named partition.
func (c *Collection) Partition(name string) (Partition, bool) {
	for _, p := range c.Partitions {
		if p.Name == name {
			return p, true
		}
	}
	return Partition{}, false
}

// IndexOn returns the index on a field.
func (c *Collection) IndexOn(field string) (Index, bool) {
	for _, ix := range c.Indexes {
		if ix.FieldName == field {
			return ix, true
		}
	}
	return Index{}, false
}
