//go:build unix

package index

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestHNSWFiles builds HNSW (M=16, efConstruction=200) over base/query
// .fvecs and ground-truth .ivecs files named by the environment, and prints
// the build time and recall@10 / single-thread QPS per ef in the format of
// `raftvec bench index`. It is skipped unless RAFTVEC_HNSW_BASE is set:
//
//	RAFTVEC_HNSW_BASE=/tmp/syn/x_base.fvecs RAFTVEC_HNSW_QUERY=/tmp/syn/x_query.fvecs \
//	RAFTVEC_HNSW_GT=/tmp/syn/x_groundtruth.ivecs \
//	go test ./index/ -run TestHNSWFiles -v -count=1 [-cpuprofile cpu.out]
//
// RAFTVEC_HNSW_PHASE=build or search limits the profile to one phase
// (the other is still run, untimed for the profile's sake, when needed).
func TestHNSWFiles(t *testing.T) {
	basePath := os.Getenv("RAFTVEC_HNSW_BASE")
	if basePath == "" {
		t.Skip("RAFTVEC_HNSW_BASE not set")
	}
	base, dim, nb := readVecsFile(t, basePath)
	qs, qdim, nq := readVecsFile(t, os.Getenv("RAFTVEC_HNSW_QUERY"))
	gtRaw, gdim, gn := readVecsFile(t, os.Getenv("RAFTVEC_HNSW_GT"))
	if qdim != dim || gn != nq || gdim < 10 {
		t.Fatalf("inconsistent files: %dx%d, %dx%d, %dx%d", nb, dim, nq, qdim, gn, gdim)
	}
	const k = 10
	threads := 2
	h, err := NewHNSW(dim, MetricL2, HNSWConfig{M: 16, EfConstruction: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// RAFTVEC_HNSW_INDEX names a saved index: loaded when it exists
	// (search experiments skip the build), else written after the build.
	saved := os.Getenv("RAFTVEC_HNSW_INDEX")
	if b, err := os.ReadFile(saved); saved != "" && err == nil {
		if h, err = UnmarshalHNSW(b); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("index: loaded %s\n", saved)
	} else {
		// RAFTVEC_HNSW_NOREFILL=1 builds with hnswlib's pruning (no
		// keepPrunedConnections) for comparison.
		h.refill = os.Getenv("RAFTVEC_HNSW_NOREFILL") == ""
		start, cpu0 := time.Now(), cpuSeconds()
		if err := h.Build(nil, base, threads); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		fmt.Printf("index: HNSW M=16 efConstruction=200, %d build threads: build %.1fs (%.0f vectors/s), cpu %.1fs\n",
			threads, el.Seconds(), float64(nb)/el.Seconds(), cpuSeconds()-cpu0)
		if saved != "" {
			b, _ := h.MarshalBinary()
			if err := os.WriteFile(saved, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if os.Getenv("RAFTVEC_HNSW_PHASE") == "build" {
		return
	}
	queries := make([][]float32, nq)
	for i := range queries {
		queries[i] = qs[i*dim : (i+1)*dim]
	}
	p := SearchParams{Metric: MetricL2, TopK: k}
	for i := range min(nq, 200) {
		if _, err := h.SearchEf(queries[i:i+1], p, 10); err != nil {
			t.Fatal(err)
		}
	}
	rounds := 1
	if os.Getenv("RAFTVEC_HNSW_PHASE") == "search" {
		rounds = 10
		runtime.GC()
	}
	for _, ef := range []int{10, 20, 40, 80} {
		found := 0
		start, cpu0 := time.Now(), cpuSeconds()
		for range rounds {
			found = 0
			for i, q := range queries {
				res, err := h.SearchEf([][]float32{q}, p, ef)
				if err != nil {
					t.Fatal(err)
				}
				truth := map[int64]bool{}
				for _, id := range gtRaw[i*gdim : i*gdim+k] {
					truth[int64(math.Float32bits(id))] = true
				}
				for _, hh := range res[0] {
					if truth[hh.ID] {
						found++
						delete(truth, hh.ID)
					}
				}
			}
		}
		el, cpu := time.Since(start), cpuSeconds()-cpu0
		fmt.Printf("ef=%-7d recall@%d=%.4f  QPS=%.0f (single thread, incl. recall bookkeeping), per cpu-second %.0f\n", ef, k,
			float64(found)/float64(nq*k), float64(nq*rounds)/el.Seconds(), float64(nq*rounds)/cpu)
	}
}

// readVecsFile reads an .fvecs or .ivecs file; .ivecs values are returned
// as their bit patterns in float32s.
func readVecsFile(t *testing.T, path string) (vals []float32, dim, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(b); {
		d := int(binary.LittleEndian.Uint32(b[off:]))
		if dim == 0 {
			dim = d
			vals = make([]float32, 0, len(b)/(4+4*d)*d)
		}
		if d != dim || off+4+4*d > len(b) {
			t.Fatalf("%s: bad row at byte %d", path, off)
		}
		for i := range d {
			vals = append(vals, math.Float32frombits(binary.LittleEndian.Uint32(b[off+4+4*i:])))
		}
		off += 4 + 4*d
		n++
	}
	return vals, dim, n
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
