package proxy

import (
	"context"

	"github.com/raftvec/raftvec/coordinator"
)

// The database of a request is request-scoped: a front end puts it in the
// context once (REST from the body's dbName or the DB-Name header, gRPC
// from the request's DbName or the dbname metadata), and every collection
// and alias name the proxy is given is looked up in it. A context without
// one is the default database's.

// dbKey is the context key of the request's database.
type dbKey struct{}

// WithDatabase returns a context whose requests address database db (""
// is the default database).
func WithDatabase(ctx context.Context, db string) context.Context {
	return context.WithValue(ctx, dbKey{}, coordinator.NormalizeDatabase(db))
}

// Database returns the database a context addresses.
func Database(ctx context.Context) string {
	if db, ok := ctx.Value(dbKey{}).(string); ok {
		return db
	}
	return coordinator.DefaultDatabase
}

// qualify returns the coordinator's name of a collection or alias of the
// context's database.
func qualify(ctx context.Context, name string) string {
	return coordinator.Qualify(Database(ctx), name)
}

// CreateDatabase implements api.Backend.
func (p *Proxy) CreateDatabase(ctx context.Context, name string, props map[string]string) error {
	_, err := p.coord.CreateDatabase(ctx, name, props)
	return err
}

// DropDatabase implements api.Backend.
func (p *Proxy) DropDatabase(ctx context.Context, name string) error {
	return p.coord.DropDatabase(ctx, name)
}

// AlterDatabase implements api.Backend.
func (p *Proxy) AlterDatabase(ctx context.Context, name string, set map[string]string, del []string) error {
	return p.coord.AlterDatabase(ctx, name, set, del)
}

// DescribeDatabase implements api.Backend.
func (p *Proxy) DescribeDatabase(ctx context.Context, name string) (*coordinator.Database, error) {
	return p.coord.Database(ctx, name)
}

// ListDatabases implements api.Backend.
func (p *Proxy) ListDatabases(ctx context.Context) ([]coordinator.Database, error) {
	return p.coord.Databases(ctx)
}

// ChangeAccess implements api.Backend.
func (p *Proxy) ChangeAccess(ctx context.Context, ch coordinator.AccessChange) error {
	return p.coord.ChangeAccess(ctx, ch)
}

// Access implements api.Backend.
func (p *Proxy) Access(ctx context.Context, fresh bool) (*coordinator.Access, error) {
	return p.coord.Access(ctx, fresh)
}

// ResolveCollection implements api.Backend: an alias's collection as this
// node has applied the metadata, else the name as given.
func (p *Proxy) ResolveCollection(ctx context.Context, name string) string {
	if c, err := p.coord.CollectionView(qualify(ctx, name)); err == nil {
		return c.Name
	}
	return name
}
