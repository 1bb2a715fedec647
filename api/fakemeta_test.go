package api

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/shards"
)

func (f *fake) CreatePartition(ctx context.Context, coll, part string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, coll)
	if err != nil {
		return err
	}
	if _, ok := c.col.Partition(part); ok {
		return fmt.Errorf("%w: %q", coordinator.ErrPartitionExists, part)
	}
	c.col.Partitions = append(c.col.Partitions, coordinator.Partition{ID: int64(len(c.col.Partitions) + 1), Name: part})
	return nil
}

func (f *fake) DropPartition(ctx context.Context, coll, part string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, coll)
	if err != nil {
		return err
	}
	if part == "_default" {
		return fmt.Errorf("%w: cannot drop the _default partition", coordinator.ErrInvalid)
	}
	i := slices.IndexFunc(c.col.Partitions, func(p coordinator.Partition) bool { return p.Name == part })
	if i < 0 {
		return fmt.Errorf("%w: %q", coordinator.ErrPartitionNotFound, part)
	}
	c.col.Partitions = slices.Delete(c.col.Partitions, i, i+1)
	return nil
}

func (f *fake) CreateIndex(ctx context.Context, coll string, idx coordinator.Index) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, coll)
	if err != nil {
		return err
	}
	if _, ok := c.col.IndexOn(idx.FieldName); ok {
		return fmt.Errorf("%w: on field %q", coordinator.ErrIndexExists, idx.FieldName)
	}
	c.col.Indexes = append(c.col.Indexes, idx)
	return nil
}

func (f *fake) DropIndex(ctx context.Context, coll, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, coll)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(c.col.Indexes, func(ix coordinator.Index) bool { return ix.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %q", coordinator.ErrIndexNotFound, name)
	}
	c.col.Indexes = slices.Delete(c.col.Indexes, i, i+1)
	return nil
}

func (f *fake) IndexLag(context.Context, string) (shards.IndexLag, error) {
	return shards.IndexLag{}, nil
}

func (f *fake) IndexProgress(ctx context.Context, coll, _ string) (int64, int64, string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, coll)
	if err != nil {
		return 0, 0, "", "", err
	}
	n := int64(len(c.rows))
	return n, n, "Finished", "", nil
}

func (f *fake) CreateAlias(ctx context.Context, alias, coll string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.key(ctx, alias)
	if err != nil {
		return err
	}
	if _, ok := f.aliases[a]; ok {
		return fmt.Errorf("%w: %q", coordinator.ErrAliasExists, alias)
	}
	if _, ok := f.colls[coordinator.Qualify(proxy.Database(ctx), coll)]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrCollectionNotFound, coll)
	}
	f.aliases[a] = coordinator.Qualify(proxy.Database(ctx), coll)
	return nil
}

func (f *fake) AlterAlias(ctx context.Context, alias, coll string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.key(ctx, alias)
	if err != nil {
		return err
	}
	if _, ok := f.aliases[a]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrAliasNotFound, alias)
	}
	f.aliases[a] = coordinator.Qualify(proxy.Database(ctx), coll)
	return nil
}

func (f *fake) DropAlias(ctx context.Context, alias string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.key(ctx, alias)
	if err != nil {
		return err
	}
	if _, ok := f.aliases[a]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrAliasNotFound, alias)
	}
	delete(f.aliases, a)
	return nil
}

func (f *fake) DescribeAlias(ctx context.Context, alias string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.key(ctx, alias)
	if err != nil {
		return "", err
	}
	c, ok := f.aliases[a]
	if !ok {
		return "", fmt.Errorf("%w: %q", coordinator.ErrAliasNotFound, alias)
	}
	_, name := coordinator.SplitName(c)
	return name, nil
}

func (f *fake) ListAliases(ctx context.Context, coll string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.key(ctx, ""); err != nil {
		return nil, err
	}
	var out []string
	for a, c := range f.aliases {
		adb, name := coordinator.SplitName(a)
		_, target := coordinator.SplitName(c)
		if adb == proxy.Database(ctx) && (coll == "" || target == coll) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (f *fake) CreateDatabase(_ context.Context, name string, props map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.dbs[name]; ok {
		return fmt.Errorf("%w: %q", coordinator.ErrDatabaseExists, name)
	}
	f.nextColl++
	f.dbs[name] = &coordinator.Database{ID: f.nextColl, Name: name, Properties: maps.Clone(props)}
	return nil
}

func (f *fake) DropDatabase(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.dbs[name]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrDatabaseNotFound, name)
	}
	if name == coordinator.DefaultDatabase {
		return fmt.Errorf("%w: the default database cannot be dropped", coordinator.ErrInvalid)
	}
	for _, c := range f.colls {
		if c.col.Database() == name {
			return fmt.Errorf("%w: %q still has collections", coordinator.ErrDatabaseNotEmpty, name)
		}
	}
	delete(f.dbs, name)
	return nil
}

func (f *fake) AlterDatabase(_ context.Context, name string, set map[string]string, del []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.dbs[name]
	if !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrDatabaseNotFound, name)
	}
	if d.Properties == nil {
		d.Properties = map[string]string{}
	}
	maps.Copy(d.Properties, set)
	for _, k := range del {
		delete(d.Properties, k)
	}
	return nil
}

func (f *fake) DescribeDatabase(_ context.Context, name string) (*coordinator.Database, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.dbs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", coordinator.ErrDatabaseNotFound, name)
	}
	cp := *d
	cp.Properties = maps.Clone(d.Properties)
	return &cp, nil
}

func (f *fake) ListDatabases(context.Context) ([]coordinator.Database, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []coordinator.Database
	for _, d := range f.dbs {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b coordinator.Database) int { return int(a.ID - b.ID) })
	return out, nil
}
