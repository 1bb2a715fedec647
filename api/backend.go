package api

import (
	"context"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
)

// Backend is what the front ends need from a node (package proxy
// implements it): metadata operations of the coordinator and data
// operations routed to shard replicas, whose per-shard answers the backend
// reduces.
//
// Errors wrap the sentinels of the packages below (see errors.go for the
// mapping to Milvus codes).
//
// Collection and alias names are those of the database the context
// addresses (proxy.WithDatabase; none: the default database), which front
// ends set once per request.
type Backend interface {
	// CreateCollection creates c (Name, Schema, ShardsNum, Consistency,
	// Indexes, Loaded set by the caller; IDs assigned by the coordinator).
	CreateCollection(ctx context.Context, c *coordinator.Collection) error
	DropCollection(ctx context.Context, name string) error
	// DescribeCollection resolves aliases. The collection returned is
	// shared and read-only: callers must not change it.
	DescribeCollection(ctx context.Context, name string) (*coordinator.Collection, error)
	ListCollections(ctx context.Context) ([]string, error)
	// RenameCollection renames a collection, into database newDB when
	// it is not "" (a collection with aliases cannot move).
	RenameCollection(ctx context.Context, oldName, newDB, newName string) error
	// AlterProperties sets, then drops, collection properties (values
	// already checked with coordinator.CheckProperty).
	AlterProperties(ctx context.Context, collection string, set map[string]string, drop []string) error
	// SetLoaded loads (replicas > 0: that many query replicas per shard)
	// or releases a collection.
	SetLoaded(ctx context.Context, name string, loaded bool, replicas int) error
	// LoadProgress reports how far the replicas serving a loaded
	// collection have loaded it, in percent.
	LoadProgress(ctx context.Context, name string) (int, error)
	// Flush seals and flushes every growing segment and waits.
	Flush(ctx context.Context, name string) error
	Compact(ctx context.Context, name string) (jobID int64, err error)
	CompactionState(ctx context.Context, jobID int64) (state string, executing, completed int, err error)

	CreatePartition(ctx context.Context, collection, partition string) error
	DropPartition(ctx context.Context, collection, partition string) error

	CreateIndex(ctx context.Context, collection string, idx coordinator.Index) error
	DropIndex(ctx context.Context, collection, indexName string) error
	// IndexProgress reports rows covered by the named index.
	IndexProgress(ctx context.Context, collection, indexName string) (total, indexed int64, state, failReason string, err error)
	// IndexLag reports the collection's last write and when every row was
	// last in a built index (proxy.IndexLag).
	IndexLag(ctx context.Context, collection string) (proxy.IndexLag, error)

	CreateAlias(ctx context.Context, alias, collection string) error
	AlterAlias(ctx context.Context, alias, collection string) error
	DropAlias(ctx context.Context, alias string) error
	// DescribeAlias returns the collection an alias points to.
	DescribeAlias(ctx context.Context, alias string) (string, error)
	// ListAliases lists aliases, of one collection when collection != "".
	ListAliases(ctx context.Context, collection string) ([]string, error)

	// AllocIDs reserves n consecutive auto IDs and returns the first.
	AllocIDs(ctx context.Context, n int) (int64, error)
	Write(ctx context.Context, w proxy.WriteRequest) (proxy.WriteResult, error)
	Delete(ctx context.Context, d proxy.DeleteRequest) (int64, error)
	// Query returns the matching entities in primary-key order, window
	// offset..offset+limit (limit 0: all).
	Query(ctx context.Context, q proxy.QueryRequest, offset, limit int) ([]proxy.Entity, error)
	// Count is count(*) of the rows the options select.
	Count(ctx context.Context, o proxy.ReadOptions) (int64, error)
	// Search returns, per query vector, the hits of window
	// offset..offset+limit best first (of groups when grouped); it asks
	// every shard for offset+limit.
	Search(ctx context.Context, s proxy.SearchRequest, offset, limit int) ([][]proxy.Hit, error)
	CreateDatabase(ctx context.Context, name string, props map[string]string) error
	// DropDatabase drops a database that has no collection left; the
	// default database cannot be dropped.
	DropDatabase(ctx context.Context, name string) error
	// AlterDatabase sets the properties set and removes the keys del.
	AlterDatabase(ctx context.Context, name string, set map[string]string, del []string) error
	DescribeDatabase(ctx context.Context, name string) (*coordinator.Database, error)
	// ListDatabases returns every database, the default one first, in
	// creation order.
	ListDatabases(ctx context.Context) ([]coordinator.Database, error)

	// ChangeAccess changes the users and roles (the password of a change
	// is already a bcrypt hash).
	ChangeAccess(ctx context.Context, ch coordinator.AccessChange) error
	// Access returns the users and roles: after a read barrier when
	// fresh, else as this node has applied them (cheap, for checking every
	// request). The value is shared and never changed.
	Access(ctx context.Context, fresh bool) (*coordinator.Access, error)
	// ResolveCollection returns the name of the collection a name of the
	// context's database denotes as this node has applied the metadata
	// (an alias's target), else the name itself; cheap, for privilege
	// checks.
	ResolveCollection(ctx context.Context, name string) string

	// RowCount is the exact number of live rows (deleted rows excluded) of a
	// collection, or of one partition when partition != "".
	RowCount(ctx context.Context, collection, partition string) (int64, error)
	// Ready reports whether the node can serve requests.
	Ready(ctx context.Context) error
}
