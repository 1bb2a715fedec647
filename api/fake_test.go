package api

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/shards"
)

// fakeShards is the number of shards the fake splits rows into (by pk
// parity), so that every reduce path sees two lists.
const fakeShards = 2

// fakeRow is a stored row: canonical values in schema order.
type fakeRow struct {
	vals      []any
	partition string
}

type fakeColl struct {
	col  coordinator.Collection
	rows map[any]*fakeRow
}

// rowsReader lets expr evaluate stored rows.
type rowsReader []*fakeRow

func (r rowsReader) Value(f, row int) any { return r[row].vals[f] }

// fake is an in-memory Backend for tests.
type fake struct {
	mu       sync.Mutex
	colls    map[string]*fakeColl
	aliases  map[string]string // qualified alias → qualified collection
	dbs      map[string]*coordinator.Database
	nextID   int64
	nextColl int64
	writes   []shards.WriteRequest
	searches []shards.SearchRequest
	queries  []shards.QueryRequest
	block    chan struct{} // when set, Write/Search/Query wait for it or ctx
	readyErr error
	access   *coordinator.Access // users and roles (fakeaccess_test.go)
}

func newFake() *fake {
	return &fake{colls: map[string]*fakeColl{}, aliases: map[string]string{}, nextID: 1000, nextColl: 400,
		dbs: map[string]*coordinator.Database{coordinator.DefaultDatabase: {ID: coordinator.DefaultDatabaseID, Name: coordinator.DefaultDatabase}}}
}

func shardOf(pk any) int {
	switch x := pk.(type) {
	case int64:
		return int(((x % fakeShards) + fakeShards) % fakeShards)
	case string:
		return len(x) % fakeShards
	}
	return 0
}

func (f *fake) wait(ctx context.Context) error {
	f.mu.Lock()
	b := f.block
	f.mu.Unlock()
	if b == nil {
		return nil
	}
	select {
	case <-b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// key is the qualified name of a collection or alias of the context's
// database, which must exist; callers hold mu.
func (f *fake) key(ctx context.Context, name string) (string, error) {
	db := proxy.Database(ctx)
	if _, ok := f.dbs[db]; !ok {
		return "", fmt.Errorf("%w: %q", coordinator.ErrDatabaseNotFound, db)
	}
	return coordinator.Qualify(db, name), nil
}

// get resolves a name or alias of the context's database; callers hold mu.
func (f *fake) get(ctx context.Context, name string) (*fakeColl, error) {
	key, err := f.key(ctx, name)
	if err != nil {
		return nil, err
	}
	if real, ok := f.aliases[key]; ok {
		key = real
	}
	c, ok := f.colls[key]
	if !ok {
		return nil, fmt.Errorf("%w: %q", coordinator.ErrCollectionNotFound, name)
	}
	return c, nil
}

func (f *fake) CreateCollection(ctx context.Context, c *coordinator.Collection) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	key, err := f.key(ctx, c.Name)
	if err != nil {
		return err
	}
	if _, ok := f.colls[key]; ok {
		return fmt.Errorf("%w: %q", coordinator.ErrCollectionExists, c.Name)
	}
	f.nextColl++
	cc := *c
	cc.ID = f.nextColl
	cc.DB = proxy.Database(ctx)
	cc.Partitions = []coordinator.Partition{{ID: 1, Name: "_default"}}
	f.colls[key] = &fakeColl{col: cc, rows: map[any]*fakeRow{}}
	return nil
}

func (f *fake) DropCollection(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, name)
	if err != nil {
		return err
	}
	delete(f.colls, c.col.QualifiedName())
	return nil
}

func (f *fake) DescribeCollection(ctx context.Context, name string) (*coordinator.Collection, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, name)
	if err != nil {
		return nil, err
	}
	cp := c.col
	return &cp, nil
}

func (f *fake) ListCollections(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.key(ctx, ""); err != nil {
		return nil, err
	}
	var out []string
	for _, c := range f.colls {
		if c.col.Database() == proxy.Database(ctx) {
			out = append(out, c.col.Name)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (f *fake) RenameCollection(ctx context.Context, oldName, newDB, newName string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, oldName)
	if err != nil {
		return err
	}
	if newDB == "" {
		newDB = c.col.Database()
	}
	if _, ok := f.dbs[newDB]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrDatabaseNotFound, newDB)
	}
	newKey := coordinator.Qualify(newDB, newName)
	if _, ok := f.colls[newKey]; ok {
		return fmt.Errorf("%w: %q", coordinator.ErrCollectionExists, newName)
	}
	delete(f.colls, c.col.QualifiedName())
	c.col.Name, c.col.DB = newName, newDB
	f.colls[newKey] = c
	return nil
}

func (f *fake) SetLoaded(ctx context.Context, name string, loaded bool, replicas int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, name)
	if err == nil {
		c.col.Loaded, c.col.Released = loaded, !loaded
		if replicas > 0 {
			c.col.QueryReplicas = replicas
		}
	}
	return err
}

func (f *fake) LoadProgress(ctx context.Context, name string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.get(ctx, name)
	return 100, err
}

func (f *fake) Flush(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.get(ctx, name)
	return err
}

func (f *fake) Compact(ctx context.Context, name string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.get(ctx, name)
	return 77, err
}

func (f *fake) CompactionState(ctx context.Context, id int64) (string, int, int, error) {
	if id != 77 {
		return "", 0, 0, fmt.Errorf("%w: no compaction job %d", coordinator.ErrInvalid, id)
	}
	return "Completed", 0, 1, nil
}

func (f *fake) AllocIDs(ctx context.Context, n int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	first := f.nextID
	f.nextID += int64(n)
	return first, nil
}

func (f *fake) RowCount(ctx context.Context, coll, part string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, coll)
	if err != nil {
		return 0, err
	}
	if part != "" {
		if _, ok := c.col.Partition(part); !ok {
			return 0, fmt.Errorf("%w: %q", coordinator.ErrPartitionNotFound, part)
		}
	}
	var n int64
	for _, r := range c.rows {
		if part == "" || r.partition == part {
			n++
		}
	}
	return n, nil
}

func (f *fake) Ready(context.Context) error { return f.readyErr }

func (f *fake) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.writes)
}

// l2, ip and cosine are the brute-force distance kernels.
func distance(metric string, a, b []float32) float32 {
	var dot, na, nb, l2 float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
		l2 += (x - y) * (x - y)
	}
	switch metric {
	case "L2":
		return float32(l2)
	case "IP":
		return float32(dot)
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return float32(dot / math.Sqrt(na*nb))
}
