package segment

import (
	"fmt"
	"sync"
)

// derived caches values computed from a segment's final rows (a sparse
// field's inverted index, scalar indexes): built on first use by a reader,
// dropped with the segment.
type derived struct {
	mu     sync.Mutex
	values map[any]any
}

// Derived returns the value cached under key, building it with build on
// first use (concurrent callers wait for one build; a failed build is not
// cached). Only a segment whose rows are final (not Growing) caches, and a
// derived value must depend on its rows alone, never on deletion flags,
// which keep changing.
func (g *Segment) Derived(key any, build func() (any, error)) (any, error) {
	if g.State == Growing {
		panic(fmt.Sprintf("segment: derived value of growing segment %d", g.ID))
	}
	d := g.derivedCache()
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.values[key]; ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return nil, err
	}
	if d.values == nil {
		d.values = map[any]any{}
	}
	d.values[key] = v
	return v, nil
}

func (g *Segment) derivedCache() *derived {
	g.derivedOnce.Do(func() { g.derived = &derived{} })
	return g.derived
}

// EachDerived calls fn with every value the segment has derived so far.
func (g *Segment) EachDerived(fn func(v any)) {
	d := g.derivedCache()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, v := range d.values {
		fn(v)
	}
}

// DropDerived forgets the derived values whose key keep rejects (their
// index was dropped), so their memory can be reclaimed.
func (g *Segment) DropDerived(keep func(key any) bool) {
	d := g.derivedCache()
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := range d.values {
		if !keep(k) {
			delete(d.values, k)
		}
	}
}
