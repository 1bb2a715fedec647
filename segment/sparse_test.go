package segment

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestSparseCheck(t *testing.T) {
	tests := []struct {
		name string
		v    SparseVector
		want string // "" = valid
	}{
		{"empty", SparseVector{}, ""},
		{"sorted", SparseVector{Indices: []uint32{0, 7, math.MaxUint32}, Values: []float32{1, -2, 0.5}}, ""},
		{"lengths differ", SparseVector{Indices: []uint32{1, 2}, Values: []float32{1}}, "2 indices and 1 values"},
		{"duplicate", SparseVector{Indices: []uint32{3, 3}, Values: []float32{1, 1}}, "distinct and increasing"},
		{"unsorted", SparseVector{Indices: []uint32{4, 3}, Values: []float32{1, 1}}, "distinct and increasing"},
		{"NaN", SparseVector{Indices: []uint32{1}, Values: []float32{float32(math.NaN())}}, "not finite"},
		{"Inf", SparseVector{Indices: []uint32{1}, Values: []float32{float32(math.Inf(-1))}}, "not finite"},
	}
	for _, tc := range tests {
		err := tc.v.Check()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Check() = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSparseBinary: Milvus's wire form round-trips, unsorted entries are
// sorted, and malformed input is refused.
func TestSparseBinary(t *testing.T) {
	v := SparseVector{Indices: []uint32{2, 70000, math.MaxUint32}, Values: []float32{0.5, -1, 3}}
	got, err := ParseSparseBinary(v.AppendBinary(nil))
	if err != nil || !reflect.DeepEqual(got, v) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	shuffled := SparseVector{Indices: []uint32{70000, 2, math.MaxUint32}, Values: []float32{-1, 0.5, 3}}
	if got, err := ParseSparseBinary(shuffled.AppendBinary(nil)); err != nil || !reflect.DeepEqual(got, v) {
		t.Fatalf("unsorted input: %v, %v", got, err)
	}
	dup := SparseVector{Indices: []uint32{9, 9}, Values: []float32{1, 2}}
	for _, b := range [][]byte{dup.AppendBinary(nil), {1, 2, 3}} {
		if _, err := ParseSparseBinary(b); err == nil {
			t.Errorf("ParseSparseBinary(%v) accepted", b)
		}
	}
}

// TestDecodeSparseRejectsRepeatedIndex: a corrupt encoding whose index
// deltas repeat an index fails to decode instead of breaking the
// increasing-index invariant.
func TestDecodeSparseRejectsRepeatedIndex(t *testing.T) {
	var e Encoder
	e.Uvarint(2) // entries
	e.Uvarint(5) // index 5
	e.Uvarint(0) // index 5 again
	putFloat32s(e.grow(8), []float32{1, 2})
	d := &Decoder{Buf: e.Buf}
	decodeSparse(d, 1)
	if d.Err == nil {
		t.Fatal("repeated index decoded")
	}
}
