package index

import (
	"fmt"
	"strconv"
	"strings"
)

// File types: the name an index file is stored under (and its format).
const (
	FileHNSW    = "HNSW"
	FileIVFFlat = "IVF_FLAT"
)

// IVFDefaultNlist is the IVF_FLAT build parameter nlist when the index
// gives none.
const IVFDefaultNlist = 128

// ivfMinRowsPerList caps nlist at rows/ivfMinRowsPerList for small
// segments (Faiss asks for at least 39 training points per centroid), so
// a small segment is not split into lists of a handful of rows.
const ivfMinRowsPerList = 39

// EncodeFile builds an index file of type typ (FileHNSW or FileIVFFlat)
// over the rows of vectors (IDs are row numbers) with the user's build
// params (M, efConstruction, nlist; keys case-insensitive), seeded for
// reproducibility. With owned the caller gives vectors up: an HNSW build
// uses them in place (normalized for COSINE) instead of a copy.
func EncodeFile(typ string, params map[string]string, dim int, metric Metric, vectors []float32, seed uint64, owned bool) ([]byte, error) {
	switch typ {
	case FileIVFFlat:
		return encodeIVF(params, dim, metric, vectors, seed)
	case FileHNSW:
	default:
		return nil, fmt.Errorf("%w: no index file of type %q", ErrInvalid, typ)
	}
	hn, err := NewHNSW(dim, metric, HNSWConfig{M: IntParam(params, "M", 16), EfConstruction: IntParam(params, "efConstruction", 200), Seed: seed})
	if err != nil {
		return nil, err
	}
	build := func() error { return hn.Build(nil, vectors, 0) } // all cores
	if owned {
		build = func() error { return hn.BuildOwned(vectors, 0) }
	}
	if err := build(); err != nil {
		return nil, fmt.Errorf("index: building HNSW: %w", err)
	}
	return hn.MarshalBinary()
}

// encodeIVF trains an IVF_FLAT index on the vectors and adds them all.
func encodeIVF(params map[string]string, dim int, metric Metric, vectors []float32, seed uint64) ([]byte, error) {
	rows := len(vectors) / max(dim, 1)
	nlist := min(IntParam(params, "nlist", IVFDefaultNlist), max(1, rows/ivfMinRowsPerList))
	x, err := NewIVFFlat(dim, metric, IVFConfig{Nlist: nlist, Seed: seed})
	if err != nil {
		return nil, err
	}
	if err := x.Train(vectors); err != nil {
		return nil, fmt.Errorf("index: training IVF_FLAT: %w", err)
	}
	if err := x.Add(nil, vectors); err != nil {
		return nil, fmt.Errorf("index: filling IVF_FLAT: %w", err)
	}
	return x.MarshalBinary()
}

// IntParam reads a positive integer build parameter (key matched without
// case), def when absent or not a positive integer.
func IntParam(p map[string]string, key string, def int) int {
	for k, v := range p {
		if strings.EqualFold(k, key) {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return n
			}
		}
	}
	return def
}
