package index

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every validation error this package returns
// (bad metric name, dimension mismatch, TopK <= 0, inconsistent range or
// grouping parameters). Test with errors.Is.
var ErrInvalid = errors.New("index: invalid argument")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Metric is a similarity metric. The zero value is MetricInvalid, so a
// forgotten SearchParams.Metric is detectable.
type Metric uint8

const (
	MetricInvalid Metric = iota
	MetricL2             // squared Euclidean distance, smaller is better
	MetricIP             // inner product, larger is better
	MetricCosine         // cosine similarity in [-1, 1], larger is better
	MetricBM25           // BM25 relevance of a sparse vector, larger is better
	MetricHamming        // differing bits of two binary vectors, smaller is better
	MetricJaccard        // 1 − |a∧b|/|a∨b| of two binary vectors, smaller is better
)

// ParseMetric parses "L2", "IP", "COSINE", "BM25", "HAMMING" or "JACCARD",
// case-insensitively.
func ParseMetric(s string) (Metric, error) {
	for _, m := range [...]Metric{MetricL2, MetricIP, MetricCosine, MetricBM25, MetricHamming, MetricJaccard} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return MetricInvalid, invalidf("unknown metric type %q (want L2, IP, COSINE, BM25, HAMMING or JACCARD)", s)
}

// String returns the Milvus name of the metric ("L2", "IP", "COSINE",
// "BM25", "HAMMING", "JACCARD").
func (m Metric) String() string {
	switch m {
	case MetricL2:
		return "L2"
	case MetricIP:
		return "IP"
	case MetricCosine:
		return "COSINE"
	case MetricBM25:
		return "BM25"
	case MetricHamming:
		return "HAMMING"
	case MetricJaccard:
		return "JACCARD"
	}
	return "Metric(" + strconv.Itoa(int(m)) + ")"
}

// Valid reports whether m is one of the defined metrics: dense, sparse or
// binary.
func (m Metric) Valid() bool { return m >= MetricL2 && m <= MetricJaccard }

// dense reports whether m applies to dense float vectors (L2, IP, COSINE),
// the metrics Flat, HNSW and IVFFlat accept. BM25 is for sparse vectors
// only, HAMMING and JACCARD for binary vectors only.
func (m Metric) dense() bool { return m >= MetricL2 && m <= MetricCosine }

// LargerIsBetter reports whether larger distances rank first (IP, COSINE,
// BM25).
func (m Metric) LargerIsBetter() bool {
	return m == MetricIP || m == MetricCosine || m == MetricBM25
}

// Better reports whether distance a is strictly better than distance b.
// It is false for an invalid metric and whenever either value is NaN.
func (m Metric) Better(a, b float32) bool {
	switch m {
	case MetricL2, MetricHamming, MetricJaccard:
		return a < b
	case MetricIP, MetricCosine, MetricBM25:
		return a > b
	}
	return false
}

// score maps a distance to an internal key where smaller is always better,
// so one heap and one comparison serve every metric. Negation is exact.
func (m Metric) score(d float32) float32 {
	switch m {
	case MetricL2, MetricHamming, MetricJaccard:
		return d
	}
	return -d
}

// distance is the inverse of score.
func (m Metric) distance(score float32) float32 { return m.score(score) }
