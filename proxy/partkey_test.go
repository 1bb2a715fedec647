package proxy

import (
	"errors"
	"reflect"
	"testing"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
)

func keyCollection(t *testing.T, n int) *coordinator.Collection {
	t.Helper()
	c := &coordinator.Collection{Name: "kc", ShardsNum: 2, NumPartitions: n, Schema: segment.Schema{Name: "kc", Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "tenant", Type: segment.TypeVarChar, MaxLength: 16, PartitionKey: true},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 2},
	}}}
	if err := c.Schema.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		c.Partitions = append(c.Partitions, coordinator.Partition{ID: int64(100 + i), Name: coordinator.KeyPartitionName(i)})
	}
	return c
}

// TestKeyScope: a read whose filter fixes the partition key reads only the
// partitions those keys hash to; other filters read every partition; a
// read naming partitions is refused.
func TestKeyScope(t *testing.T) {
	c := keyCollection(t, 8)
	part := func(key string) int64 { return int64(100 + KeyPartition(key, 8)) }
	tests := []struct {
		filter string
		want   []int64
	}{
		{`tenant == "a"`, []int64{part("a")}},
		{`tenant in ["a", "b"] and id > 3`, uniq(part("a"), part("b"))},
		{`tenant == "a" or tenant == "zz"`, uniq(part("a"), part("zz"))},
		{`id > 3`, nil},
		{`tenant like "a%"`, nil},
	}
	for _, tc := range tests {
		f, err := expr.Compile(tc.filter, &c.Schema, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := keyScope(c, nil, f)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("keyScope(%s) = %v, %v; want %v", tc.filter, got, err, tc.want)
		}
	}
	if _, err := keyScope(c, []string{"_default_1"}, nil); !errors.Is(err, coordinator.ErrInvalid) {
		t.Fatalf("named partitions: %v", err)
	}
}

func uniq(ids ...int64) []int64 {
	var out []int64
	for _, id := range ids {
		if len(out) == 0 || out[len(out)-1] != id {
			out = append(out, id)
		}
	}
	return out
}

// TestWritePartitions: each row goes to its key's partition; naming a
// partition is refused.
func TestWritePartitions(t *testing.T) {
	c := keyCollection(t, 4)
	b := segment.NewBatch(&c.Schema)
	for i, tenant := range []string{"a", "b", "a", "c"} {
		b.Columns[0].AppendValue(int64(i))
		b.Columns[1].AppendValue(tenant)
		b.Columns[2].AppendValue([]float32{1, 2})
	}
	var p Proxy
	_, rows, err := p.writePartitions(c, shards.WriteRequest{Collection: "kc", Rows: b})
	if err != nil {
		t.Fatal(err)
	}
	for i, tenant := range []string{"a", "b", "a", "c"} {
		if want := int64(100 + KeyPartition(tenant, 4)); rows[i] != want {
			t.Errorf("row %d (%s) → partition %d, want %d", i, tenant, rows[i], want)
		}
	}
	if _, _, err := p.writePartitions(c, shards.WriteRequest{Collection: "kc", Partition: "_default_0", Rows: b}); !errors.Is(err, coordinator.ErrInvalid) {
		t.Fatalf("named partition: %v", err)
	}
}
