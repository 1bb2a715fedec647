package segment

import (
	"bytes"
	"slices"
	"testing"
)

func vectorBatch(s *Schema, from, n int) *Batch {
	b := NewBatch(s)
	for i := from; i < from+n; i++ {
		b.Columns[0].AppendValue(int64(i))
		b.Columns[1].AppendValue([]float32{float32(i), 1, 2, float32(-i)})
	}
	return b
}

// TestAppendBatchAdoptsVectors: a large batch's vector array becomes a part
// of the growing column without a copy, small batches share an owned tail
// part, and the column reads, slices and encodes exactly like one built
// row by row; a slice taken earlier is unchanged by later appends.
func TestAppendBatchAdoptsVectors(t *testing.T) {
	s := &Schema{Fields: []Field{{ID: 1, Name: "id", Type: TypeInt64, PrimaryKey: true}, {ID: 2, Name: "v", Type: TypeFloatVector, Dim: 4}}}
	g, ref := New(1, 0, s), New(2, 0, s)
	sizes := []int{1000, 3, 5, 300, 1, 2000, 7}
	var early Column
	row := 0
	for k, n := range sizes {
		b := vectorBatch(s, row, n)
		adopted := &b.Columns[1].Vectors[0]
		if first := g.AppendBatch(b); first != row {
			t.Fatalf("batch %d appended at row %d, want %d", k, first, row)
		}
		if got := &g.Columns[1].Vector(row)[0] == adopted; got != (n >= smallPart) {
			t.Fatalf("batch of %d rows: adopted without copy %v", n, got)
		}
		for i := 0; i < n; i++ {
			ref.Append(vectorBatch(s, row+i, 1), 0)
		}
		row += n
		if k == 2 {
			early = g.Columns[1].Slice(2, row)
		}
	}
	if g.Rows() != row || g.Columns[1].Len() != row {
		t.Fatalf("%d rows, want %d", g.Rows(), row)
	}
	var nparts int
	_ = g.Columns[1].VectorParts(func(int, []float32) error { nparts++; return nil })
	if nparts != 6 { // 1000 | 3+5 in a tail | 300 | 1 in a tail | 2000 | 7 in a tail
		t.Fatalf("%d parts, want 6", nparts)
	}
	for i := 0; i < row; i++ {
		if !slices.Equal(g.Columns[1].Vector(i), ref.Columns[1].Vector(i)) {
			t.Fatalf("row %d: %v, want %v", i, g.Columns[1].Vector(i), ref.Columns[1].Vector(i))
		}
	}
	if !bytes.Equal(encodeSegment(g)[1:], encodeSegment(ref)[1:]) { // past the differing ID
		t.Fatal("a parts column encodes differently from a contiguous one")
	}
	for _, r := range [][2]int{{0, row}, {999, 1001}, {1003, 1309}, {1000, 1008}, {5, 5}} {
		sl := g.Columns[1].Slice(r[0], r[1])
		want := ref.Columns[1].Vectors[r[0]*4 : r[1]*4]
		if got := g.Columns[1].Contiguous(r[0], r[1]); !slices.Equal(got, want) || sl.Len() != r[1]-r[0] {
			t.Fatalf("rows [%d, %d): %d rows, same %v", r[0], r[1], sl.Len(), slices.Equal(got, want))
		}
	}
	if early.Len() != 1006 || !slices.Equal(early.Vector(1005), ref.Columns[1].Vector(1007)) {
		t.Fatalf("a slice taken before later appends changed: %d rows", early.Len())
	}
}

// TestSmallInsertsStaySmall: a column that takes single rows grows its
// owned tail parts from a few rows, doubling, not at the full tail size
// (thousands of small collections each hold a growing segment).
func TestSmallInsertsStaySmall(t *testing.T) {
	c := Column{Type: TypeFloatVector, Dim: 768}
	var caps []int
	for i := 0; i < 100; i++ {
		c.AdoptVectors(make([]float32, 768))
		if p := c.parts.parts[len(c.parts.parts)-1]; len(caps) == 0 || caps[len(caps)-1] != cap(p)/768 {
			caps = append(caps, cap(p)/768)
		}
	}
	if !slices.Equal(caps, []int{16, 32, 64}) || c.Len() != 100 {
		t.Fatalf("tail capacities %v (rows), %d rows", caps, c.Len())
	}
}
