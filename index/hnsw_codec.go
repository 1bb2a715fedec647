package index

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"unsafe"
)

// HNSW binary format, version 2 (all integers little endian):
//
//	magic    [8]byte "RVHNSW02" ("RVHNSW01": version 1, no padding)
//	dim      u32
//	metric   u8
//	M        u32
//	efc      u32
//	seed     u64
//	n        u64
//	entry    i32 (-1 when n == 0)
//	maxLevel u32
//	hasIDs   u8 (0 or 1)
//	pad      to a multiple of 8 bytes (zeros; version 2 only)
//	vectors  n*dim f32 (normalized for COSINE, as stored)
//	pad      to a multiple of 8 bytes (version 2 only)
//	ids      n i64 (only when hasIDs)
//	levels   n u8
//	pad      to a multiple of 4 bytes (version 2 only)
//	links0   n*(1+2M) i32 (count, then neighbours, unused slots zero)
//	upper    for each node with level l > 0: l*(1+M) i32
//	crc      u32 CRC-32C (Castagnoli) of every preceding byte
//
// Version 2 aligns every array to its element size, so OpenHNSW can use a
// memory-mapped file's vectors, ids and layer-0 links in place.
const (
	hnswMagic   = "RVHNSW02"
	hnswMagicV1 = "RVHNSW01"
)

const hnswHeaderSize = 8 + 4 + 1 + 4 + 4 + 8 + 8 + 4 + 4 + 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the index (format documented above).
func (h *HNSW) MarshalBinary() ([]byte, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := len(h.levels)
	size := hnswHeaderSize + 4*len(h.vecs) + n + 4*len(h.links0) + 4 + 16
	if h.ids != nil {
		size += 8 * n
	}
	for _, u := range h.upper {
		size += 4 * len(u)
	}
	b := make([]byte, 0, size)
	b = append(b, hnswMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.dim))
	b = append(b, byte(h.metric))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.m))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.efc))
	b = binary.LittleEndian.AppendUint64(b, h.seed)
	b = binary.LittleEndian.AppendUint64(b, uint64(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.entry))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.maxLevel))
	if h.ids != nil {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = pad(b, 8)
	for _, f := range h.vecs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	b = pad(b, 8)
	for _, id := range h.ids {
		b = binary.LittleEndian.AppendUint64(b, uint64(id))
	}
	b = append(b, h.levels...)
	b = pad(b, 4)
	for _, x := range h.links0 {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	for _, u := range h.upper {
		for _, x := range u {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return b, nil
}

// pad appends zeros up to a multiple of k bytes.
func pad(b []byte, k int) []byte {
	for len(b)%k != 0 {
		b = append(b, 0)
	}
	return b
}

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorruptIndex}, args...)...)
}

// hnswReader consumes b; any short read sets err. size is the length of
// the whole input, so offsets count from the file's start.
type hnswReader struct {
	b    []byte
	size int
	v2   bool // version 2: arrays padded to their element size
	err  error
}

// align skips the zero padding up to a multiple of k bytes (version 2).
func (r *hnswReader) align(k int) {
	if !r.v2 || r.err != nil {
		return
	}
	off := r.size - len(r.b)
	for _, x := range r.take((k-off%k)%k, "padding") {
		if x != 0 {
			r.err = corruptf("non-zero padding at offset %d", off)
		}
	}
}

func (r *hnswReader) take(k int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if k < 0 || k > len(r.b) {
		r.err = corruptf("truncated %s", what)
		return nil
	}
	out := r.b[:k]
	r.b = r.b[k:]
	return out
}

func (r *hnswReader) u8(what string) uint8 {
	if p := r.take(1, what); p != nil {
		return p[0]
	}
	return 0
}

func (r *hnswReader) u32(what string) uint32 {
	if p := r.take(4, what); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *hnswReader) u64(what string) uint64 {
	if p := r.take(8, what); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// UnmarshalHNSW decodes an index written by MarshalBinary (either
// version) into memory of its own. Malformed input yields an error wrapping
// ErrCorruptIndex; it never panics and never allocates more than the
// input's size justifies.
func UnmarshalHNSW(b []byte) (*HNSW, error) { return decodeHNSW(b, false) }

// OpenHNSW decodes an index like UnmarshalHNSW but, for a version 2 file
// on a little-endian machine, uses b's vectors, ids and layer-0 links in
// place instead of copying them: b (typically a read-only memory-mapped
// file) must stay valid and unchanged while the index is used. The index is
// read-only: Add and Build fail.
func OpenHNSW(b []byte) (*HNSW, error) {
	h, err := decodeHNSW(b, true)
	if err == nil {
		h.frozen = true
	}
	return h, err
}

func decodeHNSW(b []byte, alias bool) (*HNSW, error) {
	if len(b) < hnswHeaderSize+4 {
		return nil, corruptf("%d bytes is shorter than the header", len(b))
	}
	if m := string(b[:8]); m != hnswMagic && m != hnswMagicV1 {
		return nil, corruptf("bad magic %q", b[:8])
	}
	body := b[:len(b)-4]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[len(b)-4:]); got != want {
		return nil, corruptf("checksum mismatch (%08x != %08x)", got, want)
	}
	r := &hnswReader{b: body[8:], size: len(body), v2: string(b[:8]) == hnswMagic}
	alias = alias && r.v2 && nativeLittleEndian && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%8 == 0
	dim := int(r.u32("dim"))
	metric := Metric(r.u8("metric"))
	m := int(r.u32("M"))
	efc := int(r.u32("efConstruction"))
	seed := r.u64("seed")
	n64 := r.u64("count")
	entry := int32(r.u32("entry"))
	maxLevel := int(r.u32("max level"))
	hasIDs := r.u8("id flag")
	if r.err != nil {
		return nil, r.err
	}
	switch {
	case dim <= 0 || dim > 1<<20:
		return nil, corruptf("dimension %d", dim)
	case !metric.dense():
		return nil, corruptf("metric %d", metric)
	case m < 2 || m > 1<<15:
		return nil, corruptf("M %d", m)
	case efc < 1 || efc > 1<<20:
		return nil, corruptf("efConstruction %d", efc)
	case hasIDs > 1:
		return nil, corruptf("id flag %d", hasIDs)
	case maxLevel > hnswMaxLevel:
		return nil, corruptf("max level %d", maxLevel)
	}
	// Every row needs at least dim*4 + 1 + (1+2M)*4 bytes: bound n by the
	// remaining input before allocating anything.
	perRow := uint64(dim)*4 + 1 + uint64(1+2*m)*4
	if n64 > uint64(len(r.b))/perRow || n64 > math.MaxInt32 {
		return nil, corruptf("count %d does not fit in %d bytes", n64, len(r.b))
	}
	n := int(n64)
	h := newHNSW(dim, metric, m, efc, seed)
	// Re-seed so inserts after a reload do not repeat the first levels.
	h.rng = newHNSWRand(seed, n64)

	r.align(8)
	if h.vecs, r.err = readFloats(r, n*dim, alias); r.err != nil {
		return nil, r.err
	}
	r.align(8)
	if hasIDs == 1 {
		if h.ids, r.err = readInt64s(r, n, alias); r.err != nil {
			return nil, r.err
		}
	}
	levels := r.take(n, "levels")
	r.align(4)
	if r.err != nil {
		return nil, r.err
	}
	h.levels = append([]uint8(nil), levels...)
	if h.links0, r.err = readLinksAt(r, n*(1+h.m0), "layer-0 links", alias); r.err != nil {
		return nil, r.err
	}
	if err := checkSlots(h.links0, h.m0, n, "layer 0"); err != nil {
		return nil, err
	}
	h.upper = make([][]int32, n)
	for i, l := range h.levels {
		if int(l) > maxLevel {
			return nil, corruptf("node %d level %d above max level %d", i, l, maxLevel)
		}
		if l == 0 {
			continue
		}
		u, err := readLinks(r, int(l)*(1+m), "upper links")
		if err != nil {
			return nil, err
		}
		if err := checkSlots(u, m, n, "upper layer"); err != nil {
			return nil, err
		}
		for li := 1; li <= int(l); li++ {
			o := (li - 1) * (1 + m)
			for _, x := range u[o+1 : o+1+int(u[o])] {
				if int(h.levels[x]) < li {
					return nil, corruptf("node %d links on layer %d to node %d of level %d", i, li, x, h.levels[x])
				}
			}
		}
		h.upper[i] = u
	}
	if len(r.b) != 0 {
		return nil, corruptf("%d trailing bytes", len(r.b))
	}
	if n == 0 {
		if entry != -1 || maxLevel != 0 {
			return nil, corruptf("empty index with entry %d, max level %d", entry, maxLevel)
		}
	} else if entry < 0 || int(entry) >= n || int(h.levels[entry]) != maxLevel {
		return nil, corruptf("entry point %d (max level %d)", entry, maxLevel)
	}
	h.entry, h.maxLevel = entry, maxLevel
	return h, nil
}

func readLinks(r *hnswReader, k int, what string) ([]int32, error) {
	return readLinksAt(r, k, what, false)
}

// readLinksAt reads k int32s, in place when alias is set.
func readLinksAt(r *hnswReader, k int, what string, alias bool) ([]int32, error) {
	raw := r.take(4*k, what)
	if r.err != nil {
		return nil, r.err
	}
	if alias && k > 0 {
		return unsafe.Slice((*int32)(unsafe.Pointer(&raw[0])), k), nil
	}
	out := make([]int32, k)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// readFloats reads k float32s, in place when alias is set.
func readFloats(r *hnswReader, k int, alias bool) ([]float32, error) {
	raw := r.take(4*k, "vectors")
	if r.err != nil {
		return nil, r.err
	}
	if alias && k > 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&raw[0])), k), nil
	}
	out := make([]float32, k)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// readInt64s reads k int64s, in place when alias is set.
func readInt64s(r *hnswReader, k int, alias bool) ([]int64, error) {
	raw := r.take(8*k, "ids")
	if r.err != nil {
		return nil, r.err
	}
	if alias && k > 0 {
		return unsafe.Slice((*int64)(unsafe.Pointer(&raw[0])), k), nil
	}
	out := make([]int64, k)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return out, nil
}

// nativeLittleEndian: arrays in a file can be used in place.
var nativeLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// checkSlots validates fixed-size link slots (count, then capacity links).
func checkSlots(links []int32, capacity, n int, what string) error {
	for o := 0; o+1+capacity <= len(links); o += 1 + capacity {
		c := links[o]
		if c < 0 || int(c) > capacity {
			return corruptf("%s link count %d exceeds %d", what, c, capacity)
		}
		for _, x := range links[o+1 : o+1+int(c)] {
			if x < 0 || int(x) >= n {
				return corruptf("%s link to node %d of %d", what, x, n)
			}
		}
	}
	return nil
}
