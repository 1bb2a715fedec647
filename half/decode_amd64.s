//go:build amd64 && !purego

#include "textflag.h"

// func decodeF16C(dst []float32, src []uint16)
//
// Converts the first len(src)&^7 elements, 8 at a time (VCVTPH2PS); dst
// must have room for them.
TEXT ·decodeF16C(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $3, CX
	JZ   f16done

f16loop:
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       f16loop

f16done:
	VZEROUPPER
	RET

// func decodeBF16AVX2(dst []float32, src []uint16)
//
// Converts the first len(src)&^7 elements, 8 at a time: each 16-bit value
// becomes the top half of a float32.
TEXT ·decodeBF16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $3, CX
	JZ   bf16done

bf16loop:
	VPMOVZXWD (SI), Y0
	VPSLLD    $16, Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       bf16loop

bf16done:
	VZEROUPPER
	RET
