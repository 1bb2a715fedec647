package index

import (
	"cmp"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
)

// Sorted is a scalar index over one column of a fixed set of rows (Milvus's
// INVERTED and STL_SORT index types): every non-null value (or array
// element) with its row, sorted by value then row. It answers set, range
// and prefix lookups with two binary searches and returns the matching
// rows. Immutable once built; safe for concurrent use.
type Sorted struct {
	ints   *sortedRun[int64]
	floats *sortedRun[float64]
	strs   *sortedRun[string]
}

type sortedRun[K cmp.Ordered] struct {
	keys []K
	rows []uint32
}

// ScalarBound is one end of a range lookup; V has the index's key type
// (int64, float64 or string).
type ScalarBound struct {
	V         any
	Inclusive bool
}

// SortedBuilder collects (value, row) pairs of one key type.
type SortedBuilder struct {
	ints   []int64
	floats []float64
	strs   []string
	rows   []uint32
}

// AddInt, AddFloat and AddString add one value of a row; a builder takes
// values of one type only.
func (b *SortedBuilder) AddInt(v int64, row uint32) {
	b.ints, b.rows = append(b.ints, v), append(b.rows, row)
}

func (b *SortedBuilder) AddFloat(v float64, row uint32) {
	b.floats, b.rows = append(b.floats, v), append(b.rows, row)
}

func (b *SortedBuilder) AddString(v string, row uint32) {
	b.strs, b.rows = append(b.strs, v), append(b.rows, row)
}

// Build sorts the pairs into an index; the builder must not be used again.
func (b *SortedBuilder) Build() *Sorted {
	switch {
	case b.floats != nil:
		return &Sorted{floats: newRun(b.floats, b.rows)}
	case b.strs != nil:
		return &Sorted{strs: newRun(b.strs, b.rows)}
	}
	return &Sorted{ints: newRun(b.ints, b.rows)}
}

func newRun[K cmp.Ordered](keys []K, rows []uint32) *sortedRun[K] {
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		return cmp.Compare(rows[a], rows[b])
	})
	r := &sortedRun[K]{keys: make([]K, len(keys)), rows: make([]uint32, len(keys))}
	for i, o := range order {
		r.keys[i], r.rows[i] = keys[o], rows[o]
	}
	return r
}

// span returns [lo, hi) of the entries within the bounds.
func (r *sortedRun[K]) span(lo, hi *K, loInc, hiInc bool) (int, int) {
	from, to := 0, len(r.keys)
	if lo != nil {
		from, _ = slices.BinarySearch(r.keys, *lo)
		if !loInc {
			for from < len(r.keys) && r.keys[from] == *lo {
				from++
			}
		}
	}
	if hi != nil {
		to, _ = slices.BinarySearch(r.keys, *hi)
		if hiInc {
			for to < len(r.keys) && r.keys[to] == *hi {
				to++
			}
		}
	}
	return from, max(from, to)
}

func (r *sortedRun[K]) add(out *roaring.Bitmap, from, to int) {
	if from < to {
		out.AddMany(r.rows[from:to])
	}
}

// In returns the rows whose value (or an element) is one of vals; values
// of another type than the index's match nothing.
func (x *Sorted) In(vals []any) *roaring.Bitmap {
	out := roaring.New()
	for _, v := range vals {
		if v != nil {
			x.lookup(out, v, true, v, true)
		}
	}
	return out
}

// Range returns the rows whose value lies within the bounds (nil: open).
func (x *Sorted) Range(lo, hi *ScalarBound) *roaring.Bitmap {
	out := roaring.New()
	var lv, hv any
	loInc, hiInc := false, false
	if lo != nil {
		lv, loInc = lo.V, lo.Inclusive
	}
	if hi != nil {
		hv, hiInc = hi.V, hi.Inclusive
	}
	x.lookup(out, lv, loInc, hv, hiInc)
	return out
}

// Prefix returns the rows of a string index whose value starts with p.
func (x *Sorted) Prefix(p string) *roaring.Bitmap {
	out := roaring.New()
	if x.strs == nil {
		return out
	}
	from, _ := slices.BinarySearch(x.strs.keys, p)
	to := from
	for to < len(x.strs.keys) && strings.HasPrefix(x.strs.keys[to], p) {
		to++
	}
	x.strs.add(out, from, to)
	return out
}

// lookup adds the rows of [lo, hi] (nil ends open) to out.
func (x *Sorted) lookup(out *roaring.Bitmap, lo any, loInc bool, hi any, hiInc bool) {
	switch {
	case x.ints != nil:
		spanOf(x.ints, out, lo, loInc, hi, hiInc)
	case x.floats != nil:
		spanOf(x.floats, out, lo, loInc, hi, hiInc)
	case x.strs != nil:
		spanOf(x.strs, out, lo, loInc, hi, hiInc)
	}
}

func spanOf[K cmp.Ordered](r *sortedRun[K], out *roaring.Bitmap, lo any, loInc bool, hi any, hiInc bool) {
	var lp, hp *K
	if lo != nil {
		v, ok := lo.(K)
		if !ok {
			return
		}
		lp = &v
	}
	if hi != nil {
		v, ok := hi.(K)
		if !ok {
			return
		}
		hp = &v
	}
	from, to := r.span(lp, hp, loInc, hiInc)
	r.add(out, from, to)
}

// Len returns the number of (value, row) entries.
func (x *Sorted) Len() int {
	switch {
	case x.ints != nil:
		return len(x.ints.keys)
	case x.floats != nil:
		return len(x.floats.keys)
	case x.strs != nil:
		return len(x.strs.keys)
	}
	return 0
}

// Bytes returns the approximate memory the index holds (strings share the
// column's bytes).
func (x *Sorted) Bytes() int64 {
	n := int64(x.Len())
	switch {
	case x.strs != nil:
		return n * 20
	default:
		return n * 12
	}
}
