//go:build amd64 && !purego

package half

import "github.com/raftvec/raftvec/internal/cpu"

// Assembly in decode_amd64.s: 8 elements per instruction where the CPU has
// F16C (binary16) or AVX2 (bfloat16), and the OS saves the YMM state.

//go:noescape
func decodeF16C(dst []float32, src []uint16)

//go:noescape
func decodeBF16AVX2(dst []float32, src []uint16)

// decodeFast converts the leading multiple of 8 elements with the
// assembly kernels when the CPU has them and returns how many it did.
func decodeFast(f Format, dst []float32, src []uint16) int {
	n := len(src) &^ 7
	switch {
	case n == 0:
		return 0
	case f == F16 && cpu.F16C:
		decodeF16C(dst[:n], src[:n])
	case f == BF16 && cpu.AVX2:
		decodeBF16AVX2(dst[:n], src[:n])
	default:
		return 0
	}
	return n
}
