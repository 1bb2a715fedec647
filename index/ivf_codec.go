package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"unsafe"
)

// IVF_FLAT binary format, version 2 (all integers little endian):
//
//	magic      [8]byte "RVIVF002" ("RVIVF001": version 1, no padding)
//	dim        uint32
//	metric     uint8
//	nlist      uint32   configured Nlist
//	iters      uint32   configured TrainIters
//	seed       uint64
//	lists      uint32   number of centroids/lists; 0 = untrained
//	rows       uint64   total number of vectors
//	           zero padding to a multiple of 8 bytes (version 2)
//	centroids  lists*dim float32
//	           zero padding to 8 (version 2)
//	counts     lists uint64, summing to rows
//	per list:  (zero padding to 8, version 2) count int64 IDs, then count*dim float32
//	crc        uint32   CRC-32C (Castagnoli) of every preceding byte
//
// Version 2 aligns every array to its element size, so OpenIVFFlat can
// search a memory-mapped file in place.
const (
	ivfMagic   = "RVIVF002"
	ivfMagicV1 = "RVIVF001"
)

const ivfHeaderLen = 8 + 4 + 1 + 4 + 4 + 8 + 4 + 8

var ivfCRCTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptIVF is wrapped by UnmarshalIVFFlat errors for malformed input.
var ErrCorruptIVF = errors.New("index: corrupt serialized index")

func ivfCorruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorruptIVF}, args...)...)
}

// MarshalBinary encodes the index (configuration, centroids and lists).
func (x *IVFFlat) MarshalBinary() ([]byte, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	size := ivfHeaderLen + 8 + 4*len(x.centroids) + 8 + 4
	for _, l := range x.lists {
		size += 8 + 8 + 8*len(l.ids) + 4*len(l.vecs)
	}
	b := make([]byte, 0, size)
	b = append(b, ivfMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(x.dim))
	b = append(b, byte(x.metric))
	b = binary.LittleEndian.AppendUint32(b, uint32(x.cfg.Nlist))
	b = binary.LittleEndian.AppendUint32(b, uint32(x.cfg.TrainIters))
	b = binary.LittleEndian.AppendUint64(b, x.cfg.Seed)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(x.lists)))
	b = binary.LittleEndian.AppendUint64(b, uint64(x.n))
	b = pad(b, 8)
	b = ivfAppendFloats(b, x.centroids)
	b = pad(b, 8)
	for _, l := range x.lists {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(l.ids)))
	}
	for _, l := range x.lists {
		b = pad(b, 8)
		for _, id := range l.ids {
			b = binary.LittleEndian.AppendUint64(b, uint64(id))
		}
		b = ivfAppendFloats(b, l.vecs)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, ivfCRCTable)), nil
}

func ivfAppendFloats(b []byte, fs []float32) []byte {
	for _, f := range fs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// UnmarshalIVFFlat decodes an index written by MarshalBinary (either
// version), copying it. Malformed, truncated or checksum-failing input
// yields an error wrapping ErrCorruptIVF (or ErrInvalid for an impossible
// configuration); it never panics.
func UnmarshalIVFFlat(data []byte) (*IVFFlat, error) { return decodeIVF(data, false) }

// OpenIVFFlat is UnmarshalIVFFlat without the copy: the centroids, IDs and
// vectors of a version-2 file on a little-endian machine are used in place
// (a memory-mapped file stays outside the Go heap). data must stay
// unchanged and mapped while the index is used; the index is read-only
// (Train and Add fail). Other input is copied as by UnmarshalIVFFlat.
func OpenIVFFlat(data []byte) (*IVFFlat, error) {
	x, err := decodeIVF(data, true)
	if err == nil {
		x.frozen = true
	}
	return x, err
}

func decodeIVF(data []byte, alias bool) (*IVFFlat, error) {
	if len(data) < ivfHeaderLen+4 {
		return nil, ivfCorruptf("%d bytes is too short", len(data))
	}
	if m := string(data[:8]); m != ivfMagic && m != ivfMagicV1 {
		if string(data[:5]) == ivfMagic[:5] {
			return nil, ivfCorruptf("unsupported IVF format version %q", data[5:8])
		}
		return nil, ivfCorruptf("bad magic %q", data[:8])
	}
	body := data[:len(data)-4]
	if got, want := crc32.Checksum(body, ivfCRCTable), binary.LittleEndian.Uint32(data[len(body):]); got != want {
		return nil, ivfCorruptf("checksum mismatch (%08x != %08x)", got, want)
	}
	d := ivfDecoder{b: body[8:], size: len(body), v2: string(data[:8]) == ivfMagic}
	d.alias = alias && d.v2 && nativeLittleEndian && uintptr(unsafe.Pointer(unsafe.SliceData(data)))%8 == 0
	dim := int(d.u32())
	metric := Metric(d.u8())
	cfg := IVFConfig{Nlist: int(d.u32()), TrainIters: int(d.u32()), Seed: d.u64()}
	nl := int(d.u32())
	rows := d.u64()
	if d.err != nil {
		return nil, d.err
	}
	x, err := NewIVFFlat(dim, metric, cfg)
	if err != nil {
		return nil, ivfCorruptf("%v", err)
	}
	if cfg.Nlist == 0 || cfg.TrainIters == 0 || nl > cfg.Nlist {
		return nil, ivfCorruptf("inconsistent configuration (nlist %d, iters %d, lists %d)", cfg.Nlist, cfg.TrainIters, nl)
	}
	if nl == 0 {
		d.align(8)
		if rows != 0 || d.remaining() != 0 {
			return nil, ivfCorruptf("%d trailing bytes", d.remaining())
		}
		return x, nil
	}
	d.align(8)
	x.centroids = d.floats(nl, dim)
	d.align(8)
	counts := make([]int, nl)
	var sum uint64
	for i := range counts {
		c := d.u64()
		// Each row needs 8+4*dim bytes: bound counts before allocating.
		if c > uint64(d.remaining())/uint64(8+4*dim) {
			return nil, ivfCorruptf("list %d claims %d rows, only %d bytes left", i, c, d.remaining())
		}
		counts[i] = int(c)
		sum += c
	}
	if d.err != nil {
		return nil, d.err
	}
	if sum != rows || rows > uint64(d.remaining())/uint64(8+4*dim) {
		return nil, ivfCorruptf("list sizes sum to %d, header says %d rows", sum, rows)
	}
	x.lists = make([]ivfList, nl)
	for i, c := range counts {
		d.align(8)
		ids := d.int64s(c)
		x.lists[i] = ivfList{ids: ids, vecs: d.floats(c, dim)}
	}
	x.n = int(rows)
	if d.err != nil {
		return nil, d.err
	}
	if d.remaining() != 0 {
		return nil, ivfCorruptf("%d trailing bytes", d.remaining())
	}
	return x, nil
}

// ivfDecoder reads little-endian values, recording the first overrun in err
// and returning zeros after it. size is the length of the whole body, so
// offsets count from the file's start.
type ivfDecoder struct {
	b     []byte
	size  int
	v2    bool // version 2: arrays padded to their element size
	alias bool // arrays are used in place, not copied
	err   error
}

// align skips the zero padding up to a multiple of k bytes (version 2).
func (d *ivfDecoder) align(k int) {
	if !d.v2 || d.err != nil {
		return
	}
	off := d.size - len(d.b)
	for _, x := range d.take((k - off%k) % k) {
		if x != 0 {
			d.err = ivfCorruptf("non-zero padding at offset %d", off)
		}
	}
}

// int64s reads n int64 values (in place when aliasing).
func (d *ivfDecoder) int64s(n int) []int64 {
	if d.err != nil {
		return nil
	}
	if n < 0 || uint64(n) > uint64(len(d.b))/8 {
		d.err = ivfCorruptf("truncated: %d ids, %d bytes left", n, len(d.b))
		return nil
	}
	b := d.take(8 * n)
	if d.alias && n > 0 {
		return unsafe.Slice((*int64)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

func (d *ivfDecoder) remaining() int { return len(d.b) }

func (d *ivfDecoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = ivfCorruptf("truncated: need %d bytes, %d left", n, len(d.b))
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *ivfDecoder) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *ivfDecoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *ivfDecoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// floats reads rows*dim float32 values, checking the size before
// allocating.
func (d *ivfDecoder) floats(rows, dim int) []float32 {
	if d.err != nil {
		return nil
	}
	if rows < 0 || dim <= 0 || uint64(rows) > uint64(len(d.b))/4/uint64(dim) {
		d.err = ivfCorruptf("truncated: %d x %d floats, %d bytes left", rows, dim, len(d.b))
		return nil
	}
	b := d.take(4 * rows * dim)
	if d.alias && rows*dim > 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), rows*dim)
	}
	out := make([]float32, rows*dim)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
