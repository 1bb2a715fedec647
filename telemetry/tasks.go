package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Task kinds and outcomes, the values of the kind and outcome labels.
const (
	TaskIndex      = "index"
	TaskCompaction = "compaction"

	TaskOK     = "ok"     // done and reported to the coordinator
	TaskFailed = "failed" // failed here; the coordinator's assignment stays and it runs again
	TaskStale  = "stale"  // reassigned meanwhile, or its inputs or collection are gone: the result was dropped
)

// TaskBuckets are the bounds of the task duration histogram: 50 ms
// doubling up to about 27 minutes.
var TaskBuckets = prometheus.ExponentialBuckets(0.05, 2, 16)

// Tasks counts the index builds and compactions this node ran.
type Tasks struct {
	total    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewTasks returns the task metrics, every kind and outcome at zero.
func NewTasks() *Tasks {
	t := &Tasks{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "raftvec_index_tasks_total",
			Help: "Index-build and compaction tasks this node ran, by kind (index, compaction) and outcome (ok, failed, stale)."},
			[]string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "raftvec_index_task_duration_seconds",
			Help:    "Duration of the index-build and compaction tasks this node ran, by kind and outcome (the report to the coordinator included).",
			Buckets: TaskBuckets}, []string{"kind", "outcome"}),
	}
	for _, k := range []string{TaskIndex, TaskCompaction} {
		for _, o := range []string{TaskOK, TaskFailed, TaskStale} {
			t.total.WithLabelValues(k, o)
			t.duration.WithLabelValues(k, o)
		}
	}
	return t
}

// Observe records one task run.
func (t *Tasks) Observe(kind, outcome string, d time.Duration) {
	t.total.WithLabelValues(kind, outcome).Inc()
	t.duration.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

func (t *Tasks) collectors() []prometheus.Collector {
	return []prometheus.Collector{t.total, t.duration}
}
