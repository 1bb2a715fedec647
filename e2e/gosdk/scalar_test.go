package gosdk

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// TestGoSDKPartitionKeyAndScalarIndexes: the SDK creates a collection with
// a partition key (num_partitions) and INVERTED and STL_SORT indexes on
// scalar fields, and filters on them; the indexes are listed and their
// answers are exact.
func TestGoSDKPartitionKeyAndScalarIndexes(t *testing.T) {
	n := start(t)
	c := n.client(t, milvusclient.ClientConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const coll = "tenants"
	s := entity.NewSchema().WithName(coll).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("tenant").WithDataType(entity.FieldTypeVarChar).WithMaxLength(16).WithIsPartitionKey(true)).
		WithField(entity.NewField().WithName("rank").WithDataType(entity.FieldTypeInt64)).
		WithField(entity.NewField().WithName("vec").WithDataType(entity.FieldTypeFloatVector).WithDim(dim))
	must(t, c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(coll, s).WithNumPartitions(4).WithIndexOptions(
		milvusclient.NewCreateIndexOption(coll, "vec", index.NewFlatIndex(entity.L2)),
		milvusclient.NewCreateIndexOption(coll, "tenant", index.NewInvertedIndex()),
		milvusclient.NewCreateIndexOption(coll, "rank", index.NewSortedIndex()))), "CreateCollection")
	parts, err := c.ListPartitions(ctx, milvusclient.NewListPartitionOption(coll))
	must(t, err, "ListPartitions")
	if len(parts) != 4 {
		t.Fatalf("partitions %v, want 4 (_default_0…3)", parts)
	}
	d := newDataset(300)
	tenants, ranks := make([]string, 300), make([]int64, 300)
	for i := range tenants {
		tenants[i], ranks[i] = fmt.Sprintf("t%d", i%6), int64(i%50)
	}
	_, err = c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", d.ids).
		WithVarcharColumn("tenant", tenants).WithInt64Column("rank", ranks).WithFloatVectorColumn("vec", dim, d.vecs))
	must(t, err, "Insert")
	must(t, func() error { _, err := c.Flush(ctx, milvusclient.NewFlushOption(coll)); return err }(), "Flush")
	names, err := c.ListIndexes(ctx, milvusclient.NewListIndexOption(coll))
	must(t, err, "ListIndexes")
	if len(names) != 3 {
		t.Fatalf("indexes %v, want vec, tenant, rank", names)
	}
	rs, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter(`tenant == "t2" and rank < 10`).
		WithOutputFields("tenant", "rank").WithConsistencyLevel(entity.ClStrong))
	must(t, err, "Query")
	want := 0
	for i := range tenants {
		if tenants[i] == "t2" && ranks[i] < 10 {
			want++
		}
	}
	if rs.ResultCount != want || want == 0 {
		t.Fatalf("query found %d rows, want %d", rs.ResultCount, want)
	}
	hits, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 3, []entity.Vector{entity.FloatVector(d.vecs[8])}).
		WithANNSField("vec").WithFilter(`tenant in ["t2"]`).WithConsistencyLevel(entity.ClStrong))
	must(t, err, "Search")
	if got := ids(t, hits[0].IDs); len(got) != 3 || got[0] != 8 {
		t.Fatalf("search in tenant t2 found %v, want row 8 first", got)
	}
	if _, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithPartitions("_default_1").WithFilter("rank > 1")); err == nil {
		t.Fatal("a query naming a partition of a partition-key collection was accepted")
	}
}
