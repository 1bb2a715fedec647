package half

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestF16Exact(t *testing.T) {
	tests := []struct {
		x    float32
		bits uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {0.5, 0x3800},
		{float32(math.Ldexp(1, -24)), 0x0001}, // smallest subnormal
		{float32(math.Ldexp(1, -14)), 0x0400}, // smallest normal
		{1.0009765625, 0x3c01},                // 1 + 2^-10
		{1.00048828125, 0x3c00},               // halfway 1 and next: ties to even
		{1.00146484375, 0x3c02},               // halfway 0x3c01 and 0x3c02: even
	}
	for _, tc := range tests {
		var h [1]uint16
		if err := Encode(F16, h[:], []float32{tc.x}); err != nil || h[0] != tc.bits {
			t.Errorf("Encode(%g) = %#04x, %v; want %#04x", tc.x, h[0], err, tc.bits)
		}
		var f [1]float32
		Decode(F16, f[:], h[:])
		if back := decodeF16(tc.bits); f[0] != back {
			t.Errorf("Decode(%#04x) = %g, want %g", tc.bits, f[0], back)
		}
	}
	for _, bad := range []float32{65520, -1e6, float32(math.Inf(1)), float32(math.NaN())} {
		var h [1]uint16
		if err := Encode(F16, h[:], []float32{bad}); err == nil {
			t.Errorf("Encode(%g) accepted", bad)
		}
	}
}

// TestRoundTripError: every binary16 decodes and re-encodes to itself,
// and random floats round within half a unit in the last place.
func TestRoundTripError(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		if h&0x7c00 == 0x7c00 {
			continue // Inf, NaN
		}
		var out [1]uint16
		if err := Encode(F16, out[:], []float32{f16ToF32[h]}); err != nil || (out[0] != h && !(h == 0x8000 && out[0] == 0x8000)) {
			t.Fatalf("binary16 %#04x → %g → %#04x (%v)", h, f16ToF32[h], out[0], err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		x := float32(r.NormFloat64() * 100)
		for _, f := range []Format{F16, BF16} {
			var h [1]uint16
			var y [1]float32
			if err := Encode(f, h[:], []float32{x}); err != nil {
				t.Fatal(err)
			}
			Decode(f, y[:], h[:])
			rel := math.Abs(float64(y[0]-x)) / math.Max(math.Abs(float64(x)), 6e-5)
			if limit := map[Format]float64{F16: 1.0 / 2048, BF16: 1.0 / 256}[f]; rel > limit {
				t.Fatalf("%s: %g → %g (relative error %g)", f, x, y[0], rel)
			}
		}
	}
	var h [1]uint16
	if err := Encode(BF16, h[:], []float32{math.MaxFloat32}); err == nil {
		t.Error("bfloat16 of MaxFloat32 (rounds to Inf) accepted")
	}
}

// TestDecodeKernels: Decode (assembly on CPUs that have it) gives exactly
// the portable conversion for every 16-bit value, at every length and
// alignment of the tail.
func TestDecodeKernels(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	for _, f := range []Format{F16, BF16} {
		for _, span := range [][2]int{{0, 1 << 16}, {3, 20}, {1, 8}, {5, 12}, {100, 107}} {
			src := all[span[0]:span[1]]
			got := make([]float32, len(src))
			Decode(f, got, src)
			for i, h := range src {
				want := f16ToF32[h]
				if f == BF16 {
					want = math.Float32frombits(uint32(h) << 16)
				}
				if math.Float32bits(got[i]) != math.Float32bits(want) && !(got[i] != got[i] && want != want) {
					t.Fatalf("%s %#04x: got %g (%#08x), want %g", f, h, got[i], math.Float32bits(got[i]), want)
				}
			}
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	src := make([]uint16, 784)
	dst := make([]float32, 784)
	for _, f := range []Format{F16, BF16} {
		b.Run(f.String(), func(b *testing.B) {
			for range b.N {
				Decode(f, dst, src)
			}
		})
	}
}
