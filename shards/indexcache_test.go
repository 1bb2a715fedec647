package shards

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/index"
	"github.com/raftvec/raftvec/segment"
)

func TestBuiltPerSegment(t *testing.T) {
	for typ, want := range map[string]bool{"HNSW": true, "autoindex": true, "IVF_FLAT": true, "FLAT": false, "": false} {
		if got := BuiltPerSegment(coordinator.Index{IndexType: typ}); got != want {
			t.Errorf("BuiltPerSegment(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestSearchParams(t *testing.T) {
	for _, c := range []struct {
		params map[string]any
		want   int
	}{
		{nil, IVFDefaultNprobe},
		{map[string]any{"nprobe": float64(4)}, 4},
		{map[string]any{"nprobe": "8"}, 8},
		{map[string]any{"nprobe": int64(0)}, IVFDefaultNprobe},
		{map[string]any{"nprobe": true}, IVFDefaultNprobe},
	} {
		if got := nprobeParam(c.params); got != c.want {
			t.Errorf("nprobeParam(%v) = %d, want %d", c.params, got, c.want)
		}
	}
	if got := efParam(map[string]any{"ef": 100}); got != 100 {
		t.Errorf("efParam = %d", got)
	}
}

// TestIndexCacheLoadsEitherType builds an HNSW and an IVF_FLAT file over
// the same rows, loads both through the cache (once each) and searches
// them with their parameters; a file whose checksum differs is refused.
func TestIndexCacheLoadsEitherType(t *testing.T) {
	const dim, n = 8, 600
	r := rand.New(rand.NewPCG(1, 2))
	vecs := make([]float32, dim*n)
	for i := range vecs {
		vecs[i] = r.Float32()
	}
	files, loads := map[string][]byte{}, 0
	load := func(key string) ([]byte, error) { loads++; return files[key], nil }
	var c indexCache
	for _, typ := range []string{"HNSW", "IVF_FLAT"} {
		b, err := index.EncodeFile(typ, map[string]string{"nlist": "1000"}, dim, index.MetricL2, vecs, 7, false)
		if err != nil {
			t.Fatal(err)
		}
		files[typ] = b
		ref := &segment.IndexRef{Type: typ, Key: typ, Checksum: segment.Checksum(b)}
		for range 2 {
			x, release, err := c.get(ref, indexFiles{load: load})
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			params := map[string]any{"ef": 200, "nprobe": 1000}
			hits, err := x.search([][]float32{vecs[dim*5 : dim*6]}, index.SearchParams{Metric: index.MetricL2, TopK: 3}, params)
			if err != nil || len(hits[0]) != 3 || hits[0][0].ID != 5 {
				t.Fatalf("%s: search for row 5: %v %v", typ, hits, err)
			}
		}
	}
	if loads != 2 {
		t.Fatalf("%d loads, want one per file", loads)
	}
	bad := &segment.IndexRef{Type: "IVF_FLAT", Key: "bad", Checksum: 1}
	files["bad"] = files["IVF_FLAT"]
	if _, _, err := c.get(bad, indexFiles{load: load}); !errors.Is(err, segment.ErrCorrupt) {
		t.Fatalf("checksum mismatch: %v", err)
	}
	// A failed file is not fetched again for a while (searches scan).
	before := loads
	if _, _, err := c.get(bad, indexFiles{load: load}); err == nil || loads != before {
		t.Fatalf("retry of a failed file: %v, %d loads", err, loads-before)
	}
}

// TestIndexCacheMapsFilesInPlace: an index file (HNSW or IVF_FLAT) that is
// a local file is memory-mapped, not read; evicting it unmaps only once no
// search holds it, and a closed cache loads nothing.
func TestIndexCacheMapsFilesInPlace(t *testing.T) {
	for _, typ := range []string{"HNSW", "IVF_FLAT"} {
		t.Run(typ, func(t *testing.T) { mapsInPlace(t, typ) })
	}
}

func mapsInPlace(t *testing.T, typ string) {
	const dim, n = 8, 300
	r := rand.New(rand.NewPCG(3, 4))
	vecs := make([]float32, dim*n)
	for i := range vecs {
		vecs[i] = r.Float32()
	}
	b, err := index.EncodeFile(typ, map[string]string{"nlist": "4"}, dim, index.MetricL2, vecs, 7, false)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), typ)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src := indexFiles{
		path: func(string) (string, error) { return p, nil },
		load: func(string) ([]byte, error) { t.Fatal("read a file that could be mapped"); return nil, nil },
	}
	ref := &segment.IndexRef{Type: typ, Key: "k", Checksum: segment.Checksum(b)}
	var c indexCache
	x, release, err := c.get(ref, src)
	if err != nil {
		t.Fatal(err)
	}
	if n, mapped := c.resident(); n != 1 || mapped != int64(len(b)) {
		t.Fatalf("resident %d indexes, %d bytes mapped; want 1, %d", n, mapped, len(b))
	}
	c.retain(map[string]bool{}) // evicted while held: still searchable
	hits, err := x.search([][]float32{vecs[dim*9 : dim*10]}, index.SearchParams{Metric: index.MetricL2, TopK: 1}, map[string]any{"nprobe": 4})
	if err != nil || hits[0][0].ID != 9 {
		t.Fatalf("search of a held, evicted index: %v %v", hits, err)
	}
	release()
	release() // idempotent
	if n, _ := c.resident(); n != 0 {
		t.Fatalf("%d indexes resident after eviction", n)
	}
	c.close()
	if _, _, err := c.get(ref, src); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("get after close: %v", err)
	}
}

// TestIndexCacheLoadsOutsideItsLock: while one file loads slowly, a loaded
// file is still served, and callers of the loading file share its one load.
func TestIndexCacheLoadsOutsideItsLock(t *testing.T) {
	const dim, n = 4, 100
	vecs := make([]float32, dim*n)
	for i := range vecs {
		vecs[i] = float32(i % 13)
	}
	b, err := index.EncodeFile("IVF_FLAT", map[string]string{"nlist": "4"}, dim, index.MetricL2, vecs, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	var mu sync.Mutex
	loads := map[string]int{}
	src := indexFiles{load: func(key string) ([]byte, error) {
		mu.Lock()
		loads[key]++
		mu.Unlock()
		if key == "slow" {
			<-gate
		}
		return b, nil
	}}
	ref := func(key string) *segment.IndexRef {
		return &segment.IndexRef{Type: "IVF_FLAT", Key: key, Checksum: segment.Checksum(b)}
	}
	var c indexCache
	if _, release, err := c.get(ref("fast"), src); err != nil {
		t.Fatal(err)
	} else {
		release()
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, release, err := c.get(ref("slow"), src); err != nil {
				t.Error(err)
			} else {
				release()
			}
		})
	}
	for { // the slow load has started
		mu.Lock()
		started := loads["slow"] > 0
		mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, release, err := c.get(ref("fast"), src); err != nil {
		t.Fatal(err)
	} else {
		release() // served while "slow" is still loading
	}
	close(gate)
	wg.Wait()
	if loads["slow"] != 1 || loads["fast"] != 1 {
		t.Fatalf("loads %v, want one per file", loads)
	}
}
