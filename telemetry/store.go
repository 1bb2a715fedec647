package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StoreOps are the object store operations (storage.ObjectStore's
// methods), the values of the op label.
var StoreOps = []string{"put", "get", "stat", "list", "delete"}

// StoreBuckets are the bounds of the object store latency histogram:
// 0.5 ms doubling up to 32.8 s (a large chunk or index file to MinIO).
var StoreBuckets = prometheus.ExponentialBuckets(0.0005, 2, 17)

// Store counts object store calls; it implements storage.Observer.
type Store struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	ops      map[string]storeOp // read-only after NewStore: no lock
}

type storeOp struct {
	duration prometheus.Observer
	errors   prometheus.Counter
	bytes    prometheus.Counter
}

// NewStore returns the object store metrics, every op's series at zero.
func NewStore() *Store {
	s := &Store{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "raftvec_object_store_duration_seconds",
			Help:    "Latency of this node's object store calls by operation (put, get, stat, list, delete), failed ones included.",
			Buckets: StoreBuckets}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "raftvec_object_store_errors_total",
			Help: "Object store calls of this node that failed, by operation (not counted: a get or stat of a missing object, a call its caller cancelled)."},
			[]string{"op"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "raftvec_object_store_bytes_total",
			Help: "Bytes this node put to and got from object storage, by operation (put, get)."}, []string{"op"}),
		ops: map[string]storeOp{},
	}
	for _, op := range StoreOps {
		o := storeOp{duration: s.duration.WithLabelValues(op), errors: s.errors.WithLabelValues(op)}
		if op == "put" || op == "get" {
			o.bytes = s.bytes.WithLabelValues(op)
		}
		s.ops[op] = o
	}
	return s
}

// ObserveOp records one call: its operation, the bytes it moved, how long
// it took and whether it failed (storage.Observer).
func (s *Store) ObserveOp(op string, bytes int64, d time.Duration, failed bool) {
	o, ok := s.ops[op]
	if !ok {
		return
	}
	o.duration.Observe(d.Seconds())
	if failed {
		o.errors.Inc()
	}
	if o.bytes != nil && bytes > 0 {
		o.bytes.Add(float64(bytes))
	}
}

func (s *Store) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.duration, s.errors, s.bytes}
}
