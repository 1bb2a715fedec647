//go:build amd64

package cpu

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

func init() {
	maxLeaf, _, _, _ := cpuid(0, 0)
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
		f16c    = 1 << 29
	)
	if ecx1&(osxsave|avx) != osxsave|avx {
		return
	}
	if xcr0, _ := xgetbv(); xcr0&0x6 != 0x6 { // XMM and YMM state
		return
	}
	F16C = ecx1&f16c != 0
	if maxLeaf >= 7 {
		_, ebx7, _, _ := cpuid(7, 0)
		AVX2 = ebx7&(1<<5) != 0
	}
	AVX2FMA = AVX2 && ecx1&fma != 0
}
