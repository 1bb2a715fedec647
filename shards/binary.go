package shards

import (
	"strconv"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

// binaryRows views a BinaryVector column for package index.
type binaryRows struct{ c *segment.Column }

func (b binaryRows) Len() int         { return b.c.Len() }
func (b binaryRows) Row(i int) []byte { return b.c.BinaryRow(i) }
func (b binaryRows) dimBits() int     { return b.c.Dim }

// binaryKey names a segment's derived BIN_IVF_FLAT index of one field.
type binaryKey struct{ field, nlist int }

// binaryIVF returns g's BIN_IVF_FLAT index of field f with nlist lists,
// built on first use from the always-resident column (deterministic seed:
// the segment ID), kept as long as the segment.
func binaryIVF(g *segment.Segment, f, nlist int, m index.Metric) (*index.BinaryIVF, error) {
	v, err := g.Derived(binaryKey{f, nlist}, func() (any, error) {
		rows := binaryRows{&g.Columns[f]}
		return index.BuildBinaryIVF(rows, rows.dimBits(), nlist, m, uint64(g.ID))
	})
	if err != nil {
		return nil, err
	}
	return v.(*index.BinaryIVF), nil
}

// searchBinary searches one segment's binary field: a sealed segment
// through its BIN_IVF_FLAT index when the field has one, else exactly.
func searchBinary(g *segment.Segment, req *SearchRequest, p index.SearchParams) ([][]index.Hit, error) {
	rows := binaryRows{&g.Columns[req.AnnsField]}
	if req.BinaryNlist > 0 && g.State != segment.Growing {
		x, err := binaryIVF(g, req.AnnsField, req.BinaryNlist, p.Metric)
		if err != nil {
			return nil, err
		}
		return x.Search(req.Binary, p, nprobeParam(req.SearchParams))
	}
	return index.SearchBinaryFlat(rows, rows.dimBits(), req.Binary, p)
}

// BinaryNlist is the list count of a BIN_IVF_FLAT index (nlist, default
// 128).
func BinaryNlist(ix coordinator.Index) int {
	if n, err := strconv.Atoi(ix.Params["nlist"]); err == nil && n > 0 {
		return n
	}
	return 128
}
