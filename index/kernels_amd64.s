//go:build amd64 && !purego

#include "textflag.h"

// func l2AVX2(a, b []float32) float32
//
// Processes min(len(a), len(b)) elements: 32 per iteration in four YMM
// accumulators, then 8 at a time into the first, then a horizontal sum and
// a scalar tail.
TEXT ·l2AVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DI
	MOVQ b_len+32(FP), DX
	CMPQ DX, CX
	CMOVQLT DX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

l2loop32:
	CMPQ CX, $32
	JL   l2loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VSUBPS (DI), Y4, Y4
	VSUBPS 32(DI), Y5, Y5
	VSUBPS 64(DI), Y6, Y6
	VSUBPS 96(DI), Y7, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  l2loop32

l2loop8:
	CMPQ CX, $8
	JL   l2reduce
	VMOVUPS (SI), Y4
	VSUBPS (DI), Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  l2loop8

l2reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0

l2tail:
	TESTQ CX, CX
	JE    l2done
	VMOVSS (SI), X1
	VSUBSS (DI), X1, X1
	VFMADD231SS X1, X1, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  l2tail

l2done:
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func dotAVX2(a, b []float32) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DI
	MOVQ b_len+32(FP), DX
	CMPQ DX, CX
	CMOVQLT DX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dotloop32:
	CMPQ CX, $32
	JL   dotloop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dotloop32

dotloop8:
	CMPQ CX, $8
	JL   dotreduce
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dotloop8

dotreduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0

dottail:
	TESTQ CX, CX
	JE    dotdone
	VMOVSS (SI), X1
	VFMADD231SS (DI), X1, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dottail

dotdone:
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// Batch kernels: out[i] = l2/dot(q, vecs[ids[i]*dim : (ids[i]+1)*dim]) for
// every i < len(ids), with dim = len(q). One call per HNSW expansion
// replaces len(ids) calls, and the rows (random, so cache misses) are
// prefetched D rows ahead of the one being summed, which hides most of the
// memory latency: D = PFBYTES/row bytes, clamped to [1, PFMAX] (16 rows
// for 128 dimensions, 2 for 784). Each row is reduced exactly like l2AVX2 /
// dotAVX2, so a batch result is bit-identical to the single-pair kernel's.
// The caller guarantees len(out) >= len(ids) and that every row lies
// inside vecs.
//
// Registers: R8 q, R9 dim, R10 vecs, R11 ids, R12 len(ids), R13 D,
// R14 row bytes, BX i; SI/DI/CX per-row pointers and count; AX, DX scratch.

#define PFBYTES 8192
#define PFMAX 16

// func l2BatchAVX2(q, vecs []float32, ids []int32, out []float32)
TEXT ·l2BatchAVX2(SB), NOSPLIT, $0-96
	MOVQ q_base+0(FP), R8
	MOVQ q_len+8(FP), R9
	MOVQ vecs_base+24(FP), R10
	MOVQ ids_base+48(FP), R11
	MOVQ ids_len+56(FP), R12
	MOVQ R9, R14
	SHLQ $2, R14
	TESTQ R12, R12
	JE    l2bdone
	TESTQ R14, R14
	JE    l2bdone

	// D = min(max(PFBYTES/(row bytes), 1), PFMAX)
	MOVQ $PFBYTES, AX
	XORQ DX, DX
	DIVQ R14
	MOVQ $1, R13
	CMPQ AX, R13
	CMOVQGT AX, R13
	MOVQ $PFMAX, AX
	CMPQ R13, AX
	CMOVQGT AX, R13

	// Prefetch the first D rows.
	XORQ BX, BX

l2bpre:
	CMPQ  BX, R12
	JGE   l2bstart
	CMPQ  BX, R13
	JGE   l2bstart
	MOVL  (R11)(BX*4), AX
	IMULQ R14, AX
	ADDQ  R10, AX
	XORQ  DX, DX

l2bprel:
	PREFETCHT0 (AX)(DX*1)
	ADDQ $64, DX
	CMPQ DX, R14
	JL   l2bprel
	PREFETCHT0 -1(AX)(R14*1)
	INCQ BX
	JMP  l2bpre

l2bstart:
	XORQ BX, BX

l2brow:
	MOVL  (R11)(BX*4), AX
	IMULQ R14, AX
	LEAQ  (R10)(AX*1), DI

	// Prefetch row i+D.
	LEAQ  (BX)(R13*1), AX
	CMPQ  AX, R12
	JGE   l2bsum
	MOVL  (R11)(AX*4), AX
	IMULQ R14, AX
	ADDQ  R10, AX
	XORQ  DX, DX

l2bpf:
	PREFETCHT0 (AX)(DX*1)
	ADDQ $64, DX
	CMPQ DX, R14
	JL   l2bpf
	PREFETCHT0 -1(AX)(R14*1)

l2bsum:
	MOVQ   R8, SI
	MOVQ   R9, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

l2bloop32:
	CMPQ CX, $32
	JL   l2bloop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VSUBPS (DI), Y4, Y4
	VSUBPS 32(DI), Y5, Y5
	VSUBPS 64(DI), Y6, Y6
	VSUBPS 96(DI), Y7, Y7
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS Y7, Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  l2bloop32

l2bloop8:
	CMPQ CX, $8
	JL   l2breduce
	VMOVUPS (SI), Y4
	VSUBPS (DI), Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  l2bloop8

l2breduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0

l2btail:
	TESTQ CX, CX
	JE    l2bstore
	VMOVSS (SI), X1
	VSUBSS (DI), X1, X1
	VFMADD231SS X1, X1, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  l2btail

l2bstore:
	MOVQ   out_base+72(FP), AX
	VMOVSS X0, (AX)(BX*4)
	INCQ   BX
	CMPQ   BX, R12
	JL     l2brow

l2bdone:
	VZEROUPPER
	RET

// func dotBatchAVX2(q, vecs []float32, ids []int32, out []float32)
TEXT ·dotBatchAVX2(SB), NOSPLIT, $0-96
	MOVQ q_base+0(FP), R8
	MOVQ q_len+8(FP), R9
	MOVQ vecs_base+24(FP), R10
	MOVQ ids_base+48(FP), R11
	MOVQ ids_len+56(FP), R12
	MOVQ R9, R14
	SHLQ $2, R14
	TESTQ R12, R12
	JE    dotbdone
	TESTQ R14, R14
	JE    dotbdone

	// D = min(max(PFBYTES/(row bytes), 1), PFMAX)
	MOVQ $PFBYTES, AX
	XORQ DX, DX
	DIVQ R14
	MOVQ $1, R13
	CMPQ AX, R13
	CMOVQGT AX, R13
	MOVQ $PFMAX, AX
	CMPQ R13, AX
	CMOVQGT AX, R13

	// Prefetch the first D rows.
	XORQ BX, BX

dotbpre:
	CMPQ  BX, R12
	JGE   dotbstart
	CMPQ  BX, R13
	JGE   dotbstart
	MOVL  (R11)(BX*4), AX
	IMULQ R14, AX
	ADDQ  R10, AX
	XORQ  DX, DX

dotbprel:
	PREFETCHT0 (AX)(DX*1)
	ADDQ $64, DX
	CMPQ DX, R14
	JL   dotbprel
	PREFETCHT0 -1(AX)(R14*1)
	INCQ BX
	JMP  dotbpre

dotbstart:
	XORQ BX, BX

dotbrow:
	MOVL  (R11)(BX*4), AX
	IMULQ R14, AX
	LEAQ  (R10)(AX*1), DI

	// Prefetch row i+D.
	LEAQ  (BX)(R13*1), AX
	CMPQ  AX, R12
	JGE   dotbsum
	MOVL  (R11)(AX*4), AX
	IMULQ R14, AX
	ADDQ  R10, AX
	XORQ  DX, DX

dotbpf:
	PREFETCHT0 (AX)(DX*1)
	ADDQ $64, DX
	CMPQ DX, R14
	JL   dotbpf
	PREFETCHT0 -1(AX)(R14*1)

dotbsum:
	MOVQ   R8, SI
	MOVQ   R9, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dotbloop32:
	CMPQ CX, $32
	JL   dotbloop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dotbloop32

dotbloop8:
	CMPQ CX, $8
	JL   dotbreduce
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dotbloop8

dotbreduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0

dotbtail:
	TESTQ CX, CX
	JE    dotbstore
	VMOVSS (SI), X1
	VFMADD231SS (DI), X1, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dotbtail

dotbstore:
	MOVQ   out_base+72(FP), AX
	VMOVSS X0, (AX)(BX*4)
	INCQ   BX
	CMPQ   BX, R12
	JL     dotbrow

dotbdone:
	VZEROUPPER
	RET

// func prefetchLines(p *int32, n int)
//
// Prefetches (T0) the cache lines of the n bytes at p, n > 0.
TEXT ·prefetchLines(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), AX
	MOVQ n+8(FP), CX
	XORQ DX, DX

pfloop:
	PREFETCHT0 (AX)(DX*1)
	ADDQ $64, DX
	CMPQ DX, CX
	JL   pfloop
	PREFETCHT0 -1(AX)(CX*1)
	RET
