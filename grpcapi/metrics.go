package grpcapi

import (
	"strconv"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/status"
)

// Metrics counts gRPC calls by method and Milvus response code, beside
// the HTTP ones on /metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics returns the collectors of the gRPC API (register them where
// /metrics is served).
func NewMetrics() *Metrics {
	labels := []string{"method", "code"}
	return &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "raftvec", Subsystem: "grpc", Name: "requests_total",
			Help: "gRPC calls by method and Milvus response code (grpc code name when the call failed outright).",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "raftvec", Subsystem: "grpc", Name: "request_duration_seconds",
			Help:    "gRPC call latency by method and Milvus response code.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, labels),
	}
}

// Collectors returns the collectors to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.latency}
}

// observe records one call: the Status code of its response, or the gRPC
// code of its error.
func (m *Metrics) observe(method string, resp any, err error, start time.Time) {
	if m == nil {
		return
	}
	code := "0"
	switch {
	case err != nil:
		code = status.Code(err).String()
	default:
		if r, ok := resp.(interface{ GetStatus() *commonpb.Status }); ok {
			code = strconv.Itoa(int(r.GetStatus().GetCode()))
		} else if st, ok := resp.(*commonpb.Status); ok {
			code = strconv.Itoa(int(st.GetCode()))
		}
	}
	m.requests.WithLabelValues(method, code).Inc()
	m.latency.WithLabelValues(method, code).Observe(time.Since(start).Seconds())
}
