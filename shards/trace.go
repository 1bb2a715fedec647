package shards

import (
	"context"
	"fmt"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
)

// EntityTrace is "the life of a datum": where one entity lives.
type EntityTrace struct {
	PK           any    `json:"pk"`
	Shard        int    `json:"shard"`
	Group        string `json:"raftGroup"`
	Found        bool   `json:"found"`
	Segment      int64  `json:"segmentID,omitempty"`
	SegmentState string `json:"segmentState,omitempty"`
	Partition    int64  `json:"partitionID,omitempty"`
	Row          int    `json:"row"`
	// LogIndex is the index of the shard's log entry that wrote the row:
	// its insert or upsert, or, when WrittenBy is "compaction", the commit
	// that rewrote its segment (0: not recorded, a segment from before).
	LogIndex  uint64 `json:"logIndex,omitempty"`
	WrittenBy string `json:"writtenBy,omitempty"`
	// WriteTime is the shard's leader time (unix ms) when the row was
	// written, kept through compactions: a TTL counts from it.
	WriteTime int64    `json:"writeTime,omitempty"`
	Chunk     int64    `json:"chunk"`        // -1 while the row is not flushed
	Objects   []string `json:"chunkObjects"` // one per field
	DeltaLog  string   `json:"deltaLog,omitempty"`
	// IndexFiles maps each index built on the segment to its file.
	IndexFiles   map[string]string `json:"indexFiles,omitempty"`
	Replicas     []string          `json:"replicas"` // nodes that serve it
	Leader       string            `json:"leader,omitempty"`
	AppliedIndex uint64            `json:"appliedIndex"` // of the replica that answered
	ServedBy     string            `json:"servedBy"`
}

// Trace locates a live entity on this replica.
func (r *Replica) Trace(pk any) *EntityTrace {
	t := &EntityTrace{PK: pk, Shard: r.Shard, Group: r.Name, Chunk: -1, AppliedIndex: r.node.AppliedIndex(), ServedBy: r.node.ID()}
	_, t.Leader = r.node.LeaderAddr()
	r.fsm.View(func(v fsm.View) {
		g, row, ok := v.Lookup(pk)
		if !ok {
			return
		}
		t.Found, t.Segment, t.SegmentState, t.Partition, t.Row = true, g.ID, g.State.String(), g.Partition, row
		t.WriteTime, _ = v.WriteTime(g.ID, row)
		if idx, ok := v.WrittenAt(g.ID, row); ok {
			t.LogIndex, t.WrittenBy = idx, "insert"
			if g.ID&fsm.CompactionOutputBit != 0 {
				t.WrittenBy = "compaction"
			}
		}
		for _, c := range g.Chunks {
			if int64(row) >= c.FromRow && int64(row) < c.ToRow {
				t.Chunk, t.Objects = c.Index, append([]string(nil), c.Keys...)
			}
		}
		if g.Delta != nil {
			t.DeltaLog = g.Delta.Key
		}
		for _, x := range g.Indexes {
			if t.IndexFiles == nil {
				t.IndexFiles = map[string]string{}
			}
			t.IndexFiles[x.Name] = x.Key
		}
	})
	return t
}

// Trace locates an entity of collection c in shard i, read at Strong.
func (h *Host) Trace(ctx context.Context, c *coordinator.Collection, i int, pk any) (*EntityTrace, error) {
	var out *EntityTrace
	err := retryElsewhere(ctx, func() error {
		for _, id := range h.readOrder(c, i) {
			var err error
			if id == h.NodeID() {
				var r *Replica
				if r, err = h.Replica(c, i); err == nil {
					if err = r.Gate(ctx, coordinator.Strong, ""); err == nil {
						out = r.Trace(pk)
					}
				}
			} else {
				var reply ReadReply
				err = decodeErr(h.call(ctx, id, ServiceName+".Read", ReadArgs{Group: GroupName(c.ID, i), Opts: ReadOptions{Consistency: coordinator.Strong}, TracePK: pk}, &reply))
				out = reply.Trace
			}
			if err == nil || !isUnreachable(err) {
				return err
			}
		}
		return fmt.Errorf("%w: no replica of %s answered", ErrUnavailable, GroupName(c.ID, i))
	})
	if out != nil {
		out.Replicas = c.Shards[i].Replicas
	}
	return out, err
}
