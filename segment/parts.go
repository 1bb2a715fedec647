package segment

import (
	"github.com/raftvec/raftvec/half"
	"runtime"
	"slices"
	"sort"
)

// vectorParts holds a vector column's rows as a list of contiguous runs
// instead of one array. Two kinds of column use it:
//
//   - a growing segment's column adopts each inserted batch's vector array
//     as a part (AdoptVectors): applying an insert copies no vector, and
//     the column never reallocates (a contiguous column copied and zeroed
//     its whole buffer on growth: a fifth of every replica's CPU while
//     applying inserts);
//   - a mapped column (mapped.go): one read-only part per chunk file.
//
// Rows already in a part never change; appends only add parts or fill the
// spare capacity of the last one (when owned), so a Slice taken under the
// shard's read lock stays valid after it is released.
type vectorParts struct {
	starts []int // first row of each part, ascending
	parts  [][]float32
	rows   int
	dim    int
	mapped bool // the parts are file mappings: read-only
	// tailOwned: the last part was allocated here (not adopted), so rows
	// may be appended into its spare capacity.
	tailOwned bool
	// tailNext is the capacity, in rows, of the next owned tail part: it
	// starts small and doubles up to tailRows, so a column that only ever
	// takes a few rows (one of thousands of small collections) stays small.
	tailNext int
}

// smallPart is the batch size below which AdoptVectors copies rows into an
// owned tail part instead of adopting the batch's array: single-row
// inserts must not make a part per row.
const smallPart = 256

// Owned tail parts hold from tailFirst to tailRows rows, doubling.
const (
	tailFirst = 16
	tailRows  = 4096
)

// AdoptVectors appends the rows of v (len a multiple of Dim) to a vector
// column, taking ownership of v: the caller must not modify it afterwards.
// Large runs become a part without a copy; small ones are copied into an
// owned tail part.
func (c *Column) AdoptVectors(v []float32) {
	c.readOnly("AdoptVectors")
	rows := len(v) / c.Dim
	if rows == 0 {
		return
	}
	p := c.toParts()
	if rows < smallPart {
		p.appendRows(v)
		return
	}
	p.addPart(v[:len(v):len(v)], false)
}

// toParts converts a contiguous column to a parts column (its array
// becomes the first part, not owned: it may be shared with a Slice).
func (c *Column) toParts() *vectorParts {
	if c.parts == nil {
		c.parts = &vectorParts{dim: c.Dim}
		if len(c.Vectors) > 0 {
			c.parts.addPart(c.Vectors[:len(c.Vectors):len(c.Vectors)], false)
		}
		c.Vectors = nil
	}
	return c.parts
}

func (p *vectorParts) addPart(v []float32, owned bool) {
	p.starts = append(p.starts, p.rows)
	p.parts = append(p.parts, v)
	p.rows += len(v) / p.dim
	p.tailOwned = owned
}

// appendRows copies rows into the owned tail part, starting a new one
// when there is none or it is full.
func (p *vectorParts) appendRows(v []float32) {
	for len(v) > 0 {
		last := len(p.parts) - 1
		if !p.tailOwned || len(p.parts[last]) == cap(p.parts[last]) {
			p.tailNext = min(max(2*p.tailNext, tailFirst), tailRows)
			p.addPart(make([]float32, 0, max(p.tailNext*p.dim, len(v))), true)
			last++
		}
		tail := p.parts[last]
		k := min(len(v), cap(tail)-len(tail))
		p.parts[last] = append(tail, v[:k]...)
		p.rows += k / p.dim
		v = v[k:]
	}
}

// vector returns row i.
func (p *vectorParts) vector(i int) []float32 {
	k := sort.Search(len(p.starts), func(k int) bool { return p.starts[k] > i }) - 1
	off := (i - p.starts[k]) * p.dim
	return p.parts[k][off : off+p.dim : off+p.dim]
}

// slice returns rows [from, to) as a new, read-only-by-convention column
// sharing the parts' arrays (contiguous when they lie in one part).
func (p *vectorParts) slice(c *Column, from, to int) Column {
	out := Column{Type: c.Type, Dim: c.Dim}
	if from >= to {
		return out
	}
	k := sort.Search(len(p.starts), func(k int) bool { return p.starts[k] > from }) - 1
	q := &vectorParts{dim: p.dim} // never mapped: Slice refuses mapped columns
	for ; k < len(p.parts) && p.starts[k] < to; k++ {
		lo, hi := max(from, p.starts[k]), min(to, p.starts[k]+len(p.parts[k])/p.dim)
		part := p.parts[k][(lo-p.starts[k])*p.dim : (hi-p.starts[k])*p.dim]
		q.addPart(part[:len(part):len(part)], false)
	}
	if len(q.parts) == 1 {
		out.Vectors = q.parts[0]
		return out
	}
	out.parts = q
	return out
}

// VectorParts calls fn for each contiguous run of a vector column's rows,
// in order, with the run's first row: once for a contiguous column, once
// per part otherwise. The floats must not be modified or kept after fn
// returns. It stops at the first error fn returns.
func (c *Column) VectorParts(fn func(first int, vectors []float32) error) error {
	if c.parts == nil {
		return fn(0, c.Vectors)
	}
	defer runtime.KeepAlive(c.parts)
	for i, p := range c.parts.parts {
		if err := fn(c.parts.starts[i], p); err != nil {
			return err
		}
	}
	return nil
}

// Contiguous returns the rows [from, to) of a vector column as one array:
// shared when they lie in one run, else copied. Callers must not modify it.
func (c *Column) Contiguous(from, to int) []float32 {
	sl := c.Slice(from, to)
	if sl.parts == nil {
		return sl.Vectors
	}
	out := make([]float32, 0, (to-from)*c.Dim)
	_ = sl.VectorParts(func(_ int, v []float32) error {
		out = append(out, v...)
		return nil
	})
	return slices.Clip(out)
}

// Float32s returns every row of a dense vector column as float32: the
// rows themselves for a FloatVector (shared when in one run), decoded for
// the half-precision types.
func (c *Column) Float32s() []float32 {
	if f := c.Type.Half(); f != 0 {
		out := make([]float32, len(c.Halfs))
		half.Decode(f, out, c.Halfs)
		return out
	}
	return c.Contiguous(0, c.Len())
}
