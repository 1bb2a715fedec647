package segment

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestColumnRoundTrip(t *testing.T) {
	for _, nullable := range []bool{false, true} {
		s := allTypesSchema(t, nullable)
		for _, rows := range []int{0, 1, 8, 9, 17} { // bitmaps of partial and full bytes
			b := sampleBatch(s, rows)
			for i := range b.Columns {
				c := &b.Columns[i]
				var e Encoder
				EncodeColumn(&e, c)
				d := &Decoder{Buf: e.Buf}
				got := DecodeColumn(d)
				if d.Err != nil || len(d.Buf) != 0 {
					t.Fatalf("nullable=%v rows=%d %s: err=%v, %d bytes left", nullable, rows, c.Type, d.Err, len(d.Buf))
				}
				if g, w := normalise(&got), normalise(c); !reflect.DeepEqual(g, w) {
					t.Fatalf("nullable=%v rows=%d %s:\n got %+v\nwant %+v", nullable, rows, c.Type, g, w)
				}
				if nullable && rows > 1 && i > 0 && i < 11 && got.Valid == nil {
					t.Fatalf("%s: null bitmap lost", c.Type)
				}
				for r := 0; r < rows; r++ {
					if !reflect.DeepEqual(got.Value(r), c.Value(r)) {
						t.Fatalf("%s row %d: %#v != %#v", c.Type, r, got.Value(r), c.Value(r))
					}
				}
			}
		}
	}
}

func TestBatchRoundTrip(t *testing.T) {
	for _, nullable := range []bool{false, true} {
		s := allTypesSchema(t, nullable)
		for _, rows := range []int{0, 1, 5, 64} {
			b := sampleBatch(s, rows)
			enc := encodeBatch(b)
			d := &Decoder{Buf: enc}
			got, err := DecodeBatch(d, s)
			if err != nil {
				t.Fatalf("nullable=%v rows=%d: %v", nullable, rows, err)
			}
			if len(d.Buf) != 0 {
				t.Fatalf("%d bytes left over", len(d.Buf))
			}
			assertSameBatch(t, got, b)
			if got.Rows() != rows {
				t.Fatalf("Rows = %d, want %d", got.Rows(), rows)
			}
			// Deterministic: re-encoding gives the same bytes.
			if again := encodeBatch(got); !bytes.Equal(again, enc) {
				t.Fatalf("re-encoding differs")
			}
		}
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	s := allTypesSchema(t, false)
	good := encodeBatch(sampleBatch(s, 3))
	otherSchema := func(mutate func(*Schema)) *Schema {
		o := allTypesSchema(t, false)
		mutate(o)
		return o
	}
	unequal := sampleBatch(s, 3)
	unequal.Columns[4].AppendValue(int64(1))
	badType := append([]byte(nil), good...)
	badType[1] = 99 // first column's type byte
	tests := []struct {
		name   string
		buf    []byte
		schema *Schema
	}{
		{"too few columns", good, otherSchema(func(o *Schema) {
			o.Fields = append(o.Fields, Field{Name: "extra", Type: TypeBool})
		})},
		{"too many columns", good, otherSchema(func(o *Schema) { o.Fields = o.Fields[:len(o.Fields)-1] })},
		{"wrong type", good, otherSchema(func(o *Schema) { o.Fields[3].Type = TypeInt32 })},
		{"wrong dim", good, otherSchema(func(o *Schema) { o.Fields[11].Dim = 4 })},
		{"unknown column type", badType, s},
		{"unequal lengths", encodeBatch(unequal), s},
		{"dim beyond max", encodeBatch(&Batch{Columns: []Column{{Type: TypeFloatVector, Dim: MaxDim + 1}}}), &Schema{Fields: []Field{{Type: TypeFloatVector, Dim: MaxDim + 1}}}},
		{"huge column count", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, s},
		{"empty", nil, s},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := DecodeBatch(&Decoder{Buf: tc.buf}, tc.schema)
			if !errors.Is(err, ErrCorrupt) || b != nil {
				t.Fatalf("DecodeBatch = %v, %v; want nil and ErrCorrupt", b, err)
			}
		})
	}
}

func TestDecodeBatchTruncated(t *testing.T) {
	for _, nullable := range []bool{false, true} {
		s := allTypesSchema(t, nullable)
		enc := encodeBatch(sampleBatch(s, 4))
		for cut := 0; cut < len(enc); cut++ {
			b, err := DecodeBatch(&Decoder{Buf: enc[:cut:cut]}, s)
			if !errors.Is(err, ErrCorrupt) || b != nil {
				t.Fatalf("nullable=%v cut %d/%d: DecodeBatch = %v, %v; want ErrCorrupt", nullable, cut, len(enc), b, err)
			}
		}
	}
}

func TestDecoderPrimitives(t *testing.T) {
	var e Encoder
	e.Uvarint(300)
	e.Varint(-5)
	e.Byte(7)
	e.Bytes([]byte("ab"))
	e.String("héllo")
	e.Bytes(nil)
	d := &Decoder{Buf: e.Buf}
	if u, v, b, bs, s, empty := d.Uvarint(), d.Varint(), d.Byte(), d.Bytes(), d.String(), d.Bytes(); u != 300 || v != -5 || b != 7 || string(bs) != "ab" || s != "héllo" || len(empty) != 0 || d.Err != nil {
		t.Fatalf("read back %d %d %d %q %q %q err=%v", u, v, b, bs, s, empty, d.Err)
	}
	// Reading past the end fails, the error sticks and later reads are zero.
	if d.Byte() != 0 || !errors.Is(d.Err, ErrCorrupt) {
		t.Fatalf("read past end: err=%v", d.Err)
	}
	first := d.Err
	if d.Uvarint() != 0 || d.String() != "" || d.Err != first {
		t.Fatalf("error did not stick: %v", d.Err)
	}
	// A length larger than what remains is rejected before allocating.
	d = &Decoder{Buf: []byte{0x80, 0x80, 0x80, 0x80, 0x08, 1, 2}}
	if n := d.Len(1); n != 0 || !errors.Is(d.Err, ErrCorrupt) {
		t.Fatalf("Len of oversized length = %d, %v", n, d.Err)
	}
	d = &Decoder{Buf: []byte{3, 1, 2, 3, 4, 5}}
	if n := d.Len(2); n != 0 || d.Err == nil {
		t.Fatalf("Len(2) of 3 with 5 bytes left = %d, %v", n, d.Err)
	}
	if (&Decoder{Buf: []byte{1}}).Next(-1) != nil {
		t.Fatal("Next(-1) returned bytes")
	}
}

// A batch inside a gob-encoded struct (a write forwarded to the shard
// leader) travels through MarshalBinary and arrives equal.
func TestBatchThroughGob(t *testing.T) {
	type forwarded struct {
		Name string
		Rows *Batch
	}
	for _, nullable := range []bool{false, true} {
		s := allTypesSchema(t, nullable)
		b := sampleBatch(s, 33)
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(forwarded{Name: "c", Rows: b}); err != nil {
			t.Fatal(err)
		}
		var got forwarded
		if err := gob.NewDecoder(&buf).Decode(&got); err != nil {
			t.Fatal(err)
		}
		assertSameBatch(t, got.Rows, b)
	}
	if err := new(Batch).UnmarshalBinary([]byte{2, 0}); err == nil {
		t.Fatal("a truncated batch decoded")
	}
}

// TestFloat32sAreLittleEndianBits: vector floats encode as their
// little-endian IEEE bits, whatever the path (a memmove on little-endian
// machines), and decode to the same bits, NaN payloads included.
func TestFloat32sAreLittleEndianBits(t *testing.T) {
	bits := []uint32{0, 0x80000000, 0x3f800000, 0x7f800000, 0x7fc00001, 0xffbfffff, 0x00000001, 0x12345678}
	c := Column{Type: TypeFloatVector, Dim: 4}
	for _, b := range bits {
		c.Vectors = append(c.Vectors, math.Float32frombits(b))
	}
	e := &Encoder{}
	EncodeColumn(e, &c)
	var want []byte
	for _, b := range bits {
		want = binary.LittleEndian.AppendUint32(want, b)
	}
	if !bytes.HasSuffix(e.Buf, want) {
		t.Fatalf("encoded % x, want the floats as % x", e.Buf, want)
	}
	got := DecodeColumn(&Decoder{Buf: e.Buf})
	for i, b := range bits {
		if math.Float32bits(got.Vectors[i]) != b {
			t.Fatalf("float %d decoded as %#x, want %#x", i, math.Float32bits(got.Vectors[i]), b)
		}
	}
}
