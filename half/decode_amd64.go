//go:build amd64 && !purego

package half

// Assembly in decode_amd64.s: 8 elements per instruction where the CPU has
// F16C (binary16) or AVX2 (bfloat16), and the OS saves the YMM state.

//go:noescape
func decodeF16C(dst []float32, src []uint16)

//go:noescape
func decodeBF16AVX2(dst []float32, src []uint16)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

var hasF16C, hasAVX2 = detect()

// detect reports F16C and AVX2 support with the YMM state enabled.
func detect() (f16c, avx2 bool) {
	maxLeaf, _, _, _ := cpuid(0, 0)
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx, f16 = 1 << 27, 1 << 28, 1 << 29
	if ecx1&(osxsave|avx) != osxsave|avx {
		return false, false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false, false
	}
	if maxLeaf >= 7 {
		_, ebx7, _, _ := cpuid(7, 0)
		avx2 = ebx7&(1<<5) != 0
	}
	return ecx1&f16 != 0, avx2
}

// decodeFast converts the leading multiple of 8 elements with the
// assembly kernels when the CPU has them and returns how many it did.
func decodeFast(f Format, dst []float32, src []uint16) int {
	n := len(src) &^ 7
	switch {
	case n == 0:
		return 0
	case f == F16 && hasF16C:
		decodeF16C(dst[:n], src[:n])
	case f == BF16 && hasAVX2:
		decodeBF16AVX2(dst[:n], src[:n])
	default:
		return 0
	}
	return n
}
