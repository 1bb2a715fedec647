package segment

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"
)

func encodeSegment(g *Segment) []byte {
	var e Encoder
	g.Encode(&e)
	return e.Buf
}

// filledSegment appends n sample rows and deletes the given rows.
func filledSegment(t *testing.T, s *Schema, n int, deleted ...int) *Segment {
	t.Helper()
	g := New(7, 3, s)
	b := sampleBatch(s, n)
	for i := 0; i < n; i++ {
		if row := g.Append(b, i); row != i {
			t.Fatalf("Append returned row %d, want %d", row, i)
		}
	}
	for _, r := range deleted {
		g.Delete(r)
	}
	return g
}

func TestSegmentAppendDelete(t *testing.T) {
	s := allTypesSchema(t, true)
	g := New(1, 2, s)
	if g.State != Growing || g.Rows() != 0 || g.Live() != 0 || g.ID != 1 || g.Partition != 2 {
		t.Fatalf("new segment: %+v", g)
	}
	b := sampleBatch(s, 5)
	for _, i := range []int{4, 0, 1} { // any row of the batch, in any order
		g.Append(b, i)
	}
	if g.Rows() != 3 || g.Live() != 3 {
		t.Fatalf("Rows=%d Live=%d, want 3/3", g.Rows(), g.Live())
	}
	for f := range s.Fields {
		for row, src := range []int{4, 0, 1} {
			if got, want := g.Value(f, row), b.Value(f, src); !reflect.DeepEqual(got, want) {
				t.Fatalf("field %d row %d = %#v, want %#v", f, row, got, want)
			}
		}
	}
	steps := []struct {
		row       int
		wantFresh bool
		wantLive  int
	}{
		{1, true, 2},
		{1, false, 2}, // deleting twice is not a second delete
		{0, true, 1},
		{2, true, 0},
	}
	for _, st := range steps {
		if fresh := g.Delete(st.row); fresh != st.wantFresh || g.Live() != st.wantLive || !g.IsDeleted(st.row) {
			t.Fatalf("Delete(%d) = %v, Live=%d; want %v, %d", st.row, fresh, g.Live(), st.wantFresh, st.wantLive)
		}
	}
	if g.Rows() != 3 {
		t.Fatalf("deleted rows must keep their slots: Rows=%d", g.Rows())
	}
}

func TestSegmentRoundTrip(t *testing.T) {
	boolLast := &Schema{Fields: []Field{
		{Name: "id", Type: TypeVarChar, MaxLength: 64, PrimaryKey: true},
		{Name: "v", Type: TypeFloatVector, Dim: 1},
		{Name: "flag", Type: TypeBool},
	}}
	if err := boolLast.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		schema  *Schema
		rows    int
		deleted []int
	}{
		{"empty", allTypesSchema(t, false), 0, nil},
		{"no deletes", allTypesSchema(t, false), 10, nil},
		{"nulls and deletes", allTypesSchema(t, true), 10, []int{0, 3, 9}},
		{"run of deletes", allTypesSchema(t, true), 300, []int{10, 11, 12, 13, 14, 15, 16, 17, 200}},
		{"bool last field", boolLast, 200, []int{5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := filledSegment(t, tc.schema, tc.rows, tc.deleted...)
			g.State = Sealed
			enc := encodeSegment(g)
			if again := encodeSegment(g); !bytes.Equal(again, enc) {
				t.Fatal("encoding the same segment twice differs")
			}
			d := &Decoder{Buf: enc}
			got, err := DecodeSegment(d, tc.schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Buf) != 0 {
				t.Fatalf("%d bytes left", len(d.Buf))
			}
			if got.ID != 7 || got.Partition != 3 || got.State != Sealed || got.Rows() != tc.rows || got.Live() != tc.rows-len(tc.deleted) {
				t.Fatalf("decoded %d/%d/%s rows=%d live=%d", got.ID, got.Partition, got.State, got.Rows(), got.Live())
			}
			for r := 0; r < tc.rows; r++ {
				if got.IsDeleted(r) != g.IsDeleted(r) {
					t.Fatalf("row %d deleted=%v, want %v", r, got.IsDeleted(r), g.IsDeleted(r))
				}
			}
			assertSameBatch(t, &Batch{Columns: got.Columns}, &Batch{Columns: g.Columns})
			if re := encodeSegment(got); !bytes.Equal(re, enc) {
				t.Fatal("decoded segment re-encodes to different bytes")
			}
			// The decoded bitmap must not alias the input buffer.
			for i := range enc {
				enc[i] = 0xAA
			}
			if got.Live() != tc.rows-len(tc.deleted) {
				t.Fatal("deletion bitmap aliases the decode buffer")
			}
		})
	}
}

// Encode is a read: the shard state machine calls it under a read lock
// while searches read deletion flags, so it must not mutate the segment.
// Run with -race.
func TestSegmentEncodeIsReadOnly(t *testing.T) {
	s := allTypesSchema(t, false)
	g := filledSegment(t, s, 600, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 500)
	want := encodeSegment(g)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			if !bytes.Equal(encodeSegment(g), want) {
				t.Error("concurrent encodings differ")
			}
		}
	}()
	for i := 0; i < 20; i++ {
		if !g.IsDeleted(5) || g.IsDeleted(11) || g.Live() != 589 {
			t.Fatal("deletion flags changed while encoding")
		}
		_ = encodeSegment(g)
	}
	<-done
}

func TestDecodeSegmentTruncated(t *testing.T) {
	s := allTypesSchema(t, true)
	enc := encodeSegment(filledSegment(t, s, 6, 1, 4))
	for cut := 0; cut < len(enc); cut++ {
		g, err := DecodeSegment(&Decoder{Buf: enc[:cut:cut]}, s, nil)
		if !errors.Is(err, ErrCorrupt) || g != nil {
			t.Fatalf("cut %d/%d: DecodeSegment = %v, %v; want ErrCorrupt", cut, len(enc), g, err)
		}
	}
}

func TestDecodeSegmentRejectsOtherSchema(t *testing.T) {
	s := allTypesSchema(t, false)
	enc := encodeSegment(filledSegment(t, s, 4))
	tests := []struct {
		name   string
		mutate func(*Schema)
	}{
		{"extra field", func(o *Schema) { o.Fields = append(o.Fields, Field{Name: "x", Type: TypeBool}) }},
		{"missing field", func(o *Schema) { o.Fields = o.Fields[:len(o.Fields)-1] }},
		{"other type", func(o *Schema) { o.Fields[8].Type = TypeJSON }},
		{"other dim", func(o *Schema) { o.Fields[11].Dim = 8 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := allTypesSchema(t, false)
			tc.mutate(o)
			if g, err := DecodeSegment(&Decoder{Buf: enc}, o, nil); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("DecodeSegment = %v, %v; want ErrCorrupt", g, err)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	want := map[State]string{Growing: "Growing", Sealed: "Sealed", Flushed: "Flushed", Indexed: "Indexed", Dropped: "Dropped", 0: "State(0)", 9: "State(9)"}
	for st, w := range want {
		if st.String() != w {
			t.Errorf("State(%d).String() = %q, want %q", uint8(st), st.String(), w)
		}
	}
}

func TestPKIndex(t *testing.T) {
	x := NewPKIndex()
	ops := []struct {
		op   string // put, del
		pk   any
		ref  Ref
		want int // Len after
	}{
		{"put", int64(1), Ref{1, 0}, 1},
		{"put", "1", Ref{1, 1}, 2}, // int64 and string keys never collide
		{"put", int64(-9), Ref{2, 5}, 3},
		{"put", int64(1), Ref{3, 7}, 3}, // overwrite moves the key
		{"put", "", Ref{4, 0}, 4},
		{"del", "1", Ref{}, 3},
		{"del", "missing", Ref{}, 3},
		{"del", int32(1), Ref{}, 3}, // other Go types are ignored
	}
	for _, o := range ops {
		if o.op == "put" {
			x.Put(o.pk, o.ref)
		} else {
			x.Delete(o.pk)
		}
		if x.Len() != o.want {
			t.Fatalf("after %s %#v: Len=%d, want %d", o.op, o.pk, x.Len(), o.want)
		}
	}
	gets := []struct {
		pk   any
		ref  Ref
		want bool
	}{
		{int64(1), Ref{3, 7}, true},
		{int64(-9), Ref{2, 5}, true},
		{"", Ref{4, 0}, true},
		{"1", Ref{}, false},
		{int64(2), Ref{}, false},
		{1, Ref{}, false}, // an int is not an int64 key
		{nil, Ref{}, false},
	}
	for _, g := range gets {
		if ref, ok := x.Get(g.pk); ok != g.want || ref != g.ref {
			t.Errorf("Get(%#v) = %v, %v; want %v, %v", g.pk, ref, ok, g.ref, g.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Put of a float64 key did not panic")
		}
	}()
	x.Put(1.5, Ref{})
}

// TestIndexRefVersionRoundTrip: versioned index refs survive the segment
// encoding and the log-entry encoding; an unversioned one keeps the old
// bytes (presence byte 1, no trailing version), so older snapshots and
// entries decode as version 0. A segment with several index files (one
// per indexed vector field) round-trips them all, in name order.
func TestIndexRefVersionRoundTrip(t *testing.T) {
	s := allTypesSchema(t, false)
	one := func(version int64) []IndexRef {
		return []IndexRef{{Name: "ix", Field: 9, Type: "HNSW", Key: "k", Checksum: 7, Version: version}}
	}
	for _, refs := range [][]IndexRef{nil, one(0), one(42), {
		{Name: "b", Field: 9, Type: "IVF_FLAT", Key: "kb", Checksum: 1, Version: 3},
		{Name: "a", Field: 8, Type: "HNSW", Key: "ka", Checksum: 2},
	}} {
		g := filledSegment(t, s, 3)
		g.State = Sealed
		for _, x := range refs {
			g.SetIndex(x)
		}
		got, err := DecodeSegment(&Decoder{Buf: encodeSegment(g)}, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Indexes, g.Indexes) || len(got.Indexes) != len(refs) {
			t.Fatalf("segment round trip: %+v, want %+v", got.Indexes, g.Indexes)
		}
		if len(refs) == 2 && (got.Indexes[0].Name != "a" || got.IndexNamed("b").Version != 3) {
			t.Fatalf("index list not in name order or lost a version: %+v", got.Indexes)
		}
		for i := range refs {
			x := &g.Indexes[i]
			e := &Encoder{}
			EncodeIndexRef(e, x)
			old := &Encoder{}
			x.encode(old)
			if x.Version == 0 && !bytes.Equal(e.Buf, old.Buf) {
				t.Fatal("an unversioned ref changed its log encoding")
			}
			d := &Decoder{Buf: e.Buf}
			if y := DecodeIndexRef(d); y != *x || len(d.Buf) != 0 || d.Err != nil {
				t.Fatalf("entry round trip: %+v (err %v, %d bytes left)", y, d.Err, len(d.Buf))
			}
		}
	}
}

// TestSetIndexReplaces: recording an index's file again replaces the
// earlier file of that index, a new index on a field replaces the field's
// old one, and files of other fields stay.
func TestSetIndexReplaces(t *testing.T) {
	g := &Segment{}
	g.SetIndex(IndexRef{Name: "v2", Field: 2, Key: "a"})
	g.SetIndex(IndexRef{Name: "v1", Field: 1, Key: "b"})
	g.SetIndex(IndexRef{Name: "v2", Field: 2, Key: "c", Version: 5})
	if len(g.Indexes) != 2 || g.IndexNamed("v2").Key != "c" || g.IndexNamed("v1").Key != "b" || g.IndexNamed("v3") != nil {
		t.Fatalf("indexes %+v", g.Indexes)
	}
	g.SetIndex(IndexRef{Name: "v0", Field: 1, Key: "d"})
	if len(g.Indexes) != 2 || g.IndexNamed("v1") != nil || g.Indexes[0].Key != "d" || g.Indexes[1].Key != "c" {
		t.Fatalf("a re-created index on field 1 kept the old file: %+v", g.Indexes)
	}
}
