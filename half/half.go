package half

import (
	"fmt"
	"math"
)

// Format is a 16-bit float format.
type Format uint8

// Formats.
const (
	F16  Format = iota + 1 // IEEE 754 binary16 (Float16Vector)
	BF16                   // bfloat16 (BFloat16Vector)
)

func (f Format) String() string {
	if f == BF16 {
		return "BFloat16"
	}
	return "Float16"
}

// f16ToF32 is the binary16 → float32 table (256 KiB, filled at init).
var f16ToF32 [1 << 16]float32

func init() {
	for i := range f16ToF32 {
		f16ToF32[i] = decodeF16(uint16(i))
	}
}

// decodeF16 converts one binary16 bit pattern exactly.
func decodeF16(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// subnormal: mant × 2^-24
	f := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}

// Decode converts src to float32 into dst (len(dst) >= len(src)).
func Decode(f Format, dst []float32, src []uint16) {
	dst = dst[:len(src)]
	if n := decodeFast(f, dst, src); n > 0 {
		dst, src = dst[n:], src[n:]
	}
	if f == BF16 {
		for i, h := range src {
			dst[i] = math.Float32frombits(uint32(h) << 16)
		}
		return
	}
	for i, h := range src {
		dst[i] = f16ToF32[h]
	}
}

// Encode converts src to f into dst (len(dst) >= len(src)), rounding to
// nearest even; a value the format cannot hold is an error naming its
// position.
func Encode(f Format, dst []uint16, src []float32) error {
	dst = dst[:len(src)]
	for i, x := range src {
		var ok bool
		if f == BF16 {
			dst[i], ok = encodeBF16(x)
		} else {
			dst[i], ok = encodeF16(x)
		}
		if !ok {
			return fmt.Errorf("element %d: %g does not fit a %s", i, x, f)
		}
	}
	return nil
}

// encodeBF16 rounds a float32 to bfloat16.
func encodeBF16(x float32) (uint16, bool) {
	b := math.Float32bits(x)
	if b&0x7f800000 == 0x7f800000 { // Inf, NaN
		return 0, false
	}
	h := uint16((b + 0x7fff + (b>>16)&1) >> 16) // round to nearest even
	return h, h&0x7f80 != 0x7f80                // not rounded up to Inf
}

// encodeF16 rounds a float32 to binary16.
func encodeF16(x float32) (uint16, bool) {
	b := math.Float32bits(x)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		return 0, false // Inf, NaN
	}
	e := exp - 127 + 15
	switch {
	case e >= 0x1f:
		return 0, false
	case e <= 0: // subnormal or zero in binary16
		if e < -10 {
			return sign, true // underflows to ±0
		}
		m := mant | 0x800000
		shift := uint32(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h), true
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++ // may carry into the exponent: still right
	}
	if h>>10 >= 0x1f {
		return 0, false
	}
	return sign | uint16(h), true
}
