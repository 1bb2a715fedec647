package coordinator

import (
	"slices"
	"sort"
	"sync/atomic"
)

// View is an immutable, consistent picture of the collections a metadata
// replica has applied: every collection and the next unallocated ID, read
// under one lock. Collections in a view are shared and must not be
// modified (the state machine replaces a collection instead of changing
// it in place, so a view never changes under its reader).
//
// Because IDs are never reused, a collection whose ID is below NextID and
// that is absent from the view was dropped for good; a collection created
// after the view was taken has an ID ≥ NextID. The shard host relies on
// this to delete a replica's data only after an applied drop.
type View struct {
	// Gen increases with every command or snapshot this replica applies.
	// It is local to the process (not replicated): it orders the views one
	// replica hands out.
	Gen uint64
	// NextID is the next ID the metadata group will allocate.
	NextID int64

	colls []*Collection // sorted by name
	byID  map[int64]*Collection
}

// Collections returns the view's collections of every database, sorted by
// name, then database (shared: do not modify).
func (v *View) Collections() []*Collection { return v.colls }

// ByID returns a collection of the view by ID.
func (v *View) ByID(id int64) (*Collection, bool) {
	c, ok := v.byID[id]
	return c, ok
}

// Dropped reports whether the collection with this ID existed and was
// dropped at or before this view.
func (v *View) Dropped(id int64) bool {
	_, ok := v.byID[id]
	return !ok && id < v.NextID
}

// viewCache holds the latest view built; it is rebuilt lazily when the
// state machine's generation moved on.
type viewCache struct{ p atomic.Pointer[View] }

// view returns the current view, building it at most once per generation.
func (m *metaFSM) view() *View {
	if v := m.views.p.Load(); v != nil && v.Gen == m.gen.Load() {
		return v
	}
	m.mu.RLock()
	v := &View{Gen: m.gen.Load(), NextID: m.mu.NextID, byID: make(map[int64]*Collection, len(m.mu.Collections))}
	v.colls = make([]*Collection, 0, len(m.mu.Collections))
	for _, c := range m.mu.Collections {
		v.colls = append(v.colls, c)
		v.byID[c.ID] = c
	}
	m.mu.RUnlock()
	sortCollections(v.colls)
	for {
		old := m.views.p.Load()
		if old != nil && old.Gen >= v.Gen {
			return v
		}
		if m.views.p.CompareAndSwap(old, v) {
			return v
		}
	}
}

// ownLocked replaces the stored collection by a private copy before an
// in-place change, so views handed out earlier never change.
func (m *metaFSM) ownLocked(c *Collection) *Collection {
	cp := c.clone()
	m.mu.Collections[c.QualifiedName()] = cp
	return cp
}

// sortCollections sorts collections by name, then database.
func sortCollections(colls []*Collection) {
	sort.Slice(colls, func(i, j int) bool {
		a, b := colls[i], colls[j]
		return a.Name < b.Name || a.Name == b.Name && a.DB < b.DB
	})
}

// View returns this replica's current metadata view (no read barrier).
func (c *Coordinator) View() *View { return c.fsm.view() }

// NewView builds a view from collections (for hosts without a metadata
// group of their own, and tests). The collections are shared, not copied.
func NewView(gen uint64, nextID int64, colls []*Collection) *View {
	v := &View{Gen: gen, NextID: nextID, colls: slices.Clone(colls), byID: make(map[int64]*Collection, len(colls))}
	for _, c := range colls {
		v.byID[c.ID] = c
	}
	sortCollections(v.colls)
	return v
}
