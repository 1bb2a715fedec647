package proxy

import (
	"context"
	"fmt"
	"runtime"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
)

// Memory admission (README "Node roles"): a load that would take the node
// past its memory limit is refused instead of running it out of memory.
// The estimate is the collection's sealed rows times what a loaded row
// costs (its vectors, plus the graph links of an HNSW index), against the
// limit minus what this node holds now (Go heap in use and mapped index
// files). In a cluster it is conservative: the whole collection is counted
// against one node, although query replicas split its shards.

// admit checks that loading a released collection fits under the memory
// limit (one never released is served already).
func (p *Proxy) admit(ctx context.Context, c *coordinator.Collection) error {
	if p.memLimit <= 0 || !c.Released {
		return nil // no limit, or not released: its replicas hold it already
	}
	segs, err := p.Segments(ctx, c.Name)
	if err != nil {
		return err
	}
	var rows int64
	for _, s := range segs {
		if s.State != segment.Growing.String() {
			rows += s.Rows - s.Deleted
		}
	}
	need := rows * rowCost(c)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mem := p.host.Memory()
	used := int64(ms.HeapInuse) + mem.IndexMappedBytes + mem.VectorBytesMapped
	if need > 0 && used+need > p.memLimit {
		return fmt.Errorf("%w: loading %q needs about %s (%d sealed rows) but this node holds %s of its --memory-limit %s: "+
			"release other collections, add query nodes, or raise --memory-limit",
			coordinator.ErrInvalid, c.Name, mib(need), rows, mib(used), mib(p.memLimit))
	}
	return nil
}

// rowCost estimates the bytes one loaded row takes: every vector field,
// plus 2·M four-byte links per row of an HNSW (or AUTOINDEX) index.
func rowCost(c *coordinator.Collection) int64 {
	var b int64
	for _, f := range c.Schema.Fields {
		if !f.Type.IsDense() {
			continue
		}
		b += int64(f.Dim) * int64(f.Type.ElemBytes())
		if ix, ok := c.IndexOn(f.Name); ok && shards.IndexFileType(ix) == index.FileHNSW {
			b += int64(2*index.IntParam(ix.Params, "M", 16)*4 + 8)
		}
	}
	return b
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
