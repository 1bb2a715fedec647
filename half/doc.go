// Package half converts between float32 and the two 16-bit float formats
// of Milvus's Float16Vector (IEEE 754 binary16) and BFloat16Vector
// (bfloat16: the top half of a float32).
//
// Invariants:
//   - Conversion to 16 bits rounds to nearest, ties to even; a finite
//     float32 outside binary16's range (|x| > 65504) is an error, never
//     silently infinity. Every bfloat16 holds any finite float32's range;
//     one that rounds past it is an error too.
//   - Conversion to float32 is exact (both formats are subsets of float32).
//   - Stateless and allocation-free: callers pass the destination.
package half
