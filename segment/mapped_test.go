package segment

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// fakeMaps stands in for the node's file mappings: it hands out copies of
// objects as "mapped" bytes and counts the unmaps.
type fakeMaps struct {
	objects  map[string][]byte
	local    func(key string) bool // nil: every object has a local file
	mapped   atomic.Int64
	unmapped atomic.Int64
}

func (m *fakeMaps) mapper(key string) ([]byte, func() error, bool) {
	b, ok := m.objects[key]
	if !ok || (m.local != nil && !m.local(key)) {
		return nil, nil, false
	}
	m.mapped.Add(1)
	var once atomic.Bool
	return bytes.Clone(b), func() error {
		if !once.CompareAndSwap(false, true) {
			panic("unmapped twice")
		}
		m.unmapped.Add(1)
		return nil
	}, true
}

// lazyVectorSegment returns a flushed segment of 250 rows in three chunks,
// restored without its vectors, the segment it was flushed from, and its
// objects.
func lazyVectorSegment(t *testing.T) (got, orig *Segment, s *Schema, vf int, objects map[string][]byte) {
	t.Helper()
	s = allTypesSchema(t, false)
	vf = slices.IndexFunc(s.Fields, func(f Field) bool { return f.Type == TypeFloatVector })
	objects = map[string][]byte{}
	orig = filledSegment(t, s, 250, 3, 200)
	flushAll(t, orig, s, 100, objects)
	got, err := DecodeSegment(&Decoder{Buf: encodeSegment(orig)}, s, loaderOf(objects))
	if err != nil {
		t.Fatal(err)
	}
	return got, orig, s, vf, objects
}

func loaderOf(objects map[string][]byte) Loader {
	return func(key string) ([]byte, error) {
		if b, ok := objects[key]; ok {
			return b, nil
		}
		return nil, errors.New("no such object")
	}
}

// TestMappedVectorColumn: a flushed segment's vector column loads mapped
// in place, one part per chunk, reads and encodes like the heap column,
// refuses writes, and its mappings are released once it is evicted and
// unreachable.
func TestMappedVectorColumn(t *testing.T) {
	g, orig, s, vf, objects := lazyVectorSegment(t)
	maps := &fakeMaps{objects: objects}
	if err := g.LoadMapped(maps.mapper, vf); err != nil {
		t.Fatal(err)
	}
	if !g.Mapped(vf) || !g.Resident(vf) || maps.mapped.Load() != 3 {
		t.Fatalf("mapped %v, resident %v, %d chunks mapped", g.Mapped(vf), g.Resident(vf), maps.mapped.Load())
	}
	col := &g.Columns[vf]
	if col.Vectors != nil || col.Len() != 250 {
		t.Fatalf("mapped column: %d heap floats, %d rows", len(col.Vectors), col.Len())
	}
	for i := 0; i < 250; i++ {
		if !slices.Equal(col.Vector(i), orig.Columns[vf].Vector(i)) {
			t.Fatalf("row %d differs", i)
		}
	}
	var firsts []int
	_ = col.VectorParts(func(first int, v []float32) error {
		firsts = append(firsts, first)
		return nil
	})
	if !slices.Equal(firsts, []int{0, 100, 200}) {
		t.Fatalf("parts start at %v", firsts)
	}
	for f := range s.Fields { // the half-precision columns load onto the heap
		if f != vf && s.Fields[f].Type.IsDense() {
			if err := g.LoadMapped(maps.mapper, f); err != nil || g.Mapped(f) {
				t.Fatalf("half column %d: mapped %v, %v", f, g.Mapped(f), err)
			}
		}
	}
	assertSameBatch(t, &Batch{Columns: g.Columns}, &Batch{Columns: orig.Columns})
	if !bytes.Equal(encodeBatch(&Batch{Columns: g.Columns}), encodeBatch(&Batch{Columns: orig.Columns})) {
		t.Fatal("a mapped column encodes differently")
	}
	for name, write := range map[string]func(){
		"Append":      func() { col.Append(&orig.Columns[vf], 0) },
		"AppendValue": func() { col.AppendValue(orig.Columns[vf].Vector(0)) },
		"AppendAll":   func() { col.AppendAll(&orig.Columns[vf]) },
		"Reserve":     func() { col.Reserve(10) },
		"Slice":       func() { col.Slice(0, 1) },
	} {
		if !panics(write) {
			t.Errorf("%s on a mapped column did not panic", name)
		}
	}
	var heap Column
	heap.Type, heap.Dim = col.Type, col.Dim
	heap.AppendAll(col)
	if !slices.Equal(heap.Vectors, orig.Columns[vf].Vectors) {
		t.Fatal("AppendAll from a mapped column copied other rows")
	}

	g.EvictVectors(s, loaderOf(objects))
	col = nil
	if g.Resident(vf) || g.Mapped(vf) {
		t.Fatal("evicted column still resident")
	}
	waitUnmapped(t, maps, 3)
}

func waitUnmapped(t *testing.T, maps *fakeMaps, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for maps.unmapped.Load() < want && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := maps.unmapped.Load(); got != want {
		t.Fatalf("%d of %d mappings released", got, want)
	}
}

func panics(fn func()) (p bool) {
	defer func() { p = recover() != nil }()
	fn()
	return false
}

// TestMappedFallsBackToHeap: a column with a chunk that has no local file
// is read onto the heap (mappings taken so far released at once); a chunk
// whose bytes do not match the manifest fails the load with ErrCorrupt.
func TestMappedFallsBackToHeap(t *testing.T) {
	g, orig, _, vf, objects := lazyVectorSegment(t)
	last := g.Chunks[2].Keys[vf]
	maps := &fakeMaps{objects: objects, local: func(key string) bool { return key != last }}
	if err := g.LoadMapped(maps.mapper, vf); err != nil {
		t.Fatal(err)
	}
	if g.Mapped(vf) || !g.Resident(vf) || !slices.Equal(g.Columns[vf].Vectors, orig.Columns[vf].Vectors) {
		t.Fatalf("fallback: mapped %v, resident %v, same rows %v", g.Mapped(vf), g.Resident(vf), slices.Equal(g.Columns[vf].Vectors, orig.Columns[vf].Vectors))
	}
	if maps.unmapped.Load() != maps.mapped.Load() || maps.mapped.Load() != 2 {
		t.Fatalf("%d mapped, %d released", maps.mapped.Load(), maps.unmapped.Load())
	}

	g, _, _, vf, objects = lazyVectorSegment(t)
	key := g.Chunks[1].Keys[vf]
	bad := bytes.Clone(objects[key])
	bad[len(bad)/2] ^= 1
	maps = &fakeMaps{objects: map[string][]byte{}}
	for k, v := range objects {
		maps.objects[k] = v
	}
	maps.objects[key] = bad
	if err := g.LoadMapped(maps.mapper, vf); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged chunk: %v, want ErrCorrupt", err)
	}
	if g.Resident(vf) || maps.unmapped.Load() != maps.mapped.Load() {
		t.Fatalf("after a failed load: resident %v, %d mapped, %d released", g.Resident(vf), maps.mapped.Load(), maps.unmapped.Load())
	}
}

// FuzzChunkVectorsInPlace: whatever bytes it is given, the in-place reader
// accepts only chunk files the decoding reader accepts, with the same floats.
func FuzzChunkVectorsInPlace(f *testing.F) {
	fl := &Field{ID: 7, Name: "v", Type: TypeFloatVector, Dim: 3}
	c := Column{Type: TypeFloatVector, Dim: 3, Vectors: []float32{1, 2, 3, 4, float32(math.Inf(1)), -0.5}}
	f.Add(EncodeChunkFile(7, &c, 0, 2), 2)
	f.Add(EncodeChunkFile(7, &c, 1, 2), 1)
	f.Add(EncodeChunkFile(8, &c, 0, 2), 2)
	f.Add([]byte(chunkMagic), 0)
	f.Fuzz(func(t *testing.T, b []byte, rows int) {
		if rows < 0 || rows > 1<<16 {
			return
		}
		v, err := chunkVectorsInPlace(b, fl, rows)
		if err != nil {
			return
		}
		id, col, err := DecodeChunkFile(b)
		if err != nil || id != fl.ID || col.Len() != rows || col.Dim != fl.Dim {
			t.Fatalf("in place accepted what decoding refuses: %v (field %d, %d rows)", err, id, col.Len())
		}
		if len(v) != len(col.Vectors) {
			t.Fatalf("%d floats in place, %d decoded", len(v), len(col.Vectors))
		}
		for i := range v {
			if math.Float32bits(v[i]) != math.Float32bits(col.Vectors[i]) {
				t.Fatalf("float %d: %v in place, %v decoded", i, v[i], col.Vectors[i])
			}
		}
	})
}
