package coordinator

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Databases group collections (and their aliases) into namespaces: the same
// collection name may exist in two databases, and they share nothing.
//
// Every name the coordinator is given for a collection or an alias is a
// qualified name (Qualify): the database and the name in one string. The
// default database's qualified names are the bare names, so metadata written
// before databases existed (log entries, snapshots, collections without a
// DB) reads as the default database's, unchanged.

// DefaultDatabase is the database that always exists and cannot be dropped;
// "" means it too.
const DefaultDatabase = "default"

// DefaultDatabaseID is the ID of the default database (Milvus's). Other
// databases take IDs from the metadata's counter, skipping it.
const DefaultDatabaseID = 1

// MaxDatabases bounds the databases of a cluster, the default one included
// (Milvus's rootCoord.maxDatabaseNum).
const MaxDatabases = 64

// nameSep separates the database from the name in a qualified name. Names
// of databases, collections and aliases are letters, digits and
// underscores, so it never occurs in one (createLocked and
// createDatabaseLocked refuse names holding it).
const nameSep = "\x1f"

// Database is a database's metadata.
type Database struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	Properties map[string]string `json:"properties,omitempty"`
}

// dbChange is the payload of the database commands: the database to
// create (with its properties), drop, or alter (properties to set, keys to
// remove).
type dbChange struct {
	Name       string            `json:"name"`
	Properties map[string]string `json:"properties,omitempty"`
	DeleteKeys []string          `json:"delete_keys,omitempty"`
}

// NormalizeDatabase maps "" to the default database.
func NormalizeDatabase(db string) string {
	if db == "" {
		return DefaultDatabase
	}
	return db
}

// Qualify returns the qualified name of a collection or alias of a database
// ("" is the default database): the name itself in the default database,
// else the database, nameSep and the name. A name holding nameSep (no
// stored name does) is qualified explicitly, so that it never resolves to
// another database's collection.
func Qualify(db, name string) string {
	db = NormalizeDatabase(db)
	if db == DefaultDatabase && !strings.Contains(name, nameSep) {
		return name
	}
	return db + nameSep + name
}

// SplitName returns the database and the name of a qualified name.
func SplitName(q string) (db, name string) {
	if d, n, ok := strings.Cut(q, nameSep); ok {
		return d, n
	}
	return DefaultDatabase, q
}

// QualifiedName is the collection's qualified name (its key in the
// metadata).
func (c *Collection) QualifiedName() string { return Qualify(c.DB, c.Name) }

// Database returns the name of the collection's database.
func (c *Collection) Database() string { return NormalizeDatabase(c.DB) }

// storedDB is the value of Collection.DB for a database: "" for the
// default one, so collections of the default database encode as they did
// before databases existed.
func storedDB(db string) string {
	if db = NormalizeDatabase(db); db == DefaultDatabase {
		return ""
	}
	return db
}

// quoteName quotes a qualified name for an error message: `"c"` in the
// default database, `"c" in database "db"` elsewhere.
func quoteName(q string) string {
	db, name := SplitName(q)
	if db == DefaultDatabase {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("%q in database %q", name, db)
}

// validStoredName reports whether a database, collection or alias name can
// be stored: not empty and without nameSep.
func validStoredName(name string) bool {
	return name != "" && !strings.Contains(name, nameSep)
}

// databaseLocked returns a database by name ("" is the default one). The
// default database is stored only once altered; until then it is implicit.
func (m *metaFSM) databaseLocked(name string) (*Database, bool) {
	name = NormalizeDatabase(name)
	if d, ok := m.mu.Databases[name]; ok {
		return d, true
	}
	if name == DefaultDatabase {
		return &Database{ID: DefaultDatabaseID, Name: DefaultDatabase}, true
	}
	return nil, false
}

// checkDatabaseLocked returns ErrDatabaseNotFound for a database that does
// not exist.
func (m *metaFSM) checkDatabaseLocked(name string) error {
	if _, ok := m.databaseLocked(name); !ok {
		return fmt.Errorf("%w: %q", ErrDatabaseNotFound, NormalizeDatabase(name))
	}
	return nil
}

// databasesLocked returns every database, the default one included, in
// creation order (by ID).
func (m *metaFSM) databasesLocked() []*Database {
	out := []*Database{}
	if _, stored := m.mu.Databases[DefaultDatabase]; !stored {
		d, _ := m.databaseLocked(DefaultDatabase)
		out = append(out, d)
	}
	for _, d := range m.mu.Databases {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// collectionsInLocked returns the names of a database's collections,
// sorted.
func (m *metaFSM) collectionsInLocked(db string) []string {
	db = NormalizeDatabase(db)
	out := []string{}
	for _, c := range m.mu.Collections {
		if c.Database() == db {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

func (m *metaFSM) applyDatabaseLocked(op string, ch *dbChange) result {
	if ch == nil {
		return result{Err: fmt.Errorf("%w: no database", ErrInvalid)}
	}
	switch op {
	case opCreateDatabase:
		return m.createDatabaseLocked(ch)
	case opDropDatabase:
		return m.dropDatabaseLocked(ch.Name)
	}
	return m.alterDatabaseLocked(ch)
}

func (m *metaFSM) createDatabaseLocked(ch *dbChange) result {
	if !validStoredName(ch.Name) {
		return result{Err: fmt.Errorf("%w: invalid database name %q", ErrInvalid, ch.Name)}
	}
	if _, ok := m.databaseLocked(ch.Name); ok {
		return result{Err: fmt.Errorf("%w: %q", ErrDatabaseExists, ch.Name)}
	}
	if err := checkProperties(ch.Properties); err != nil {
		return result{Err: err}
	}
	if n := len(m.databasesLocked()); n >= MaxDatabases {
		return result{Err: fmt.Errorf("%w: a cluster has at most %d databases, the default one included", ErrInvalid, MaxDatabases)}
	}
	id := m.nextIDLocked()
	if id == DefaultDatabaseID { // a fresh cluster's first ID
		id = m.nextIDLocked()
	}
	d := &Database{ID: id, Name: ch.Name, Properties: maps.Clone(ch.Properties)}
	if len(d.Properties) == 0 {
		d.Properties = nil
	}
	m.mu.Databases[d.Name] = d
	return result{ID: d.ID}
}

func (m *metaFSM) dropDatabaseLocked(name string) result {
	name = NormalizeDatabase(name)
	if name == DefaultDatabase {
		return result{Err: fmt.Errorf("%w: the default database cannot be dropped", ErrInvalid)}
	}
	d, ok := m.mu.Databases[name]
	if !ok {
		return result{Err: fmt.Errorf("%w: %q", ErrDatabaseNotFound, name)}
	}
	if colls := m.collectionsInLocked(name); len(colls) > 0 {
		return result{Err: fmt.Errorf("%w: %q still has collections (%s); drop them before dropping the database",
			ErrDatabaseNotEmpty, name, strings.Join(colls, ", "))}
	}
	delete(m.mu.Databases, name)
	return result{ID: d.ID}
}

func (m *metaFSM) alterDatabaseLocked(ch *dbChange) result {
	d, ok := m.databaseLocked(ch.Name)
	if !ok {
		return result{Err: fmt.Errorf("%w: %q", ErrDatabaseNotFound, NormalizeDatabase(ch.Name))}
	}
	if err := checkProperties(ch.Properties); err != nil {
		return result{Err: err}
	}
	if len(ch.Properties) == 0 && len(ch.DeleteKeys) == 0 {
		return result{Err: fmt.Errorf("%w: altering database %q: no properties to set or delete", ErrInvalid, d.Name)}
	}
	for _, k := range ch.DeleteKeys {
		if _, set := ch.Properties[k]; set {
			return result{Err: fmt.Errorf("%w: property %q is both set and deleted", ErrInvalid, k)}
		}
	}
	cp := *d // copy on write: databases handed out stay unchanged
	cp.Properties = maps.Clone(d.Properties)
	if cp.Properties == nil {
		cp.Properties = map[string]string{}
	}
	maps.Copy(cp.Properties, ch.Properties)
	for _, k := range ch.DeleteKeys {
		delete(cp.Properties, k)
	}
	if len(cp.Properties) == 0 {
		cp.Properties = nil
	}
	m.mu.Databases[cp.Name] = &cp
	return result{}
}

// maxProperties bounds the properties of one database.
const maxProperties = 64

// checkProperties refuses empty keys and too many properties.
func checkProperties(props map[string]string) error {
	if len(props) > maxProperties {
		return fmt.Errorf("%w: at most %d properties, got %d", ErrInvalid, maxProperties, len(props))
	}
	for k := range props {
		if strings.TrimSpace(k) == "" {
			return fmt.Errorf("%w: a property key is empty", ErrInvalid)
		}
	}
	return nil
}

// database returns a copy of a database, after no barrier.
func (m *metaFSM) database(name string) (*Database, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d, ok := m.databaseLocked(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrDatabaseNotFound, NormalizeDatabase(name))
	}
	return cloneDatabase(d), nil
}

// databases returns copies of every database in creation order.
func (m *metaFSM) databases() []Database {
	m.mu.RLock()
	defer m.mu.RUnlock()
	all := m.databasesLocked()
	out := make([]Database, len(all))
	for i, d := range all {
		out[i] = *cloneDatabase(d)
	}
	return out
}

func cloneDatabase(d *Database) *Database {
	cp := *d
	cp.Properties = maps.Clone(d.Properties)
	return &cp
}

// CreateDatabase creates a database with properties; it returns its ID.
func (c *Coordinator) CreateDatabase(ctx context.Context, name string, props map[string]string) (int64, error) {
	r, err := c.propose(ctx, command{Op: opCreateDatabase, DB: &dbChange{Name: name, Properties: props}})
	return r.ID, err
}

// DropDatabase drops an empty database; the default database and a
// database that has collections are refused.
func (c *Coordinator) DropDatabase(ctx context.Context, name string) error {
	_, err := c.propose(ctx, command{Op: opDropDatabase, DB: &dbChange{Name: name}})
	return err
}

// AlterDatabase sets properties of a database and removes others.
func (c *Coordinator) AlterDatabase(ctx context.Context, name string, set map[string]string, del []string) error {
	_, err := c.propose(ctx, command{Op: opAlterDatabase, DB: &dbChange{Name: name, Properties: set, DeleteKeys: slices.Clone(del)}})
	return err
}

// Database returns a database after a read barrier.
func (c *Coordinator) Database(ctx context.Context, name string) (*Database, error) {
	if err := c.sync(ctx); err != nil {
		return nil, err
	}
	return c.fsm.database(name)
}

// Databases returns every database, in creation order, after a read
// barrier.
func (c *Coordinator) Databases(ctx context.Context) ([]Database, error) {
	if err := c.sync(ctx); err != nil {
		return nil, err
	}
	return c.fsm.databases(), nil
}
