package index

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

// HNSW binary format, version 1 (all integers little endian):
//
//	magic    [8]byte "RVHNSW01"
//	dim      u32
//	metric   u8
//	M        u32
//	efc      u32
//	seed     u64
//	n        u64
//	entry    i32 (-1 when n == 0)
//	maxLevel u32
//	hasIDs   u8 (0 or 1)
//	vectors  n*dim f32 (normalized for COSINE, as stored)
//	ids      n i64 (only when hasIDs)
//	levels   n u8
//	links0   n*(1+2M) i32 (count, then neighbours, unused slots zero)
//	upper    for each node with level l > 0: l*(1+M) i32
//	crc      u32 CRC-32C (Castagnoli) of every preceding byte
const hnswMagic = "RVHNSW01"

const hnswHeaderSize = 8 + 4 + 1 + 4 + 4 + 8 + 8 + 4 + 4 + 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the index (format documented above).
func (h *HNSW) MarshalBinary() ([]byte, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := len(h.levels)
	size := hnswHeaderSize + 4*len(h.vecs) + n + 4*len(h.links0) + 4
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
	for _, f := range h.vecs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	for _, id := range h.ids {
		b = binary.LittleEndian.AppendUint64(b, uint64(id))
	}
	b = append(b, h.levels...)
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

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorruptIndex}, args...)...)
}

// hnswReader consumes b; any short read sets err.
type hnswReader struct {
	b   []byte
	err error
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

// UnmarshalHNSW decodes an index written by MarshalBinary. Malformed input
// yields an error wrapping ErrCorruptIndex; it never panics and never
// allocates more than the input's size justifies.
func UnmarshalHNSW(b []byte) (*HNSW, error) {
	if len(b) < hnswHeaderSize+4 {
		return nil, corruptf("%d bytes is shorter than the header", len(b))
	}
	if string(b[:8]) != hnswMagic {
		return nil, corruptf("bad magic %q", b[:8])
	}
	body := b[:len(b)-4]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[len(b)-4:]); got != want {
		return nil, corruptf("checksum mismatch (%08x != %08x)", got, want)
	}
	r := &hnswReader{b: body[8:]}
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
	case !metric.Valid():
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

	raw := r.take(4*n*dim, "vectors")
	if r.err != nil {
		return nil, r.err
	}
	h.vecs = make([]float32, n*dim)
	for i := range h.vecs {
		h.vecs[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	if hasIDs == 1 {
		raw = r.take(8*n, "ids")
		if r.err != nil {
			return nil, r.err
		}
		h.ids = make([]int64, n)
		for i := range h.ids {
			h.ids[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	}
	levels := r.take(n, "levels")
	if r.err != nil {
		return nil, r.err
	}
	h.levels = append([]uint8(nil), levels...)
	if h.links0, r.err = readLinks(r, n*(1+h.m0), "layer-0 links"); r.err != nil {
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
	raw := r.take(4*k, what)
	if r.err != nil {
		return nil, r.err
	}
	out := make([]int32, k)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

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
