package cpu

// Features of this CPU, set at init.
var (
	// AVX2FMA: AVX2 and FMA3 with the YMM state enabled.
	AVX2FMA bool
	// AVX2: AVX2 with the YMM state enabled.
	AVX2 bool
	// F16C: the half-precision conversions (VCVTPH2PS) with the YMM state
	// enabled.
	F16C bool
)
