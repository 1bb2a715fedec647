package index

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"testing"
	"unsafe"
)

// ivfFixture trains a small IVF_FLAT index with explicit IDs and returns it
// with its version 2 encoding and queries.
func ivfFixture(t *testing.T) (*IVFFlat, []byte, [][]float32) {
	t.Helper()
	r := newRand(31)
	x, err := NewIVFFlat(12, MetricL2, IVFConfig{Nlist: 8, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	vecs := flatten(randVecs(r, 600, 12))
	ids := make([]int64, 600)
	for i := range ids {
		ids[i] = int64(7 + 5*i)
	}
	if err := x.Train(vecs); err != nil {
		t.Fatal(err)
	}
	if err := x.Add(ids, vecs); err != nil {
		t.Fatal(err)
	}
	b, err := x.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return x, b, randVecs(r, 20, 12)
}

func sameIVFSearches(t *testing.T, a, b *IVFFlat, qs [][]float32) {
	t.Helper()
	p := SearchParams{Metric: MetricL2, TopK: 10}
	x, _ := a.SearchNprobe(qs, p, 3)
	y, err := b.SearchNprobe(qs, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(x, y, slices.Equal) {
		t.Fatal("searches differ")
	}
}

// TestOpenIVFFlatUsesTheBytes: the opened index's centroids, IDs and
// vectors point into the file's bytes (a mapped file stays off the heap),
// it searches like the original, and it refuses changes.
func TestOpenIVFFlatUsesTheBytes(t *testing.T) {
	x, b, qs := ivfFixture(t)
	buf := make([]uint64, (len(b)+7)/8) // 8-aligned, as a mapping is
	data := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(b))
	copy(data, b)
	o, err := OpenIVFFlat(data)
	if err != nil {
		t.Fatal(err)
	}
	sameIVFSearches(t, x, o, qs)
	lo, hi := uintptr(unsafe.Pointer(&data[0])), uintptr(unsafe.Pointer(&data[len(data)-1]))
	inside := func(p unsafe.Pointer) bool { return uintptr(p) >= lo && uintptr(p) <= hi }
	if !inside(unsafe.Pointer(&o.centroids[0])) {
		t.Fatal("centroids were copied")
	}
	for i, l := range o.lists {
		if len(l.ids) > 0 && (!inside(unsafe.Pointer(&l.ids[0])) || !inside(unsafe.Pointer(&l.vecs[0]))) {
			t.Fatalf("list %d was copied", i)
		}
	}
	if err := o.Add([]int64{1}, make([]float32, 12)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Add to an opened index: %v", err)
	}
	u, err := UnmarshalIVFFlat(data)
	if err != nil {
		t.Fatal(err)
	}
	if uintptr(unsafe.Pointer(&u.centroids[0])) >= lo && uintptr(unsafe.Pointer(&u.centroids[0])) <= hi {
		t.Fatal("UnmarshalIVFFlat did not copy")
	}
	// Unaligned bytes are copied, not misread.
	odd := make([]byte, len(b)+1)
	copy(odd[1:], b)
	c, err := OpenIVFFlat(odd[1:])
	if err != nil {
		t.Fatal(err)
	}
	sameIVFSearches(t, x, c, qs)
}

// TestIVFReadsVersion1: files written before the padded layout still load.
func TestIVFReadsVersion1(t *testing.T) {
	x, b, qs := ivfFixture(t)
	nl, dim := len(x.lists), x.dim
	// Version 1 is version 2 without the paddings.
	v1 := append([]byte(ivfMagicV1), b[8:ivfHeaderLen]...)
	off := 48
	v1 = append(v1, b[off:off+4*nl*dim]...) // centroids
	off += 4 * nl * dim
	off += (8 - off%8) % 8
	v1 = append(v1, b[off:off+8*nl]...) // counts
	off += 8 * nl
	for _, l := range x.lists {
		off += (8 - off%8) % 8
		n := 8*len(l.ids) + 4*len(l.vecs)
		v1 = append(v1, b[off:off+n]...)
		off += n
	}
	if off != len(b)-4 {
		t.Fatalf("walked %d of %d bytes", off, len(b)-4)
	}
	v1 = binary.LittleEndian.AppendUint32(v1, crc32.Checksum(v1, ivfCRCTable))
	for _, open := range []func([]byte) (*IVFFlat, error){UnmarshalIVFFlat, OpenIVFFlat} {
		old, err := open(v1)
		if err != nil {
			t.Fatal(err)
		}
		sameIVFSearches(t, x, old, qs)
	}
}
