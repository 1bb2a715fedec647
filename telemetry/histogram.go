package telemetry

import (
	"sort"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// numBuckets is the number of finite buckets of LatencyBuckets.
const numBuckets = 16

// LatencyBuckets are the upper bounds, in seconds, of raftvec's request
// latency histograms: 0.5 ms doubling up to 16.4 s (the HTTP histogram's).
var LatencyBuckets = prometheus.ExponentialBuckets(0.0005, 2, numBuckets)

// bucketBounds are LatencyBuckets as durations.
var bucketBounds = func() (b [numBuckets]time.Duration) {
	for i, s := range LatencyBuckets {
		b[i] = time.Duration(s * float64(time.Second))
	}
	return b
}()

// Histogram is a lock-free latency histogram over LatencyBuckets. It is
// not registered: its owner's collector reads it with Snapshot at scrape
// time, so an object that goes away (a closed Raft group) takes its series
// with it. The zero value is ready; Observe is safe for concurrent use.
type Histogram struct {
	counts   [numBuckets + 1]atomic.Uint64 // per bucket (not cumulative); the last is +Inf
	sumNanos atomic.Uint64
}

// Observe records one duration (negative ones count as 0).
func (h *Histogram) Observe(d time.Duration) {
	d = max(d, 0)
	i := sort.Search(numBuckets, func(i int) bool { return d <= bucketBounds[i] })
	h.counts[i].Add(1)
	h.sumNanos.Add(uint64(d))
}

// HistogramSnapshot is a Histogram read at one moment, in Prometheus's
// terms: cumulative bucket counts by upper bound (seconds).
type HistogramSnapshot struct {
	Count   uint64
	Sum     float64 // seconds
	Buckets map[float64]uint64
}

// Snapshot reads h (a nil h reads as empty). Count is the sum of the
// buckets, so the snapshot is self-consistent even while observations
// land.
func (h *Histogram) Snapshot() HistogramSnapshot {
	s := HistogramSnapshot{Buckets: make(map[float64]uint64, numBuckets)}
	if h == nil {
		for _, ub := range LatencyBuckets {
			s.Buckets[ub] = 0
		}
		return s
	}
	for i, ub := range LatencyBuckets {
		s.Count += h.counts[i].Load()
		s.Buckets[ub] = s.Count
	}
	s.Count += h.counts[numBuckets].Load()
	s.Sum = time.Duration(h.sumNanos.Load()).Seconds()
	return s
}
