// Package cpu reports the x86-64 vector extensions the assembly kernels
// of packages index and half need (AVX2, FMA, F16C), each only when the
// OS also saves the YMM state on context switches. It reads CPUID and
// XGETBV once at init; on other architectures every feature is false.
package cpu
