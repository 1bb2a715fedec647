package gosdk

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/column"
	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// TestSDKDatabases drives the database APIs of the official Go SDK:
// create, list, describe, alter and drop properties, drop; a client bound
// to a database by ClientConfig.DBName, another switched with UseDatabase,
// each seeing only that database's collection of the same name as the
// default database's; a non-empty database refused a drop.
func TestSDKDatabases(t *testing.T) {
	n := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := n.client(t, milvusclient.ClientConfig{})

	if _, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: n.addr, DBName: "analytics"}); err == nil ||
		!strings.Contains(err.Error(), "database not found") {
		t.Fatalf("connecting to a database that does not exist: %v", err)
	}
	must(t, c.CreateDatabase(ctx, milvusclient.NewCreateDatabaseOption("analytics").WithProperty("owner", "team_a")), "CreateDatabase")
	if err := c.CreateDatabase(ctx, milvusclient.NewCreateDatabaseOption("analytics")); err == nil {
		t.Fatal("CreateDatabase of an existing database succeeded")
	}
	dbs, err := c.ListDatabase(ctx, milvusclient.NewListDatabaseOption())
	must(t, err, "ListDatabase")
	if !slices.Equal(dbs, []string{"default", "analytics"}) {
		t.Fatalf("ListDatabase = %v", dbs)
	}
	must(t, c.AlterDatabaseProperties(ctx, milvusclient.NewAlterDatabasePropertiesOption("analytics").WithProperty("tier", "gold")), "AlterDatabaseProperties")
	must(t, c.DropDatabaseProperties(ctx, milvusclient.NewDropDatabasePropertiesOption("analytics", "owner")), "DropDatabaseProperties")
	db, err := c.DescribeDatabase(ctx, milvusclient.NewDescribeDatabaseOption("analytics"))
	must(t, err, "DescribeDatabase")
	if db.Name != "analytics" || !maps.Equal(db.Properties, map[string]string{"tier": "gold"}) {
		t.Fatalf("DescribeDatabase = %+v", db)
	}

	// "docs" in both databases: default through c, analytics through a
	// client configured with DBName.
	a := n.client(t, milvusclient.ClientConfig{DBName: "analytics"})
	for _, cl := range []*milvusclient.Client{c, a} {
		must(t, cl.CreateCollection(ctx, milvusclient.NewCreateCollectionOption("docs", schema("docs"))), "CreateCollection")
	}
	insertRows(t, c, 0, 10)
	insertRows(t, a, 100, 105)
	if got := countRows(t, c); got != 10 {
		t.Fatalf("default.docs: %d rows", got)
	}
	if got := countRows(t, a); got != 5 {
		t.Fatalf("analytics.docs: %d rows", got)
	}
	rs, err := a.Search(ctx, milvusclient.NewSearchOption("docs", 10, []entity.Vector{entity.FloatVector(sdkVec(3))}).
		WithANNSField("vec").WithConsistencyLevel(entity.ClStrong))
	must(t, err, "Search in analytics")
	if got := ids(t, rs[0].IDs); len(got) != 5 || slices.Min(got) < 100 {
		t.Fatalf("search in analytics found %v", got)
	}

	// UseDatabase switches a client; a database that does not exist is
	// refused.
	u := n.client(t, milvusclient.ClientConfig{})
	if err := u.UseDatabase(ctx, milvusclient.NewUseDatabaseOption("nope")); err == nil {
		t.Fatal("UseDatabase of a database that does not exist succeeded")
	}
	must(t, u.UseDatabase(ctx, milvusclient.NewUseDatabaseOption("analytics")), "UseDatabase")
	if got := countRows(t, u); got != 5 {
		t.Fatalf("after UseDatabase: %d rows", got)
	}
	must(t, u.CreateAlias(ctx, milvusclient.NewCreateAliasOption("docs", "current")), "CreateAlias")
	if _, err := c.DescribeAlias(ctx, milvusclient.NewDescribeAliasOption("current")); err == nil {
		t.Fatal("analytics' alias is visible in default")
	}
	must(t, u.DropAlias(ctx, milvusclient.NewDropAliasOption("current")), "DropAlias")

	if err := c.DropDatabase(ctx, milvusclient.NewDropDatabaseOption("analytics")); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("DropDatabase of a database with a collection: %v", err)
	}
	if got := countRows(t, a); got != 5 {
		t.Fatalf("analytics.docs after the refused drop: %d rows", got)
	}
	must(t, a.DropCollection(ctx, milvusclient.NewDropCollectionOption("docs")), "DropCollection")
	must(t, c.DropDatabase(ctx, milvusclient.NewDropDatabaseOption("analytics")), "DropDatabase")
	dbs, err = c.ListDatabase(ctx, milvusclient.NewListDatabaseOption())
	must(t, err, "ListDatabase")
	if !slices.Equal(dbs, []string{"default"}) {
		t.Fatalf("ListDatabase after the drop = %v", dbs)
	}
	if got := countRows(t, c); got != 10 {
		t.Fatalf("default.docs after analytics was dropped: %d rows", got)
	}
}

// sdkVec is a deterministic vector of the test schema's dimension.
func sdkVec(i int) []float32 {
	v := make([]float32, dim)
	for j := range v {
		v[j] = float32((i*31+j*7)%97) / 97
	}
	return v
}

// insertRows inserts ids from..to-1 into "docs" of the client's database.
func insertRows(t *testing.T, c *milvusclient.Client, from, to int) {
	t.Helper()
	var ids []int64
	var vecs [][]float32
	var tags []string
	var scores []float64
	for i := from; i < to; i++ {
		ids, vecs = append(ids, int64(i)), append(vecs, sdkVec(i))
		tags, scores = append(tags, "t"), append(scores, float64(i))
	}
	_, err := c.Insert(context.Background(), milvusclient.NewColumnBasedInsertOption("docs").
		WithInt64Column("id", ids).WithFloatVectorColumn("vec", dim, vecs).
		WithVarcharColumn("tag", tags).WithColumns(column.NewColumnDouble("score", scores)))
	must(t, err, "Insert %d-%d", from, to)
}

// countRows is count(*) of "docs" in the client's database, at Strong.
func countRows(t *testing.T, c *milvusclient.Client) int64 {
	t.Helper()
	rs, err := c.Query(context.Background(), milvusclient.NewQueryOption("docs").
		WithOutputFields("count(*)").WithConsistencyLevel(entity.ClStrong))
	must(t, err, "count(*)")
	n, err := rs.GetColumn("count(*)").GetAsInt64(0)
	must(t, err, "count(*) value")
	return n
}
