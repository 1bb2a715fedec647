package dataset

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// ErrFormat is wrapped by errors for malformed .fvecs/.ivecs/IDX input.
var ErrFormat = errors.New("dataset: malformed file")

// maxDim bounds the per-record dimension accepted by the readers, so a
// corrupt header cannot ask for a huge allocation.
const maxDim = 1 << 20

// ReadFvecs reads a .fvecs file: per vector a little-endian int32
// dimension followed by that many little-endian float32 values. Every
// record must have the same dimension. An empty file gives n = 0, dim = 0.
func ReadFvecs(path string) (vectors []float32, dim, n int, err error) {
	err = readVecs(path, func(d, rows int) {
		vectors = make([]float32, 0, d*rows)
	}, func(rec []byte) {
		for i := 0; i < len(rec); i += 4 {
			vectors = append(vectors, math.Float32frombits(binary.LittleEndian.Uint32(rec[i:])))
		}
	}, &dim, &n)
	return vectors, dim, n, err
}

// ReadIvecs reads a .ivecs file (as ReadFvecs, with int32 values), e.g.
// ground-truth neighbour lists.
func ReadIvecs(path string) (values []int32, dim, n int, err error) {
	err = readVecs(path, func(d, rows int) {
		values = make([]int32, 0, d*rows)
	}, func(rec []byte) {
		for i := 0; i < len(rec); i += 4 {
			values = append(values, int32(binary.LittleEndian.Uint32(rec[i:])))
		}
	}, &dim, &n)
	return values, dim, n, err
}

// readVecs parses the records of path; alloc is called once with the
// dimension and the row count implied by the file size, then each record's
// value bytes are handed to add.
func readVecs(path string, alloc func(dim, rows int), add func(rec []byte), dimOut, nOut *int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [4]byte
	var rec []byte
	dim, n := 0, 0
	for off := int64(0); ; {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				break
			}
			return fmt.Errorf("%w: %s: record %d at byte %d: truncated header", ErrFormat, path, n, off)
		}
		d := int(int32(binary.LittleEndian.Uint32(hdr[:])))
		if d <= 0 || d > maxDim {
			return fmt.Errorf("%w: %s: record %d at byte %d: dimension %d", ErrFormat, path, n, off, d)
		}
		if n == 0 {
			dim = d
			rec = make([]byte, 4*d)
			alloc(d, int(st.Size()/int64(4+4*d)))
		} else if d != dim {
			return fmt.Errorf("%w: %s: record %d at byte %d: dimension %d, want %d", ErrFormat, path, n, off, d, dim)
		}
		if _, err := io.ReadFull(r, rec); err != nil {
			return fmt.Errorf("%w: %s: record %d at byte %d: truncated (want %d values)", ErrFormat, path, n, off, d)
		}
		add(rec)
		n++
		off += int64(4 + 4*d)
	}
	*dimOut, *nOut = dim, n
	return nil
}

// WriteFvecs writes len(vectors)/dim rows as a .fvecs file, atomically:
// a temporary file in the same directory is written, synced and renamed
// over path.
func WriteFvecs(path string, vectors []float32, dim int) error {
	return writeVecs(path, len(vectors), dim, func(b []byte, i int) {
		binary.LittleEndian.PutUint32(b, math.Float32bits(vectors[i]))
	})
}

// WriteIvecs writes len(values)/dim rows as an .ivecs file, atomically.
func WriteIvecs(path string, values []int32, dim int) error {
	return writeVecs(path, len(values), dim, func(b []byte, i int) {
		binary.LittleEndian.PutUint32(b, uint32(values[i]))
	})
}

func writeVecs(path string, total, dim int, put func(b []byte, i int)) (err error) {
	if dim <= 0 || dim > maxDim {
		return fmt.Errorf("dataset: write %s: dimension %d out of range", path, dim)
	}
	if total%dim != 0 {
		return fmt.Errorf("dataset: write %s: %d values is not a multiple of dimension %d", path, total, dim)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	rec := make([]byte, 4+4*dim)
	binary.LittleEndian.PutUint32(rec, uint32(dim))
	for row := 0; row < total; row += dim {
		for j := range dim {
			put(rec[4+4*j:], row+j)
		}
		if _, err = w.Write(rec); err != nil {
			return err
		}
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename durable; not every platform can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Split returns per-row subslices (sharing memory) of a flat slice of
// len(flat)/dim rows.
func Split[T any](flat []T, dim int) [][]T {
	if dim <= 0 {
		return nil
	}
	out := make([][]T, len(flat)/dim)
	for i := range out {
		out[i] = flat[i*dim : (i+1)*dim : (i+1)*dim]
	}
	return out
}

// Flatten concatenates rows, each cut or required to be dim long; it is the
// inverse of Split (e.g. to write ground truth with WriteIvecs). A row
// shorter than dim is an error.
func Flatten[T any](rows [][]T, dim int) ([]T, error) {
	out := make([]T, 0, len(rows)*dim)
	for i, r := range rows {
		if len(r) < dim {
			return nil, fmt.Errorf("dataset: row %d has %d values, want %d", i, len(r), dim)
		}
		out = append(out, r[:dim]...)
	}
	return out, nil
}
