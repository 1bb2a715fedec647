package proxy

import (
	"fmt"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/shards"
)

// KeyPartition is the partition (0…n-1) a partition key value routes to:
// the same hash as ShardOf.
func KeyPartition(key any, n int) int { return ShardOf(key, n) }

// writePartitions returns where a write goes: one partition (named or
// _default), or for a partition-key collection each row's partition by
// its key, in which case naming a partition is an error.
func (p *Proxy) writePartitions(c *coordinator.Collection, w shards.WriteRequest) (int64, []int64, error) {
	k := c.Schema.PartitionKeyIndex()
	if k < 0 || c.NumPartitions == 0 {
		part, err := p.partitionID(c, w.Partition)
		return part, nil, err
	}
	if w.Partition != "" {
		return 0, nil, fmt.Errorf("%w: %q has a partition key (%s): rows go to the partition of their key, do not name one",
			coordinator.ErrInvalid, c.Name, c.Schema.Fields[k].Name)
	}
	ids, err := keyPartitionIDs(c)
	if err != nil {
		return 0, nil, err
	}
	rowParts := make([]int64, w.Rows.Rows())
	for i := range rowParts {
		rowParts[i] = ids[KeyPartition(w.Rows.Columns[k].Value(i), c.NumPartitions)]
	}
	return rowParts[0], rowParts, nil
}

// keyPartitionIDs lists the IDs of a partition-key collection's
// partitions by number.
func keyPartitionIDs(c *coordinator.Collection) ([]int64, error) {
	ids := make([]int64, c.NumPartitions)
	for i := range ids {
		pt, ok := c.Partition(coordinator.KeyPartitionName(i))
		if !ok {
			return nil, fmt.Errorf("%w: partition %s of %q is missing", coordinator.ErrPartitionNotFound, coordinator.KeyPartitionName(i), c.Name)
		}
		ids[i] = pt.ID
	}
	return ids, nil
}

// keyScope narrows a read of a partition-key collection to the partitions
// its filter's key values route to (nil: every partition, the filter does
// not fix the key). Naming partitions in such a read is an error, as in
// Milvus.
func keyScope(c *coordinator.Collection, named []string, f *expr.Filter) ([]int64, error) {
	k := c.Schema.PartitionKeyIndex()
	if k < 0 || c.NumPartitions == 0 {
		return nil, nil
	}
	key := &c.Schema.Fields[k]
	if len(named) > 0 {
		return nil, fmt.Errorf("%w: %q has a partition key (%s): reads cannot name partitions; filter on the key instead",
			coordinator.ErrInvalid, c.Name, key.Name)
	}
	vals, ok := f.FieldValues(key.Name, key.Type)
	if !ok {
		return nil, nil
	}
	ids, err := keyPartitionIDs(c)
	if err != nil {
		return nil, err
	}
	out := []int64{}
	seen := map[int64]bool{}
	for _, v := range vals {
		if id := ids[KeyPartition(v, c.NumPartitions)]; !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
