package index

import "math"

// scoreRange is the set of accepted scores (Metric.score space, smaller is
// better) as lo <= s < hi. An unbounded hi is NaN: !(s >= NaN) is always
// true, so +Inf distances still pass when no radius is given, while a NaN
// score always fails s >= lo. Both checks are branch-cheap in the scan.
type scoreRange struct {
	lo, hi float32
}

var fullRange = scoreRange{lo: float32(math.Inf(-1)), hi: float32(math.NaN())}

func (r scoreRange) contains(s float32) bool {
	return s >= r.lo && !(s >= r.hi)
}

// makeRange converts Milvus range-search bounds to score space.
//
//	L2:        range_filter <= d < radius
//	IP/COSINE: radius < d <= range_filter
//
// Either bound may be nil. Both must be finite numbers (not NaN) and, when
// both are set, range_filter must lie on the better side of radius.
func makeRange(m Metric, radius, rangeFilter *float32) (scoreRange, error) {
	r := fullRange
	if radius != nil {
		if isNaN(*radius) {
			return r, invalidf("radius is NaN")
		}
		r.hi = m.score(*radius) // exclusive in score space for every metric
	}
	if rangeFilter != nil {
		if isNaN(*rangeFilter) {
			return r, invalidf("range_filter is NaN")
		}
		r.lo = m.score(*rangeFilter) // inclusive
	}
	if radius != nil && rangeFilter != nil && !(r.lo < r.hi) {
		if m == MetricL2 {
			return r, invalidf("range_filter (%v) must be less than radius (%v) for %v", *rangeFilter, *radius, m)
		}
		return r, invalidf("range_filter (%v) must be greater than radius (%v) for %v", *rangeFilter, *radius, m)
	}
	return r, nil
}

func isNaN(f float32) bool { return f != f }
