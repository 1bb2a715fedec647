package gosdk

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// TestGoSDKSearchIterator: the SDK's SearchIterator pages through every
// row of a collection (far past the 16,384 offset cap's worth of pages)
// in distance order, each row once, across many ties (rows with equal
// vectors), as an exact ranking orders them.
func TestGoSDKSearchIterator(t *testing.T) {
	n := start(t)
	c := n.client(t, milvusclient.ClientConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const coll, rows, distinct = "paged", 3000, 150
	s := entity.NewSchema().WithName(coll).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("vec").WithDataType(entity.FieldTypeFloatVector).WithDim(dim))
	must(t, c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(coll, s).WithIndexOptions(
		milvusclient.NewCreateIndexOption(coll, "vec", index.NewFlatIndex(entity.L2)))), "CreateCollection")
	d := newDataset(distinct) // 20 rows share each vector: ties at every distance
	ids, vecs := make([]int64, rows), make([][]float32, rows)
	for i := range rows {
		ids[i], vecs[i] = int64(i), d.vecs[i%distinct]
	}
	_, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", ids).
		WithFloatVectorColumn("vec", dim, vecs))
	must(t, err, "Insert")
	q := d.vecs[7]
	it, err := c.SearchIterator(ctx, milvusclient.NewSearchIteratorOption(coll, entity.FloatVector(q)).
		WithBatchSize(170).WithANNSField("vec").WithConsistencyLevel(entity.ClStrong))
	must(t, err, "SearchIterator")
	seen := map[int64]bool{}
	var last float32 = -1
	pages := 0
	for {
		rs, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err, "Next")
		pages++
		for i, id := range ids2(t, rs) {
			if seen[id] {
				t.Fatalf("page %d: id %d returned twice", pages, id)
			}
			seen[id] = true
			if rs.Scores[i] < last {
				t.Fatalf("page %d: distance %g after %g", pages, rs.Scores[i], last)
			}
			last = rs.Scores[i]
		}
	}
	if len(seen) != rows || pages < rows/170 {
		t.Fatalf("iterated %d rows in %d pages, want %d rows", len(seen), pages, rows)
	}
}

func ids2(t *testing.T, rs milvusclient.ResultSet) []int64 {
	t.Helper()
	return ids(t, rs.IDs)
}
