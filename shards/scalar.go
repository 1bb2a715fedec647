package shards

import (
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/raftvec/raftvec/coordinator"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// scalarKey names a segment's derived scalar index of one field.
type scalarKey struct{ field int }

// scalarIndex returns g's scalar index of field f (Milvus INVERTED or
// STL_SORT), built on first use from the column, which is always resident
// (segment/lazy.go): like the inverted index of a sparse field it lives as
// long as the sealed segment.
func scalarIndex(g *segment.Segment, f int) *index.Sorted {
	v, _ := g.Derived(scalarKey{f}, func() (any, error) { return buildScalar(&g.Columns[f]), nil })
	return v.(*index.Sorted)
}

func buildScalar(c *segment.Column) *index.Sorted {
	var b index.SortedBuilder
	for row := 0; row < c.Len(); row++ {
		if c.IsNull(row) {
			continue
		}
		r := uint32(row)
		switch c.Type {
		case segment.TypeBool:
			b.AddInt(boolInt(c.Bools[row]), r)
		case segment.TypeInt8, segment.TypeInt16, segment.TypeInt32, segment.TypeInt64:
			b.AddInt(c.Ints[row], r)
		case segment.TypeFloat, segment.TypeDouble:
			b.AddFloat(c.Floats[row], r)
		case segment.TypeVarChar:
			b.AddString(c.Strings[row], r)
		case segment.TypeArray:
			list, _ := c.Value(row).([]any)
			for _, e := range list {
				addElement(&b, e, r)
			}
		}
	}
	return b.Build()
}

// addElement adds one Array element (canonical JSON: int64, string, bool;
// Float and Double arrays are not indexed, see expr.IndexTerms).
func addElement(b *index.SortedBuilder, e any, row uint32) {
	switch x := e.(type) {
	case int64:
		b.AddInt(x, row)
	case string:
		b.AddString(x, row)
	case bool:
		b.AddInt(boolInt(x), row)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// keyOf converts a term value to the index's key type.
func keyOf(v any) any {
	if b, ok := v.(bool); ok {
		return boolInt(b)
	}
	return v
}

func keysOf(vs []any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = keyOf(v)
	}
	return out
}

func boundOf(b *expr.Bound) *index.ScalarBound {
	if b == nil {
		return nil
	}
	return &index.ScalarBound{V: keyOf(b.V), Inclusive: b.Inclusive}
}

// candidates returns the rows of a sealed segment that satisfy every
// indexed term of the spec: a superset of the rows its filter matches
// (deletions not applied). ok is false when the spec has no indexed term
// or g is growing; every row is then a candidate.
func (s *ReadSpec) candidates(g *segment.Segment) (*roaring.Bitmap, bool) {
	if len(s.Terms) == 0 || g.State == segment.Growing {
		return nil, false
	}
	var out *roaring.Bitmap
	for i := range s.Terms {
		t := &s.Terms[i]
		x := scalarIndex(g, t.Field)
		var rows *roaring.Bitmap
		switch t.Kind {
		case expr.TermIn, expr.TermContains:
			rows = x.In(keysOf(t.Values))
		case expr.TermRange:
			rows = x.Range(boundOf(t.Lo), boundOf(t.Hi))
		case expr.TermPrefix:
			rows = x.Prefix(t.Prefix)
		default:
			continue
		}
		if out == nil {
			out = rows
		} else {
			out.And(rows)
		}
	}
	return out, out != nil
}

// ScalarIndexReads counts the segment reads (searches and queries) this
// node narrowed with a scalar index.
func (h *Host) ScalarIndexReads() int64 { return h.reads.scalar.Load() }

func (r *Replica) countScalarRead() {
	if r.reads != nil {
		r.reads.scalar.Add(1)
	}
}

// prefetchDerived builds, outside the shard's lock, the derived indexes a
// read will use on sealed segments: the scalar indexes of spec's terms,
// and for a search (req != nil) the inverted index of a sparse field or
// the BIN_IVF_FLAT index of a binary one. A sealed segment's
// columns never change, so this reads them safely, and the first read
// through an index does not hold the lock (and the log's Apply) while it
// is built.
func (r *Replica) prefetchDerived(spec ReadSpec, req *SearchRequest) {
	sparse := req != nil && req.Sparse != nil
	binary := req != nil && req.Binary != nil && req.BinaryNlist > 0
	if len(spec.Terms) == 0 && !sparse && !binary {
		return
	}
	var m index.Metric
	if binary {
		m, _ = index.ParseMetric(req.Metric)
	}
	var segs []*segment.Segment
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			if g.State != segment.Growing && spec.includes(g) {
				segs = append(segs, g)
			}
		}
	})
	for _, g := range segs {
		for _, t := range spec.Terms {
			scalarIndex(g, t.Field)
		}
		if sparse {
			sparseIndex(g, req.AnnsField)
		}
		if binary {
			_, _ = binaryIVF(g, req.AnnsField, req.BinaryNlist, m) // an error resurfaces in the search
		}
	}
}

// pruneDerived drops the derived indexes of sealed segments that no index
// of the collection asks for any more (a dropped scalar or BIN_IVF_FLAT
// index), so indexes/drop frees their memory. A sparse field's inverted
// index serves every search of the field and stays.
func (r *Replica) pruneDerived(indexes []coordinator.Index) {
	schema := r.fsm.Schema()
	keep := func(key any) bool {
		switch k := key.(type) {
		case scalarKey:
			return slices.ContainsFunc(indexes, func(ix coordinator.Index) bool {
				return ScalarIndex(ix) && ix.FieldName == schema.Fields[k.field].Name
			})
		case binaryKey:
			return slices.ContainsFunc(indexes, func(ix coordinator.Index) bool {
				return strings.EqualFold(ix.IndexType, "BIN_IVF_FLAT") && ix.FieldName == schema.Fields[k.field].Name &&
					BinaryNlist(ix) == k.nlist
			})
		}
		return true
	}
	r.fsm.View(func(v fsm.View) {
		for _, g := range v.Segments() {
			if g.State != segment.Growing {
				g.DropDerived(keep)
			}
		}
	})
}
