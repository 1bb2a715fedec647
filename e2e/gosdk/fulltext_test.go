package gosdk

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// TestGoSDKFullTextAndSparse: the official SDK creates a collection with a
// BM25 function and a user sparse field, inserts text and sparse
// embeddings column-wise, searches by raw text and by sparse vector, and
// filters with text_match.
func TestGoSDKFullTextAndSparse(t *testing.T) {
	n := start(t)
	c := n.client(t, milvusclient.ClientConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const coll = "articles"
	s := entity.NewSchema().WithName(coll).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("body").WithDataType(entity.FieldTypeVarChar).WithMaxLength(256).
			WithEnableAnalyzer(true).WithAnalyzerParams(map[string]any{"type": "english"}).WithEnableMatch(true)).
		WithField(entity.NewField().WithName("bm").WithDataType(entity.FieldTypeSparseVector)).
		WithField(entity.NewField().WithName("emb").WithDataType(entity.FieldTypeSparseVector)).
		WithFunction(entity.NewFunction().WithName("body_bm25").WithType(entity.FunctionTypeBM25).
			WithInputFields("body").WithOutputFields("bm"))
	must(t, c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(coll, s).WithIndexOptions(
		milvusclient.NewCreateIndexOption(coll, "bm", index.NewSparseInvertedIndex(entity.BM25, 0.1)),
		milvusclient.NewCreateIndexOption(coll, "emb", index.NewSparseInvertedIndex(entity.IP, 0)))), "CreateCollection")

	desc, err := c.DescribeCollection(ctx, milvusclient.NewDescribeCollectionOption(coll))
	must(t, err, "DescribeCollection")
	if len(desc.Schema.Functions) != 1 || desc.Schema.Functions[0].Type != entity.FunctionTypeBM25 {
		t.Fatalf("described functions %+v, want the BM25 function", desc.Schema.Functions)
	}

	bodies := []string{
		"The Raft log is the channel of every shard",
		"Sparse vectors store only their non-zero entries",
		"BM25 ranks documents by term frequency and inverse document frequency",
		"A vector database searches embeddings by similarity",
		"Raft elects a leader and replicates the log to followers",
	}
	var idsCol []int64
	var embs []entity.SparseEmbedding
	for i := range bodies {
		idsCol = append(idsCol, int64(i))
		e, err := entity.NewSliceSparseEmbedding([]uint32{uint32(10 * i), 7}, []float32{1, float32(i)})
		must(t, err, "sparse embedding")
		embs = append(embs, e)
	}
	_, err = c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", idsCol).
		WithVarcharColumn("body", bodies).WithColumns(column.NewColumnSparseVectors("emb", embs)))
	must(t, err, "Insert")

	strong := entity.ClStrong
	rs, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 3, []entity.Vector{entity.Text("raft leader log")}).
		WithANNSField("bm").WithConsistencyLevel(strong).WithOutputFields("body"))
	must(t, err, "Search by text")
	if got := ids(t, rs[0].IDs); len(got) != 2 || got[0] != 4 || got[1] != 0 {
		t.Fatalf("BM25 search for \"raft leader log\" found %v, want [4 0]", got)
	}

	q, err := entity.NewSliceSparseEmbedding([]uint32{7, 20}, []float32{1, 10})
	must(t, err, "sparse query")
	rs, err = c.Search(ctx, milvusclient.NewSearchOption(coll, 2, []entity.Vector{q}).
		WithANNSField("emb").WithConsistencyLevel(strong).WithOutputFields("emb"))
	must(t, err, "Search by sparse vector")
	// Scores: id i has 10·[i == 2] + i: id 2 → 12, id 4 → 4.
	if got := ids(t, rs[0].IDs); fmt.Sprint(got) != "[2 4]" || rs[0].Scores[0] != 12 {
		t.Fatalf("sparse search found %v scores %v, want [2 4] with 12 first", got, rs[0].Scores)
	}
	if emb := rs[0].GetColumn("emb"); emb == nil || emb.Len() != 2 {
		t.Fatalf("sparse output column %v", emb)
	}

	got, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter(`text_match(body, "vectors")`).WithConsistencyLevel(strong))
	must(t, err, "Query text_match")
	if fmt.Sprint(ids(t, got.GetColumn("id"))) != "[1]" {
		t.Fatalf("text_match(body, \"vectors\") found %v, want [1] (the english analyzer does not stem: \"vector\" is another term)", ids(t, got.GetColumn("id")))
	}
}
