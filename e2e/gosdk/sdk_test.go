package gosdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

const dim = 8

// dataset is the rows the test inserts: id i, a seeded vector, tag
// "t{i%3}", score i/2, n null for every fourth row, $meta {"color": ...}.
type dataset struct {
	ids   []int64
	vecs  [][]float32
	tags  []string
	score []float64
	metas [][]byte
}

func newDataset(n int) *dataset {
	r := rand.New(rand.NewSource(7))
	d := &dataset{}
	for i := 0; i < n; i++ {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()
		}
		d.ids = append(d.ids, int64(i))
		d.vecs = append(d.vecs, v)
		d.tags = append(d.tags, fmt.Sprintf("t%d", i%3))
		d.score = append(d.score, float64(i)/2)
		d.metas = append(d.metas, []byte(fmt.Sprintf(`{"color":"c%d"}`, i%5)))
	}
	return d
}

func (d *dataset) insertOption(t *testing.T, coll string) milvusclient.InsertOption {
	var vals []int32
	valid := make([]bool, len(d.ids))
	for i := range d.ids {
		if valid[i] = i%4 != 0; valid[i] {
			vals = append(vals, int32(i))
		}
	}
	n, err := column.NewNullableColumnInt32("n", vals, valid)
	must(t, err, "nullable column")
	return milvusclient.NewColumnBasedInsertOption(coll, n).
		WithInt64Column("id", d.ids).
		WithFloatVectorColumn("vec", dim, d.vecs).
		WithVarcharColumn("tag", d.tags).
		WithColumns(column.NewColumnDouble("score", d.score),
			column.NewColumnJSONBytes("$meta", d.metas).WithIsDynamic(true))
}

// nearest is the brute-force L2 top-k of q among rows accepted by keep.
func (d *dataset) nearest(q []float32, k int, keep func(i int) bool) []int64 {
	type hit struct {
		id   int64
		dist float32
	}
	var hits []hit
	for i, v := range d.vecs {
		if keep != nil && !keep(i) {
			continue
		}
		var s float32
		for j := range v {
			x := v[j] - q[j]
			s += x * x
		}
		hits = append(hits, hit{d.ids[i], s})
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].dist < hits[b].dist })
	var out []int64
	for i := 0; i < k && i < len(hits); i++ {
		out = append(out, hits[i].id)
	}
	return out
}

func schema(name string) *entity.Schema {
	return entity.NewSchema().WithName(name).WithDynamicFieldEnabled(true).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("vec").WithDataType(entity.FieldTypeFloatVector).WithDim(dim)).
		WithField(entity.NewField().WithName("tag").WithDataType(entity.FieldTypeVarChar).WithMaxLength(16)).
		WithField(entity.NewField().WithName("score").WithDataType(entity.FieldTypeDouble)).
		WithField(entity.NewField().WithName("n").WithDataType(entity.FieldTypeInt32).WithNullable(true))
}

func ids(t *testing.T, c column.Column) []int64 {
	t.Helper()
	out := make([]int64, c.Len())
	for i := range out {
		v, err := c.GetAsInt64(i)
		must(t, err, "id %d", i)
		out[i] = v
	}
	return out
}

func overlap(a, b []int64) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

// TestGoSDK drives every operation the REST API has through the official
// Go SDK against a real standalone binary.
func TestGoSDK(t *testing.T) {
	n := start(t)
	c := n.client(t, milvusclient.ClientConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const coll = "books"
	d := newDataset(300)

	v, err := c.GetServerVersion(ctx, milvusclient.NewGetServerVersionOption())
	must(t, err, "GetServerVersion")
	if v == "" {
		t.Fatal("empty server version")
	}

	dbs, err := c.ListDatabase(ctx, milvusclient.NewListDatabaseOption())
	must(t, err, "ListDatabase")
	if !slices.Equal(dbs, []string{"default"}) {
		t.Fatalf("ListDatabase = %v", dbs)
	}
	must(t, c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(coll, schema(coll)).WithShardNum(2)), "CreateCollection")
	has, err := c.HasCollection(ctx, milvusclient.NewHasCollectionOption(coll))
	must(t, err, "HasCollection")
	if !has {
		t.Fatal("HasCollection: false after create")
	}
	desc, err := c.DescribeCollection(ctx, milvusclient.NewDescribeCollectionOption(coll))
	must(t, err, "DescribeCollection")
	if desc.ShardNum != 2 || desc.Schema.PKFieldName() != "id" || !desc.Schema.EnableDynamicField {
		t.Fatalf("DescribeCollection: shards %d pk %q dynamic %v", desc.ShardNum, desc.Schema.PKFieldName(), desc.Schema.EnableDynamicField)
	}
	for _, f := range desc.Schema.Fields {
		if f.Name == "vec" && f.TypeParams["dim"] != "8" {
			t.Fatalf("vec dim = %q, want 8", f.TypeParams["dim"])
		}
	}
	names, err := c.ListCollections(ctx, milvusclient.NewListCollectionOption())
	must(t, err, "ListCollections")
	if !slices.Contains(names, coll) {
		t.Fatalf("ListCollections = %v", names)
	}

	res, err := c.Insert(ctx, d.insertOption(t, coll))
	must(t, err, "Insert")
	if res.InsertCount != 300 || res.IDs.Len() != 300 {
		t.Fatalf("Insert: count %d ids %d", res.InsertCount, res.IDs.Len())
	}
	strong := entity.ClStrong

	t.Run("search growing rows exactly", func(t *testing.T) {
		q := d.vecs[17]
		rs, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 5, []entity.Vector{entity.FloatVector(q), entity.FloatVector(d.vecs[42])}).
			WithANNSField("vec").WithSearchParam("metric_type", "L2").WithConsistencyLevel(strong).WithOutputFields("tag", "color"))
		must(t, err, "Search")
		if len(rs) != 2 {
			t.Fatalf("nq 2: %d result sets", len(rs))
		}
		if got, want := ids(t, rs[0].IDs), d.nearest(q, 5, nil); !slices.Equal(got, want) {
			t.Fatalf("top-5 = %v, want %v", got, want)
		}
		if got, want := ids(t, rs[1].IDs), d.nearest(d.vecs[42], 5, nil); !slices.Equal(got, want) {
			t.Fatalf("second query top-5 = %v, want %v", got, want)
		}
		if rs[0].Scores[0] != 0 {
			t.Fatalf("self distance = %v", rs[0].Scores[0])
		}
		tag, err := rs[0].GetColumn("tag").GetAsString(0)
		must(t, err, "tag")
		color, err := rs[0].GetColumn("color").GetAsString(0)
		must(t, err, "color")
		if tag != "t2" || color != "c2" {
			t.Fatalf("row 17: tag %q color %q, want t2 c2", tag, color)
		}
	})

	t.Run("search filter offset grouping", func(t *testing.T) {
		q := d.vecs[5]
		rs, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 4, []entity.Vector{entity.FloatVector(q)}).
			WithANNSField("vec").WithSearchParam("metric_type", "L2").WithConsistencyLevel(strong).WithFilter(`tag == "t1" and score > 10`).WithOffset(2))
		must(t, err, "filtered search")
		want := d.nearest(q, 6, func(i int) bool { return i%3 == 1 && d.score[i] > 10 })[2:]
		if got := ids(t, rs[0].IDs); !slices.Equal(got, want) {
			t.Fatalf("filtered, offset 2: %v, want %v", got, want)
		}
		tmpl, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 3, []entity.Vector{entity.FloatVector(q)}).
			WithANNSField("vec").WithConsistencyLevel(strong).WithFilter(`id in {ids}`).WithTemplateParam("ids", []int64{1, 2, 3, 4}))
		must(t, err, "template search")
		if got := ids(t, tmpl[0].IDs); len(got) != 3 || overlap(got, []int64{1, 2, 3, 4}) != 3 {
			t.Fatalf("template filter: %v", got)
		}
		grp, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 3, []entity.Vector{entity.FloatVector(q)}).
			WithANNSField("vec").WithConsistencyLevel(strong).WithGroupByField("tag").WithOutputFields("tag"))
		must(t, err, "grouped search")
		seen := map[string]bool{}
		for i := 0; i < grp[0].ResultCount; i++ {
			tag, _ := grp[0].GetColumn("tag").GetAsString(i)
			if g, err := grp[0].GroupByValue.GetAsString(i); err != nil || g != tag {
				t.Fatalf("hit %d: group value %q (%v), tag %q", i, g, err, tag)
			}
			if seen[tag] {
				t.Fatalf("group_by tag: %q twice", tag)
			}
			seen[tag] = true
		}
		if len(seen) != 3 {
			t.Fatalf("group_by tag: %d groups, want 3", len(seen))
		}
	})

	t.Run("hybrid search", func(t *testing.T) {
		q := d.vecs[17]
		filtered := milvusclient.NewAnnRequest("vec", 5, entity.FloatVector(q)).WithSearchParam("metric_type", "L2").WithFilter(`tag == "t1"`)
		plain := milvusclient.NewAnnRequest("vec", 5, entity.FloatVector(q)).WithSearchParam("metric_type", "L2")
		rs, err := c.HybridSearch(ctx, milvusclient.NewHybridSearchOption(coll, 5, filtered, plain).
			WithReranker(milvusclient.NewWeightedReranker([]float64{1, 0})).WithConsistencyLevel(strong).WithOutputFields("tag"))
		must(t, err, "weighted HybridSearch")
		want := d.nearest(q, 5, func(i int) bool { return i%3 == 1 })
		if got := ids(t, rs[0].IDs); !slices.Equal(got, want) {
			t.Fatalf("weighted [1, 0]: %v, want the filtered search's %v", got, want)
		}
		if tag, _ := rs[0].GetColumn("tag").GetAsString(0); tag != "t1" {
			t.Fatalf("hybrid output field tag = %q", tag)
		}
		rs, err = c.HybridSearch(ctx, milvusclient.NewHybridSearchOption(coll, 3, plain, plain).
			WithReranker(milvusclient.NewRRFReranker()).WithConsistencyLevel(strong))
		must(t, err, "rrf HybridSearch")
		if got, want := ids(t, rs[0].IDs), d.nearest(q, 3, nil); !slices.Equal(got, want) {
			t.Fatalf("rrf of one search twice: %v, want %v", got, want)
		}
	})

	t.Run("query count limit offset", func(t *testing.T) {
		rs, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter("id >= 10 and id < 20").
			WithOutputFields("tag", "score", "color").WithConsistencyLevel(strong))
		must(t, err, "Query")
		if got := ids(t, rs.GetColumn("id")); !slices.Equal(got, d.ids[10:20]) {
			t.Fatalf("query ids = %v", got)
		}
		s, err := rs.GetColumn("score").GetAsDouble(3)
		must(t, err, "score")
		color, err := rs.GetColumn("color").GetAsString(3)
		must(t, err, "color")
		if s != 6.5 || color != "c3" {
			t.Fatalf("row 13: score %v color %q", s, color)
		}
		all, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter("id in [12, 13]").
			WithOutputFields("*").WithConsistencyLevel(strong))
		must(t, err, "Query *")
		null12, _ := all.GetColumn("n").IsNull(0)
		null13, _ := all.GetColumn("n").IsNull(1)
		n13, _ := all.GetColumn("n").GetAsInt64(1)
		if all.GetColumn("vec") == nil || !null12 || null13 || n13 != 13 {
			t.Fatalf("output *: vec %v, n of 12 null %v, n of 13 null %v value %d", all.GetColumn("vec") != nil, null12, null13, n13)
		}
		page, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter("id < 100").WithLimit(5).WithOffset(10).WithConsistencyLevel(strong))
		must(t, err, "paged Query")
		if got := ids(t, page.GetColumn("id")); !slices.Equal(got, d.ids[10:15]) {
			t.Fatalf("offset 10 limit 5 = %v", got)
		}
		if len(page.Fields) != 1 {
			t.Fatalf("query without output fields returned %d columns, want the primary key only", len(page.Fields))
		}
		if got := count(t, c, coll, `tag == "t0"`); got != 100 {
			t.Fatalf("count(*) tag t0 = %d, want 100", got)
		}
		got, err := c.Get(ctx, milvusclient.NewQueryOption(coll).WithIDs(column.NewColumnInt64("id", []int64{3, 299})).WithConsistencyLevel(strong))
		must(t, err, "Get")
		if got.ResultCount != 2 {
			t.Fatalf("Get 2 ids: %d rows", got.ResultCount)
		}
	})

	t.Run("upsert delete", func(t *testing.T) {
		vec := make([]float32, dim)
		_, err := c.Upsert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", []int64{7}).
			WithFloatVectorColumn("vec", dim, [][]float32{vec}).WithVarcharColumn("tag", []string{"changed"}).
			WithColumns(column.NewColumnDouble("score", []float64{-1})))
		must(t, err, "Upsert")
		rs, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter("id == 7").WithOutputFields("tag").WithConsistencyLevel(strong))
		must(t, err, "query upserted")
		if tag, _ := rs.GetColumn("tag").GetAsString(0); rs.ResultCount != 1 || tag != "changed" {
			t.Fatalf("after upsert: %d rows, tag %q", rs.ResultCount, tag)
		}
		del, err := c.Delete(ctx, milvusclient.NewDeleteOption(coll).WithExpr("id in [0, 1, 2]"))
		must(t, err, "Delete")
		if del.DeleteCount != 3 {
			t.Fatalf("DeleteCount = %d", del.DeleteCount)
		}
		if got := count(t, c, coll, ""); got != 297 {
			t.Fatalf("count after delete = %d, want 297", got)
		}
	})

	t.Run("query iterator", func(t *testing.T) {
		it, err := c.QueryIterator(ctx, milvusclient.NewQueryIteratorOption(coll).WithBatchSize(40).
			WithFilter("score >= 0").WithOutputFields("tag").WithConsistencyLevel(strong))
		must(t, err, "QueryIterator")
		var got []int64
		for {
			rs, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			must(t, err, "iterator Next")
			if rs.ResultCount > 40 {
				t.Fatalf("batch of %d rows, want at most 40", rs.ResultCount)
			}
			got = append(got, ids(t, rs.GetColumn("id"))...)
		}
		want := slices.DeleteFunc(slices.Clone(d.ids), func(id int64) bool { return id < 3 || id == 7 })
		if !slices.Equal(got, want) {
			t.Fatalf("iterated %d ids, want %d (%v...)", len(got), len(want), got[:min(5, len(got))])
		}
	})

	t.Run("flush index load", func(t *testing.T) {
		ft, err := c.Flush(ctx, milvusclient.NewFlushOption(coll))
		must(t, err, "Flush")
		must(t, ft.Await(ctx), "Flush await")
		it, err := c.CreateIndex(ctx, milvusclient.NewCreateIndexOption(coll, "vec", index.NewHNSWIndex(entity.L2, 16, 200)))
		must(t, err, "CreateIndex")
		must(t, it.Await(ctx), "CreateIndex await")
		ix, err := c.DescribeIndex(ctx, milvusclient.NewDescribeIndexOption(coll, "vec"))
		must(t, err, "DescribeIndex")
		if p := ix.Params(); p["index_type"] != "HNSW" || p["metric_type"] != "L2" || ix.State != index.IndexState(3) || ix.TotalRows != 297 {
			t.Fatalf("DescribeIndex: params %v state %v total rows %d", p, ix.State, ix.TotalRows)
		}
		lt, err := c.LoadCollection(ctx, milvusclient.NewLoadCollectionOption(coll))
		must(t, err, "LoadCollection")
		must(t, lt.Await(ctx), "Load await")
		st, err := c.GetLoadState(ctx, milvusclient.NewGetLoadStateOption(coll))
		must(t, err, "GetLoadState")
		if st.State != entity.LoadStateLoaded {
			t.Fatalf("load state %v", st.State)
		}
		q := d.vecs[100]
		rs, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 10, []entity.Vector{entity.FloatVector(q)}).
			WithANNSField("vec").WithConsistencyLevel(strong).WithAnnParam(index.NewHNSWAnnParam(100)))
		must(t, err, "indexed Search")
		want := d.nearest(q, 10, func(i int) bool { return i > 2 && i != 7 })
		if got := ids(t, rs[0].IDs); got[0] != 100 || overlap(got, want) < 9 {
			t.Fatalf("HNSW top-10 = %v, want about %v", got, want)
		}
		stats, err := c.GetCollectionStats(ctx, milvusclient.NewGetCollectionStatsOption(coll))
		must(t, err, "GetCollectionStats")
		if stats["row_count"] != "297" {
			t.Fatalf("row_count = %q", stats["row_count"])
		}
		id, err := c.Compact(ctx, milvusclient.NewCompactOption(coll))
		must(t, err, "Compact")
		_, err = c.GetCompactionState(ctx, milvusclient.NewGetCompactionStateOption(id))
		must(t, err, "GetCompactionState")
	})

	t.Run("partitions", func(t *testing.T) {
		must(t, c.CreatePartition(ctx, milvusclient.NewCreatePartitionOption(coll, "p1")), "CreatePartition")
		ok, err := c.HasPartition(ctx, milvusclient.NewHasPartitionOption(coll, "p1"))
		must(t, err, "HasPartition")
		parts, err := c.ListPartitions(ctx, milvusclient.NewListPartitionOption(coll))
		must(t, err, "ListPartitions")
		if !ok || !slices.Contains(parts, "p1") || !slices.Contains(parts, "_default") {
			t.Fatalf("has %v, partitions %v", ok, parts)
		}
		_, err = c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithPartition("p1").
			WithInt64Column("id", []int64{1000, 1001}).WithFloatVectorColumn("vec", dim, d.vecs[:2]).
			WithVarcharColumn("tag", []string{"p", "p"}).WithColumns(column.NewColumnDouble("score", []float64{1, 2})))
		must(t, err, "Insert into p1")
		rs, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithPartitions("p1").WithFilter("id >= 0").WithConsistencyLevel(strong))
		must(t, err, "Query p1")
		if got := ids(t, rs.GetColumn("id")); !slices.Equal(got, []int64{1000, 1001}) {
			t.Fatalf("p1 rows = %v", got)
		}
		lt, err := c.LoadPartitions(ctx, milvusclient.NewLoadPartitionsOption(coll, "p1"))
		must(t, err, "LoadPartitions")
		must(t, lt.Await(ctx), "LoadPartitions await")
		must(t, c.ReleasePartitions(ctx, milvusclient.NewReleasePartitionsOptions(coll, "p1")), "ReleasePartitions")
		if err := c.ReleasePartitions(ctx, milvusclient.NewReleasePartitionsOptions(coll, "nope")); err == nil {
			t.Fatal("ReleasePartitions of a missing partition: no error")
		}
		stats, err := c.GetPartitionStats(ctx, milvusclient.NewGetPartitionStatsOption(coll, "p1"))
		must(t, err, "GetPartitionStats")
		if stats["row_count"] != "2" {
			t.Fatalf("p1 row_count = %q", stats["row_count"])
		}
		must(t, c.DropPartition(ctx, milvusclient.NewDropPartitionOption(coll, "p1")), "DropPartition")
		if got := count(t, c, coll, "id >= 1000"); got != 0 {
			t.Fatalf("rows of dropped partition: %d", got)
		}
	})

	t.Run("aliases rename", func(t *testing.T) {
		must(t, c.CreateAlias(ctx, milvusclient.NewCreateAliasOption(coll, "shelf")), "CreateAlias")
		a, err := c.DescribeAlias(ctx, milvusclient.NewDescribeAliasOption("shelf"))
		must(t, err, "DescribeAlias")
		if a.CollectionName != coll {
			t.Fatalf("alias points to %q", a.CollectionName)
		}
		list, err := c.ListAliases(ctx, milvusclient.NewListAliasesOption(coll))
		must(t, err, "ListAliases")
		if !slices.Equal(list, []string{"shelf"}) {
			t.Fatalf("ListAliases = %v", list)
		}
		if got := count(t, c, "shelf", ""); got != 297 {
			t.Fatalf("count through alias = %d", got)
		}
		must(t, c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption("other", schema("other"))), "create other")
		must(t, c.AlterAlias(ctx, milvusclient.NewAlterAliasOption("shelf", "other")), "AlterAlias")
		if got := count(t, c, "shelf", ""); got != 0 {
			t.Fatalf("count through altered alias = %d", got)
		}
		must(t, c.DropAlias(ctx, milvusclient.NewDropAliasOption("shelf")), "DropAlias")
		must(t, c.RenameCollection(ctx, milvusclient.NewRenameCollectionOption("other", "renamed")), "RenameCollection")
		has, err := c.HasCollection(ctx, milvusclient.NewHasCollectionOption("renamed"))
		must(t, err, "Has renamed")
		if !has {
			t.Fatal("renamed collection missing")
		}
	})

	t.Run("quick form auto IDs range search", func(t *testing.T) {
		must(t, c.CreateCollection(ctx, milvusclient.SimpleCreateCollectionOptions("quick", 4)), "quick CreateCollection")
		vecs := [][]float32{{1, 0, 0, 0}, {0.9, 0.1, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}
		res, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption("quick").WithFloatVectorColumn("vector", 4, vecs))
		must(t, err, "quick Insert")
		auto := ids(t, res.IDs)
		if len(auto) != 4 || auto[0] == auto[1] {
			t.Fatalf("auto IDs %v", auto)
		}
		rs, err := c.Search(ctx, milvusclient.NewSearchOption("quick", 4, []entity.Vector{entity.FloatVector{1, 0, 0, 0}}).
			WithConsistencyLevel(strong).WithSearchParam("params", `{"radius": 0.5, "range_filter": 1.01}`))
		must(t, err, "range Search")
		if got := ids(t, rs[0].IDs); !slices.Equal(got, auto[:2]) {
			t.Fatalf("COSINE range (0.5, 1.01]: %v, want %v", got, auto[:2])
		}
		must(t, c.DropCollection(ctx, milvusclient.NewDropCollectionOption("quick")), "drop quick")
	})

	t.Run("row-based insert", func(t *testing.T) {
		rows := []any{
			map[string]any{"id": int64(2000), "vec": d.vecs[0], "tag": "row", "score": 1.5, "color": "violet"},
			map[string]any{"id": int64(2001), "vec": d.vecs[1], "tag": "row", "score": 2.5, "shape": "round"},
		}
		res, err := c.Insert(ctx, milvusclient.NewRowBasedInsertOption(coll, rows...))
		must(t, err, "row-based Insert")
		if res.InsertCount != 2 {
			t.Fatalf("InsertCount = %d", res.InsertCount)
		}
		rs, err := c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter(`tag == "row"`).
			WithOutputFields("score", "color", "shape").WithConsistencyLevel(strong))
		must(t, err, "query rows")
		color, _ := rs.GetColumn("color").GetAsString(0)
		shape, _ := rs.GetColumn("shape").GetAsString(1)
		if rs.ResultCount != 2 || color != "violet" || shape != "round" {
			t.Fatalf("rows: %d, color %q, shape %q", rs.ResultCount, color, shape)
		}
		del, err := c.Delete(ctx, milvusclient.NewDeleteOption(coll).WithExpr(`tag == "row"`))
		must(t, err, "delete rows")
		if del.DeleteCount != 2 {
			t.Fatalf("DeleteCount = %d", del.DeleteCount)
		}
	})

	t.Run("errors carry Milvus codes", func(t *testing.T) {
		_, err := c.Query(ctx, milvusclient.NewQueryOption("nope").WithFilter("id > 0"))
		if err == nil || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("query of a missing collection: %v", err)
		}
		_, err = c.Query(ctx, milvusclient.NewQueryOption(coll).WithFilter("id >>> 0").WithConsistencyLevel(strong))
		if err == nil {
			t.Fatal("bad filter accepted")
		}
		_, err = c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", []int64{5000}).
			WithFloatVectorColumn("vec", 3, [][]float32{{1, 2, 3}}).WithVarcharColumn("tag", []string{"x"}).
			WithColumns(column.NewColumnDouble("score", []float64{1})))
		if err == nil {
			t.Fatal("insert of a 3-dim vector into a dim-8 field accepted")
		}
		if got := count(t, c, coll, "id == 5000"); got != 0 {
			t.Fatalf("rejected insert wrote %d rows", got)
		}
	})

	t.Run("release drop", func(t *testing.T) {
		names, err := c.ListIndexes(ctx, milvusclient.NewListIndexOption(coll))
		must(t, err, "ListIndexes")
		if !slices.Equal(names, []string{"vec"}) {
			t.Fatalf("ListIndexes = %v", names)
		}
		must(t, c.DropIndex(ctx, milvusclient.NewDropIndexOption(coll, "vec")), "DropIndex")
		if _, err := c.DescribeIndex(ctx, milvusclient.NewDescribeIndexOption(coll, "vec")); err == nil {
			t.Fatal("DescribeIndex after DropIndex: no error")
		}
		must(t, c.ReleaseCollection(ctx, milvusclient.NewReleaseCollectionOption(coll)), "ReleaseCollection")
		_, err = c.Search(ctx, milvusclient.NewSearchOption(coll, 3, []entity.Vector{entity.FloatVector(d.vecs[0])}).WithANNSField("vec"))
		if err == nil || !strings.Contains(err.Error(), "not loaded") {
			t.Fatalf("search of a released collection: %v", err)
		}
		must(t, c.DropCollection(ctx, milvusclient.NewDropCollectionOption(coll)), "DropCollection")
		has, err := c.HasCollection(ctx, milvusclient.NewHasCollectionOption(coll))
		must(t, err, "HasCollection after drop")
		if has {
			t.Fatal("collection still there after drop")
		}
	})
}

func count(t *testing.T, c *milvusclient.Client, coll, filter string) int64 {
	t.Helper()
	rs, err := c.Query(context.Background(), milvusclient.NewQueryOption(coll).WithFilter(filter).
		WithOutputFields("count(*)").WithConsistencyLevel(entity.ClStrong))
	must(t, err, "count(*) of %s where %q", coll, filter)
	n, err := rs.GetColumn("count(*)").GetAsInt64(0)
	must(t, err, "count value")
	return n
}

// TestGoSDKAuth checks the authorization metadata: user:password and API
// keys are accepted, anything else refused.
func TestGoSDKAuth(t *testing.T) {
	n := start(t, "--auth", "--users", "alice=secret", "--api-keys", "key-1")
	ctx := context.Background()
	for _, cfg := range []milvusclient.ClientConfig{{Username: "alice", Password: "secret"}, {APIKey: "key-1"}} {
		c := n.client(t, cfg)
		_, err := c.ListCollections(ctx, milvusclient.NewListCollectionOption())
		must(t, err, "ListCollections as %+v", cfg)
	}
	for _, cfg := range []milvusclient.ClientConfig{{Username: "alice", Password: "wrong"}, {APIKey: "key-2"}, {}} {
		cfg.Address = n.addr
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := milvusclient.New(cctx, &cfg)
		if err == nil {
			_, err = c.ListCollections(cctx, milvusclient.NewListCollectionOption())
			_ = c.Close(ctx)
		}
		cancel()
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "authenticat") {
			b, _ := json.Marshal(cfg)
			t.Fatalf("credentials %s: err %v, want an authentication error", b, err)
		}
	}
}
