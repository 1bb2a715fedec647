package coordinator

import "github.com/raftvec/raftvec/segment"

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
	Indexes     []Index
	Loaded      bool
	Properties  map[string]string
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
