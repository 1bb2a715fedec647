package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, registered on the
// server's own registry (never the global one).
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	labels := []string{"route", "status", "code"}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "raftvec", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests by route, HTTP status and Milvus response code.",
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "raftvec", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by route, HTTP status and Milvus response code.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, labels),
	}
	reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
}

// observe counts every request and its latency. The code label is the
// envelope's code, or empty for non-envelope routes.
func (s *Server) observe() gin.HandlerFunc {
	return func(gc *gin.Context) {
		start := time.Now()
		gc.Next()
		route := gc.FullPath()
		if route == "" {
			route = "unmatched"
		}
		code := ""
		if v, ok := gc.Get(ctxKeyCode); ok {
			code = strconv.Itoa(v.(int))
		}
		status := strconv.Itoa(gc.Writer.Status())
		s.metrics.requests.WithLabelValues(route, status, code).Inc()
		s.metrics.latency.WithLabelValues(route, status, code).Observe(time.Since(start).Seconds())
	}
}

// recovery turns a panic into code 65535 instead of a dropped connection.
func (s *Server) recovery() gin.HandlerFunc {
	return func(gc *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in handler", "path", gc.Request.URL.Path, "panic", p, "stack", string(debug.Stack()))
				abortWith(gc, http.StatusOK, errf(codeUnexpected, "internal error: %v", p))
			}
		}()
		gc.Next()
	}
}

// auth authenticates a request with auth on (`Authorization: Bearer
// <user:password | api key>`, or Basic auth), puts the caller in its
// context and checks its route's privilege (access.go) before anything
// else runs.
func (s *Server) auth() gin.HandlerFunc {
	return func(gc *gin.Context) {
		if !s.cfg.AuthEnabled {
			gc.Next()
			return
		}
		p, ok := s.identify(gc.Request)
		if !ok {
			if err := s.Starting(); err != nil {
				// Stored users are known once the metadata is replayed:
				// until then a failure may be the node's, not the caller's.
				abortWith(gc, http.StatusOK, err)
				return
			}
			abortWith(gc, http.StatusUnauthorized, errUnauthenticated)
			return
		}
		gc.Request = gc.Request.WithContext(WithPrincipal(gc.Request.Context(), p))
		if err := s.authorizeRoute(gc, p); err != nil {
			abortWith(gc, statusOf(err), err)
			return
		}
		gc.Next()
	}
}

// identify authenticates a request's Basic auth or bearer token.
func (s *Server) identify(r *http.Request) (*Principal, bool) {
	if user, pass, ok := r.BasicAuth(); ok {
		return s.identifyUser(user, pass)
	}
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return nil, false
	}
	return s.Identify(strings.TrimSpace(h[len(prefix):]))
}

// secretEqual compares two secrets in time independent of their contents
// and lengths: subtle.ConstantTimeCompare returns at once on a length
// mismatch, which would leak a key's length, so the SHA-256 digests (always
// 32 bytes) are compared instead. 1 if equal, else 0.
func secretEqual(want, got string) int {
	a, b := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(a[:], b[:])
}
