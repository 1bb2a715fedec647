package segment

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// flushAll writes a sealed segment's rows as chunks of at most per rows
// into objects and marks it Flushed, as the flusher and the log do.
func flushAll(t *testing.T, g *Segment, s *Schema, per int, objects map[string][]byte) {
	t.Helper()
	g.State = Sealed
	for from := 0; from < g.Rows(); from += per {
		to := min(from+per, g.Rows())
		c := Chunk{Index: int64(len(g.Chunks)), FromRow: int64(from), ToRow: int64(to)}
		for f := range s.Fields {
			b := EncodeChunkFile(s.Fields[f].ID, &g.Columns[f], from, to)
			key := fmt.Sprintf("insert_log/%d/%d/%d", g.ID, f, c.Index)
			objects[key] = b
			c.Keys, c.Checksums = append(c.Keys, key), append(c.Checksums, Checksum(b))
		}
		g.Chunks = append(g.Chunks, c)
	}
	g.State = Flushed
}

// TestLazySegment: a flushed segment restores with its scalar columns only,
// encodes the same whether its vectors are in memory or not, loads them on
// demand, and evicts them again.
func TestLazySegment(t *testing.T) {
	s := allTypesSchema(t, true)
	vf := -1
	for i := range s.Fields {
		if s.Fields[i].Type == TypeFloatVector {
			vf = i
		}
	}
	objects := map[string][]byte{}
	fetches := 0
	load := func(key string) ([]byte, error) {
		fetches++
		if b, ok := objects[key]; ok {
			return b, nil
		}
		return nil, errors.New("no such object")
	}
	g := filledSegment(t, s, 250, 3, 200)
	flushAll(t, g, s, 100, objects)
	enc := encodeSegment(g)

	got, err := DecodeSegment(&Decoder{Buf: enc}, s, load)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resident(vf) || got.AllResident() || got.Rows() != 250 || got.Live() != 248 {
		t.Fatalf("restored: vectors resident %v, rows %d, live %d", got.Resident(vf), got.Rows(), got.Live())
	}
	var dense []int
	for f := range s.Fields {
		if s.Fields[f].Type.IsDense() {
			dense = append(dense, f)
			if got.Resident(f) {
				t.Fatalf("dense vector field %d loaded at restore", f)
			}
		} else if !got.Resident(f) {
			t.Fatalf("scalar field %d not loaded at restore", f)
		}
	}
	if fetches != 3*(len(s.Fields)-len(dense)) {
		t.Fatalf("restore fetched %d objects, want the %d scalar ones", fetches, 3*(len(s.Fields)-len(dense)))
	}
	if !bytes.Equal(encodeSegment(got), enc) {
		t.Fatal("a segment without its vectors encodes differently")
	}
	if err := got.Load(dense...); err != nil {
		t.Fatal(err)
	}
	if !got.AllResident() {
		t.Fatal("vectors not resident after Load")
	}
	assertSameBatch(t, &Batch{Columns: got.Columns}, &Batch{Columns: g.Columns})
	if !bytes.Equal(encodeSegment(got), enc) {
		t.Fatal("a segment with its vectors loaded encodes differently")
	}
	n := fetches
	if err := got.Load(vf); err != nil || fetches != n {
		t.Fatalf("second Load fetched %d objects (%v)", fetches-n, err)
	}

	g.EvictVectors(s, load)
	if g.Resident(vf) || g.Rows() != 250 || !bytes.Equal(encodeSegment(g), enc) {
		t.Fatal("eviction changed the segment")
	}
	if err := g.Load(vf); err != nil || !reflect.DeepEqual(g.Value(vf, 7), got.Value(vf, 7)) {
		t.Fatalf("reload after eviction: %v", err)
	}

	// A changed object is refused, and the column stays absent.
	g.EvictVectors(s, load)
	key := g.Chunks[1].Keys[vf]
	objects[key] = append(bytes.Clone(objects[key][:len(objects[key])-1]), 0)
	if err := g.Load(vf); !errors.Is(err, ErrCorrupt) || g.Resident(vf) {
		t.Fatalf("corrupt chunk: %v, resident %v", err, g.Resident(vf))
	}
}

// TestGrowingSegmentsStayResident: only sealed segments whose rows are all
// in object storage drop their vectors.
func TestGrowingSegmentsStayResident(t *testing.T) {
	s := allTypesSchema(t, false)
	g := filledSegment(t, s, 10)
	load := func(string) ([]byte, error) { return nil, errors.New("unused") }
	g.EvictVectors(s, load)
	if !g.AllResident() || g.Lazy() {
		t.Fatal("a growing segment dropped its vectors")
	}
	g.State = Sealed
	g.Chunks = []Chunk{{FromRow: 0, ToRow: 5}}
	g.EvictVectors(s, load)
	if !g.AllResident() {
		t.Fatal("a partly flushed segment dropped its vectors")
	}
}

// TestReserveDoublesVectorCapacity: rows appended after Reserve do not
// reallocate, and a full column at least doubles.
func TestReserveDoublesVectorCapacity(t *testing.T) {
	c := Column{Type: TypeFloatVector, Dim: 4}
	c.Reserve(100)
	p := &c.Vectors[:1][0]
	for i := range 100 {
		c.AppendValue([]float32{float32(i), 0, 0, 1})
	}
	if &c.Vectors[0] != p {
		t.Fatal("appending the reserved rows reallocated")
	}
	n := cap(c.Vectors)
	c.Reserve(1)
	if got := cap(c.Vectors); got < 2*n {
		t.Fatalf("capacity %d after Reserve on a full column of capacity %d", got, n)
	}
	if v := c.Vector(42); v[0] != 42 || len(c.Vectors) != 400 {
		t.Fatalf("rows changed by Reserve: %v, %d floats", v, len(c.Vectors))
	}
}
