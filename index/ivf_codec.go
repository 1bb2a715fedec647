package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// IVF_FLAT binary format, version 1 (all integers little endian):
//
//	magic      [8]byte "RVIVF001"
//	dim        uint32
//	metric     uint8
//	nlist      uint32   configured Nlist
//	iters      uint32   configured TrainIters
//	seed       uint64
//	lists      uint32   number of centroids/lists; 0 = untrained
//	rows       uint64   total number of vectors
//	centroids  lists*dim float32
//	counts     lists uint64, summing to rows
//	per list:  count int64 IDs, then count*dim float32
//	crc        uint32   CRC-32C (Castagnoli) of every preceding byte
const ivfMagic = "RVIVF001"

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
	size := ivfHeaderLen + 4*len(x.centroids) + 4
	for _, l := range x.lists {
		size += 8 + 8*len(l.ids) + 4*len(l.vecs)
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
	b = ivfAppendFloats(b, x.centroids)
	for _, l := range x.lists {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(l.ids)))
	}
	for _, l := range x.lists {
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

// UnmarshalIVFFlat decodes an index written by MarshalBinary. Malformed,
// truncated or checksum-failing input yields an error wrapping ErrCorruptIVF
// (or ErrInvalid for an impossible configuration); it never panics.
func UnmarshalIVFFlat(data []byte) (*IVFFlat, error) {
	if len(data) < ivfHeaderLen+4 {
		return nil, ivfCorruptf("%d bytes is too short", len(data))
	}
	if string(data[:8]) != ivfMagic {
		if string(data[:5]) == ivfMagic[:5] {
			return nil, ivfCorruptf("unsupported IVF format version %q", data[5:8])
		}
		return nil, ivfCorruptf("bad magic %q", data[:8])
	}
	body := data[:len(data)-4]
	if got, want := crc32.Checksum(body, ivfCRCTable), binary.LittleEndian.Uint32(data[len(body):]); got != want {
		return nil, ivfCorruptf("checksum mismatch (%08x != %08x)", got, want)
	}
	d := ivfDecoder{b: body[8:]}
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
		if rows != 0 || d.remaining() != 0 {
			return nil, ivfCorruptf("%d trailing bytes", d.remaining())
		}
		return x, nil
	}
	x.centroids = d.floats(nl, dim)
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
		ids := make([]int64, c)
		for j := range ids {
			ids[j] = int64(d.u64())
		}
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
// and returning zeros after it.
type ivfDecoder struct {
	b   []byte
	err error
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
	out := make([]float32, rows*dim)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
