package index

import (
	"slices"
	"testing"
	"unsafe"
)

// openFixture builds a small index with explicit IDs and returns it with
// its version 2 encoding.
func openFixture(t *testing.T) (*HNSW, []byte, [][]float32) {
	t.Helper()
	r := newRand(21)
	h, err := NewHNSW(12, MetricL2, HNSWConfig{M: 6, EfConstruction: 40, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 500)
	for i := range ids {
		ids[i] = int64(1000 + 3*i)
	}
	if err := h.Add(ids, flatten(randVecs(r, 500, 12))); err != nil {
		t.Fatal(err)
	}
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return h, b, randVecs(r, 20, 12)
}

func sameSearches(t *testing.T, a, b *HNSW, qs [][]float32) {
	t.Helper()
	p := SearchParams{Metric: MetricL2, TopK: 10}
	x, _ := a.SearchEf(qs, p, 50)
	y, err := b.SearchEf(qs, p, 50)
	if err != nil {
		t.Fatal(err)
	}
	for q := range x {
		if !slices.Equal(x[q], y[q]) {
			t.Fatalf("query %d: %v != %v", q, x[q], y[q])
		}
	}
}

// TestOpenHNSWInPlace: an index opened over its file's bytes searches like
// the original, uses the bytes for its arrays instead of copies, encodes
// back to the same bytes and refuses writes.
func TestOpenHNSWInPlace(t *testing.T) {
	h, b, qs := openFixture(t)
	buf := make([]uint64, (len(b)+7)/8) // 8-aligned, as a mapped file is
	file := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(b))
	copy(file, b)
	o, err := OpenHNSW(file)
	if err != nil {
		t.Fatal(err)
	}
	sameSearches(t, h, o, qs)
	inFile := func(p unsafe.Pointer) bool {
		lo := uintptr(unsafe.Pointer(&file[0]))
		return uintptr(p) >= lo && uintptr(p) < lo+uintptr(len(file))
	}
	if !inFile(unsafe.Pointer(&o.vecs[0])) || !inFile(unsafe.Pointer(&o.ids[0])) || !inFile(unsafe.Pointer(&o.links0[0])) {
		t.Fatal("OpenHNSW copied an array instead of using the file's bytes")
	}
	if b2, _ := o.MarshalBinary(); !slices.Equal(b, b2) {
		t.Fatal("re-marshal of an opened index differs")
	}
	if err := o.Add([]int64{1}, make([]float32, 12)); err == nil {
		t.Fatal("Add to an index opened in place succeeded")
	}
	// A copy never aliases: the caller may reuse its buffer.
	u, err := UnmarshalHNSW(file)
	if err != nil {
		t.Fatal(err)
	}
	if inFile(unsafe.Pointer(&u.vecs[0])) {
		t.Fatal("UnmarshalHNSW aliased its input")
	}
	if err := u.Add([]int64{1}, make([]float32, 12)); err != nil {
		t.Fatalf("Add to an unmarshalled index: %v", err)
	}
}

// TestHNSWReadsVersion1: files written before the padded layout still load.
func TestHNSWReadsVersion1(t *testing.T) {
	h, b, qs := openFixture(t)
	n, dim := h.Len(), h.Dim()
	// Version 1 is version 2 without the three paddings.
	v1 := append([]byte(hnswMagicV1), b[8:hnswHeaderSize]...)
	off := 48
	v1 = append(v1, b[off:off+4*n*dim]...)
	off += 4 * n * dim
	off += (8 - off%8) % 8
	v1 = append(v1, b[off:off+8*n+n]...) // ids, levels
	off += 8*n + n
	off += (4 - off%4) % 4
	v1 = append(v1, b[off:len(b)-4]...)
	v1 = appendCRC(v1)
	for _, open := range []func([]byte) (*HNSW, error){UnmarshalHNSW, OpenHNSW} {
		old, err := open(v1)
		if err != nil {
			t.Fatal(err)
		}
		sameSearches(t, h, old, qs)
	}
}

// TestBuildOwnedUsesTheSlice: BuildOwned builds the same graph as Build
// without copying the vectors (normalized in place for COSINE).
func TestBuildOwnedUsesTheSlice(t *testing.T) {
	for _, m := range []Metric{MetricL2, MetricCosine} {
		vecs := flatten(randVecs(newRand(8), 400, 12))
		a, _ := NewHNSW(12, m, HNSWConfig{M: 6, EfConstruction: 40, Seed: 2})
		b, _ := NewHNSW(12, m, HNSWConfig{M: 6, EfConstruction: 40, Seed: 2})
		if err := a.Build(nil, slices.Clone(vecs), 1); err != nil {
			t.Fatal(err)
		}
		if err := b.BuildOwned(vecs, 1); err != nil {
			t.Fatal(err)
		}
		if &b.vecs[0] != &vecs[0] {
			t.Fatalf("%v: BuildOwned copied the vectors", m)
		}
		x, _ := a.MarshalBinary()
		y, _ := b.MarshalBinary()
		if !slices.Equal(x, y) {
			t.Fatalf("%v: BuildOwned built a different index", m)
		}
	}
}
