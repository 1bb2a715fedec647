package coordinator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/raftvec/raftvec/segment"
)

func (m *metaFSM) applyLocked(c *command) result {
	switch c.Op {
	case opCreateCollection:
		return m.createLocked(c.Collection)
	case opDropCollection:
		return m.dropLocked(c.Name)
	case opRenameCollection:
		return m.renameLocked(c.Name, c.NewName)
	case opAllocIDs:
		if c.N <= 0 || c.N > 1<<20 {
			return result{Err: fmt.Errorf("%w: cannot allocate %d IDs", ErrInvalid, c.N)}
		}
		first := m.mu.NextAutoID
		m.mu.NextAutoID += c.N
		return result{ID: first}
	case opCreateAlias, opAlterAlias, opDropAlias:
		return m.aliasLocked(c.Op, c.Name, c.NewName)
	case opCreateDatabase, opDropDatabase, opAlterDatabase:
		return m.applyDatabaseLocked(c.Op, c.DB)
	case opAccess:
		return m.applyAccessLocked(c.Access)
	case opSetNode:
		return m.setNodeLocked(c.Node)
	case opCreateTask:
		return m.createTaskLocked(c.Task)
	case opImport:
		return m.applyImportLocked(c.Import)
	case opFinishTask:
		var token int64
		if c.Task != nil {
			token = c.Task.Token
		}
		return m.finishTaskLocked(c.N, token)
	}
	coll, err := m.resolveLocked(c.Name)
	if err != nil {
		return result{Err: err}
	}
	coll = m.ownLocked(coll) // copy on write: views handed out stay unchanged
	switch c.Op {
	case opSetLoaded:
		coll.Loaded, coll.Released = c.Loaded, !c.Loaded
		if c.Loaded && c.N > 0 {
			coll.QueryReplicas = int(c.N)
		}
		m.placeQueriesLocked()
		return result{}
	case opCreatePartition:
		return m.createPartitionLocked(coll, c.Partition)
	case opDropPartition:
		return dropPartition(coll, c.Partition)
	case opCreateIndex:
		return m.createIndexLocked(coll, c.Index)
	case opDropIndex:
		return dropIndex(coll, c.NewName)
	case opAlterProperties:
		return alterProperties(coll, c.Props)
	}
	return result{Err: fmt.Errorf("%w: unknown metadata op %q", ErrInvalid, c.Op)}
}

func (m *metaFSM) nextIDLocked() int64 {
	id := m.mu.NextID
	m.mu.NextID++
	return id
}

func (m *metaFSM) createLocked(c *Collection) result {
	if c == nil {
		return result{Err: fmt.Errorf("%w: no collection", ErrInvalid)}
	}
	if !validStoredName(c.Name) || strings.Contains(c.DB, nameSep) {
		return result{Err: fmt.Errorf("%w: invalid collection name %q", ErrInvalid, c.Name)}
	}
	if err := m.checkDatabaseLocked(c.DB); err != nil {
		return result{Err: err}
	}
	c.DB = storedDB(c.DB)
	key := c.QualifiedName()
	if _, ok := m.mu.Collections[key]; ok {
		return result{Err: fmt.Errorf("%w: %s", ErrCollectionExists, quoteName(key))}
	}
	if _, ok := m.mu.Aliases[key]; ok {
		return result{Err: fmt.Errorf("%w: %s is an alias", ErrCollectionExists, quoteName(key))}
	}
	fixDefaults(&c.Schema)
	if err := c.Schema.Validate(); err != nil {
		return result{Err: err}
	}
	if k := c.Schema.PartitionKeyIndex(); k >= 0 && (c.NumPartitions < 1 || c.NumPartitions > MaxKeyPartitions) {
		return result{Err: fmt.Errorf("%w: a partition key collection needs 1 to %d partitions, got %d", ErrInvalid, MaxKeyPartitions, c.NumPartitions)}
	}
	if c.ShardsNum < 1 || c.ShardsNum > 64 {
		return result{Err: fmt.Errorf("%w: shardsNum must be between 1 and 64, got %d", ErrInvalid, c.ShardsNum)}
	}
	c.ID = m.nextIDLocked()
	c.Schema.Name = c.Name
	if err := m.placeLocked(c); err != nil {
		m.mu.NextID--
		return result{Err: err}
	}
	c.Partitions = nil
	if c.Schema.PartitionKeyIndex() < 0 {
		c.NumPartitions = 0
		c.Partitions = []Partition{{ID: m.nextIDLocked(), Name: segment.DefaultPartion}}
	}
	for i := range c.NumPartitions {
		c.Partitions = append(c.Partitions, Partition{ID: m.nextIDLocked(), Name: KeyPartitionName(i)})
	}
	for i := range c.Indexes {
		c.Indexes[i].ID = m.nextIDLocked()
	}
	m.mu.Collections[key] = c
	m.placeQueriesLocked()
	return result{ID: c.ID}
}

func (m *metaFSM) dropLocked(name string) result {
	c, ok := m.mu.Collections[name]
	if !ok {
		return result{Err: fmt.Errorf("%w: %s", ErrCollectionNotFound, quoteName(name))}
	}
	delete(m.mu.Collections, name)
	for a, target := range m.mu.Aliases {
		if target == name {
			delete(m.mu.Aliases, a)
		}
	}
	return result{ID: c.ID}
}

// renameLocked renames a collection, possibly into another database (both
// names are qualified); its aliases follow a rename within its database,
// and a collection with aliases cannot change database.
func (m *metaFSM) renameLocked(oldName, newName string) result {
	c, ok := m.mu.Collections[oldName]
	if !ok {
		return result{Err: fmt.Errorf("%w: %s", ErrCollectionNotFound, quoteName(oldName))}
	}
	newDB, bare := SplitName(newName)
	if !validStoredName(bare) {
		return result{Err: fmt.Errorf("%w: invalid collection name %q", ErrInvalid, bare)}
	}
	if err := m.checkDatabaseLocked(newDB); err != nil {
		return result{Err: err}
	}
	if _, exists := m.mu.Collections[newName]; exists {
		return result{Err: fmt.Errorf("%w: %s", ErrCollectionExists, quoteName(newName))}
	}
	if _, exists := m.mu.Aliases[newName]; exists {
		return result{Err: fmt.Errorf("%w: %s is an alias", ErrCollectionExists, quoteName(newName))}
	}
	if newDB != c.Database() && m.hasAliasesLocked(oldName) {
		return result{Err: fmt.Errorf("%w: collection %s has aliases; drop them before moving it to database %q",
			ErrInvalid, quoteName(oldName), newDB)}
	}
	delete(m.mu.Collections, oldName)
	c = c.clone() // copy on write: views handed out stay unchanged
	c.Name, c.Schema.Name, c.DB = bare, bare, storedDB(newDB)
	m.mu.Collections[newName] = c
	for a, target := range m.mu.Aliases {
		if target == oldName {
			m.mu.Aliases[a] = newName
		}
	}
	return result{ID: c.ID}
}

// hasAliasesLocked reports whether an alias points to the collection.
func (m *metaFSM) hasAliasesLocked(coll string) bool {
	for _, target := range m.mu.Aliases {
		if target == coll {
			return true
		}
	}
	return false
}

func (m *metaFSM) createPartitionLocked(c *Collection, name string) result {
	if c.NumPartitions > 0 {
		return result{Err: fmt.Errorf("%w: %q has a partition key: its partitions follow the key and cannot be created", ErrInvalid, c.Name)}
	}
	if _, ok := c.Partition(name); ok {
		return result{Err: fmt.Errorf("%w: %q in %q", ErrPartitionExists, name, c.Name)}
	}
	if len(c.Partitions) >= 1024 {
		return result{Err: fmt.Errorf("%w: a collection has at most 1024 partitions", ErrInvalid)}
	}
	id := m.nextIDLocked()
	c.Partitions = append(c.Partitions, Partition{ID: id, Name: name})
	return result{ID: id}
}

func dropPartition(c *Collection, name string) result {
	if c.NumPartitions > 0 {
		return result{Err: fmt.Errorf("%w: %q has a partition key: its partitions follow the key and cannot be dropped", ErrInvalid, c.Name)}
	}
	if name == segment.DefaultPartion {
		return result{Err: fmt.Errorf("%w: the _default partition cannot be dropped", ErrInvalid)}
	}
	i := slices.IndexFunc(c.Partitions, func(p Partition) bool { return p.Name == name })
	if i < 0 {
		return result{Err: fmt.Errorf("%w: %q in %q", ErrPartitionNotFound, name, c.Name)}
	}
	id := c.Partitions[i].ID
	c.Partitions = slices.Delete(c.Partitions, i, i+1)
	return result{ID: id}
}

func (m *metaFSM) createIndexLocked(c *Collection, ix *Index) result {
	if ix == nil {
		return result{Err: fmt.Errorf("%w: no index", ErrInvalid)}
	}
	f, ok := c.Schema.Field(ix.FieldName)
	if !ok {
		return result{Err: fmt.Errorf("%w: field %q not found in %q", ErrInvalid, ix.FieldName, c.Name)}
	}
	if f.IsDynamic || f.Type == segment.TypeJSON {
		return result{Err: fmt.Errorf("%w: field %q cannot be indexed", ErrInvalid, ix.FieldName)}
	}
	for _, old := range c.Indexes {
		if old.FieldName == ix.FieldName || old.Name == ix.Name {
			return result{Err: fmt.Errorf("%w: index %q on field %q", ErrIndexExists, old.Name, old.FieldName)}
		}
	}
	ix.ID = m.nextIDLocked()
	c.Indexes = append(c.Indexes, *ix)
	return result{}
}

func dropIndex(c *Collection, name string) result {
	i := slices.IndexFunc(c.Indexes, func(ix Index) bool { return ix.Name == name || ix.FieldName == name })
	if i < 0 {
		return result{Err: fmt.Errorf("%w: %q in %q", ErrIndexNotFound, name, c.Name)}
	}
	c.Indexes = slices.Delete(c.Indexes, i, i+1)
	return result{}
}

// aliasLocked creates, alters or drops an alias. The alias and its target
// are qualified names of the same database.
func (m *metaFSM) aliasLocked(op, alias, target string) result {
	if err := m.checkDatabaseLocked(dbOf(alias)); err != nil {
		return result{Err: err}
	}
	_, exists := m.mu.Aliases[alias]
	switch op {
	case opDropAlias:
		if !exists {
			return result{Err: fmt.Errorf("%w: %s", ErrAliasNotFound, quoteName(alias))}
		}
		delete(m.mu.Aliases, alias)
		return result{}
	case opCreateAlias:
		if exists {
			return result{Err: fmt.Errorf("%w: %s", ErrAliasExists, quoteName(alias))}
		}
		if _, name := SplitName(alias); !validStoredName(name) {
			return result{Err: fmt.Errorf("%w: invalid alias name %q", ErrInvalid, name)}
		}
		if _, ok := m.mu.Collections[alias]; ok {
			return result{Err: fmt.Errorf("%w: %s is a collection name", ErrAliasExists, quoteName(alias))}
		}
	case opAlterAlias:
		if !exists {
			return result{Err: fmt.Errorf("%w: %s", ErrAliasNotFound, quoteName(alias))}
		}
	}
	if dbOf(target) != dbOf(alias) {
		return result{Err: fmt.Errorf("%w: alias %s and collection %s are in different databases", ErrInvalid, quoteName(alias), quoteName(target))}
	}
	if _, ok := m.mu.Collections[target]; !ok {
		return result{Err: fmt.Errorf("%w: %s", ErrCollectionNotFound, quoteName(target))}
	}
	m.mu.Aliases[alias] = target
	return result{}
}
