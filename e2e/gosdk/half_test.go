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

// TestGoSDKHalfPrecision: the SDK inserts Float16Vector and BFloat16Vector
// columns, searches them with half-precision query vectors, and reads the
// vectors back.
func TestGoSDKHalfPrecision(t *testing.T) {
	n := start(t)
	c := n.client(t, milvusclient.ClientConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const coll = "halfsdk"
	s := entity.NewSchema().WithName(coll).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("h").WithDataType(entity.FieldTypeFloat16Vector).WithDim(dim)).
		WithField(entity.NewField().WithName("b").WithDataType(entity.FieldTypeBFloat16Vector).WithDim(dim))
	must(t, c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(coll, s).WithIndexOptions(
		milvusclient.NewCreateIndexOption(coll, "h", index.NewFlatIndex(entity.L2)),
		milvusclient.NewCreateIndexOption(coll, "b", index.NewFlatIndex(entity.L2)))), "CreateCollection")
	d := newDataset(200)
	_, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", d.ids).
		WithFloat16VectorColumn("h", dim, d.vecs).WithBFloat16VectorColumn("b", dim, d.vecs))
	must(t, err, "Insert")
	for _, tc := range []struct {
		field string
		q     entity.Vector
	}{
		{"h", entity.FloatVector(d.vecs[17]).ToFloat16Vector()},
		{"b", entity.FloatVector(d.vecs[17]).ToBFloat16Vector()},
	} {
		rs, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 3, []entity.Vector{tc.q}).
			WithANNSField(tc.field).WithConsistencyLevel(entity.ClStrong).WithOutputFields(tc.field))
		must(t, err, "Search %s", tc.field)
		if got := ids(t, rs[0].IDs); len(got) != 3 || got[0] != 17 {
			t.Fatalf("%s: nearest to row 17 are %v", tc.field, got)
		}
		col := rs[0].GetColumn(tc.field)
		if col == nil || col.Len() != 3 || col.Type() != map[string]entity.FieldType{"h": entity.FieldTypeFloat16Vector, "b": entity.FieldTypeBFloat16Vector}[tc.field] {
			t.Fatalf("%s: output column %v", tc.field, col)
		}
		v, err := col.Get(0)
		must(t, err, "Get")
		if fmt.Sprint(v) == "" {
			t.Fatalf("%s: empty vector", tc.field)
		}
	}
}

// TestGoSDKBinary: the SDK inserts a BinaryVector column, builds
// BIN_IVF_FLAT, searches with a binary query and reads the bytes back.
func TestGoSDKBinary(t *testing.T) {
	n := start(t)
	c := n.client(t, milvusclient.ClientConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const coll, bits = "bitsdk", 32
	s := entity.NewSchema().WithName(coll).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("b").WithDataType(entity.FieldTypeBinaryVector).WithDim(bits))
	must(t, c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(coll, s).WithIndexOptions(
		milvusclient.NewCreateIndexOption(coll, "b", index.NewBinIvfFlatIndex(entity.HAMMING, 4)))), "CreateCollection")
	keys := make([]int64, 100)
	rows := make([][]byte, 100)
	for i := range rows {
		keys[i], rows[i] = int64(i), []byte{byte(i), byte(3 * i), byte(255 - i), byte(i * i)}
	}
	_, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", keys).WithBinaryVectorColumn("b", bits, rows))
	must(t, err, "Insert")
	rs, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 2, []entity.Vector{entity.BinaryVector(rows[42])}).
		WithANNSField("b").WithConsistencyLevel(entity.ClStrong).WithOutputFields("b"))
	must(t, err, "Search")
	if got := ids(t, rs[0].IDs); len(got) != 2 || got[0] != 42 || rs[0].Scores[0] != 0 {
		t.Fatalf("nearest to row 42: %v scores %v", got, rs[0].Scores)
	}
	v, err := rs[0].GetColumn("b").Get(0)
	must(t, err, "Get")
	if fmt.Sprint(v) != fmt.Sprint(rows[42]) {
		t.Fatalf("row 42 reads back as %v, want %v", v, rows[42])
	}
}
