package segment

import (
	"bytes"
	"testing"
)

// fuzzSchemas are the schemas fuzz inputs decode against; the first input
// byte picks one.
func fuzzSchemas(tb testing.TB) []*Schema {
	boolLast := &Schema{Fields: []Field{
		{Name: "id", Type: TypeVarChar, MaxLength: 64, PrimaryKey: true},
		{Name: "v", Type: TypeFloatVector, Dim: 2},
		{Name: "flag", Type: TypeBool, Nullable: true},
	}}
	if err := boolLast.Validate(); err != nil {
		tb.Fatal(err)
	}
	return []*Schema{allTypesSchema(tb, false), allTypesSchema(tb, true), boolLast}
}

// touchRows reads every value, as the shard state machine does after
// decoding; it must not panic whatever the input.
func touchRows(cols []Column, rows int) {
	for i := range cols {
		for r := 0; r < rows; r++ {
			_ = cols[i].Value(r)
		}
	}
}

// FuzzDecodeBatch checks that DecodeBatch never panics, and that a batch it
// accepts re-encodes canonically: decoding the re-encoding gives an equal
// batch that encodes to the same bytes again.
func FuzzDecodeBatch(f *testing.F) {
	schemas := fuzzSchemas(f)
	for i, s := range schemas {
		for _, rows := range []int{0, 1, 3, 9} {
			f.Add(uint8(i), encodeBatch(sampleBatch(s, rows)))
		}
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(2), []byte{3, 8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		s := schemas[int(sel)%len(schemas)]
		b, err := DecodeBatch(&Decoder{Buf: data}, s)
		if err != nil {
			if b != nil {
				t.Fatalf("DecodeBatch returned a batch and error %v", err)
			}
			return
		}
		if len(b.Columns) != len(s.Fields) {
			t.Fatalf("%d columns for %d fields", len(b.Columns), len(s.Fields))
		}
		for i := range b.Columns {
			c := &b.Columns[i]
			if c.Len() != b.Rows() || (c.Valid != nil && len(c.Valid) != c.Len()) {
				t.Fatalf("column %d: Len=%d Valid=%d Rows=%d", i, c.Len(), len(c.Valid), b.Rows())
			}
		}
		touchRows(b.Columns, b.Rows())
		enc := encodeBatch(b)
		d := &Decoder{Buf: enc}
		b2, err := DecodeBatch(d, s)
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if len(d.Buf) != 0 {
			t.Fatalf("%d bytes left after decoding a re-encoding", len(d.Buf))
		}
		assertSameBatch(t, b2, b)
		if enc2 := encodeBatch(b2); !bytes.Equal(enc2, enc) {
			t.Fatal("encoding is not stable across a round trip")
		}
	})
}

// FuzzDecodeSegment checks that DecodeSegment never panics and that an
// accepted segment is self-consistent and re-encodes deterministically.
func FuzzDecodeSegment(f *testing.F) {
	schemas := fuzzSchemas(f)
	for i, s := range schemas {
		g := New(5, 1, s)
		b := sampleBatch(s, 12)
		for r := 0; r < b.Rows(); r++ {
			g.Append(b, r)
		}
		g.Delete(2)
		g.Delete(3)
		f.Add(uint8(i), encodeSegment(g))
	}
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		s := schemas[int(sel)%len(schemas)]
		g, err := DecodeSegment(&Decoder{Buf: data}, s, nil)
		if err != nil {
			return
		}
		touchRows(g.Columns, g.Rows())
		for r := 0; r < g.Rows(); r++ {
			_ = g.IsDeleted(r)
		}
		enc := encodeSegment(g)
		g2, err := DecodeSegment(&Decoder{Buf: enc}, s, nil)
		if err != nil {
			t.Fatalf("re-encoded segment does not decode: %v", err)
		}
		assertSameBatch(t, &Batch{Columns: g2.Columns}, &Batch{Columns: g.Columns})
		if !g2.Deleted.Equals(g.Deleted) || g2.ID != g.ID || g2.Partition != g.Partition || g2.State != g.State {
			t.Fatal("segment header or deletions changed across a round trip")
		}
		if enc2 := encodeSegment(g2); !bytes.Equal(enc2, enc) {
			t.Fatal("segment encoding is not stable across a round trip")
		}
	})
}
