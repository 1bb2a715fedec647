package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/shards"
)

func (f *fake) CreatePartition(_ context.Context, coll, part string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(coll)
	if err != nil {
		return err
	}
	if _, ok := c.col.Partition(part); ok {
		return fmt.Errorf("%w: %q", coordinator.ErrPartitionExists, part)
	}
	c.col.Partitions = append(c.col.Partitions, coordinator.Partition{ID: int64(len(c.col.Partitions) + 1), Name: part})
	return nil
}

func (f *fake) DropPartition(_ context.Context, coll, part string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(coll)
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

func (f *fake) CreateIndex(_ context.Context, coll string, idx coordinator.Index) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(coll)
	if err != nil {
		return err
	}
	if _, ok := c.col.IndexOn(idx.FieldName); ok {
		return fmt.Errorf("%w: on field %q", coordinator.ErrIndexExists, idx.FieldName)
	}
	c.col.Indexes = append(c.col.Indexes, idx)
	return nil
}

func (f *fake) DropIndex(_ context.Context, coll, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(coll)
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

func (f *fake) IndexProgress(_ context.Context, coll, _ string) (int64, int64, string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(coll)
	if err != nil {
		return 0, 0, "", "", err
	}
	n := int64(len(c.rows))
	return n, n, "Finished", "", nil
}

func (f *fake) CreateAlias(_ context.Context, alias, coll string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.aliases[alias]; ok {
		return fmt.Errorf("%w: %q", coordinator.ErrAliasExists, alias)
	}
	if _, ok := f.colls[coll]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrCollectionNotFound, coll)
	}
	f.aliases[alias] = coll
	return nil
}

func (f *fake) AlterAlias(_ context.Context, alias, coll string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.aliases[alias]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrAliasNotFound, alias)
	}
	f.aliases[alias] = coll
	return nil
}

func (f *fake) DropAlias(_ context.Context, alias string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.aliases[alias]; !ok {
		return fmt.Errorf("%w: %q", coordinator.ErrAliasNotFound, alias)
	}
	delete(f.aliases, alias)
	return nil
}

func (f *fake) DescribeAlias(_ context.Context, alias string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.aliases[alias]
	if !ok {
		return "", fmt.Errorf("%w: %q", coordinator.ErrAliasNotFound, alias)
	}
	return c, nil
}

func (f *fake) ListAliases(_ context.Context, coll string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for a, c := range f.aliases {
		if coll == "" || c == coll {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out, nil
}
