package telemetry

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ReadOp is the kind of a read: a search, a query, or a count(*).
type ReadOp int

// Read kinds.
const (
	OpSearch ReadOp = iota
	OpQuery
	OpCount
	numOps
)

var opNames = [numOps]string{"search", "query", "count"}

// Role is the role of the replica that served a read.
type Role int

// Replica roles: the group's leader, a voting follower, or a query replica
// (a non-voter on a query node).
const (
	RoleLeader Role = iota
	RoleFollower
	RoleQuery
	numRoles
)

var roleNames = [numRoles]string{"leader", "follower", "query"}

// Consistency levels, the values of the consistency label ("other" for a
// level none of these, which the API refuses before it reaches a replica).
var levelNames = [...]string{"Strong", "Bounded", "Session", "Eventually", "other"}

const numLevels = len(levelNames)

func levelIndex(level string) int {
	for i, l := range levelNames[:numLevels-1] {
		if l == level {
			return i
		}
	}
	return numLevels - 1
}

// Reads times searches and queries: whole requests on the node whose proxy
// received them, and each shard's read on the replica that served it.
// Observations take no lock: each label combination's histogram is
// resolved once and cached. A nil *Reads observes nothing.
type Reads struct {
	requests *prometheus.HistogramVec
	replicas *prometheus.HistogramVec
	reqObs   [numOps][numLevels]atomic.Pointer[prometheus.Observer]
	repObs   [numOps][numLevels][numRoles]atomic.Pointer[prometheus.Observer]
}

// NewReads returns the read latency metrics (series appear with their
// first observation).
func NewReads() *Reads {
	return &Reads{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "raftvec_read_duration_seconds",
			Help: "Latency of the searches, queries and count(*) this node's proxy served, by op and requested consistency level: " +
				"every shard's read and the reduce (successful ones; a hybrid search counts each of its searches).",
			Buckets: LatencyBuckets}, []string{"op", "consistency"}),
		replicas: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "raftvec_replica_read_duration_seconds",
			Help: "Latency of the shard reads this node's replicas served, by op, requested consistency level and the replica's role " +
				"(leader, follower, or query: a query replica), the consistency wait included (successful ones).",
			Buckets: LatencyBuckets}, []string{"op", "consistency", "role"}),
	}
}

// ObserveRequest records one request served by the proxy.
func (r *Reads) ObserveRequest(op ReadOp, level string, d time.Duration) {
	if r == nil || op < 0 || op >= numOps {
		return
	}
	l := levelIndex(level)
	slot := &r.reqObs[op][l]
	o := slot.Load()
	if o == nil {
		h := r.requests.WithLabelValues(opNames[op], levelNames[l])
		o = &h
		slot.Store(o)
	}
	(*o).Observe(d.Seconds())
}

// ObserveReplica records one shard read served by a replica in role.
func (r *Reads) ObserveReplica(op ReadOp, level string, role Role, d time.Duration) {
	if r == nil || op < 0 || op >= numOps || role < 0 || role >= numRoles {
		return
	}
	l := levelIndex(level)
	slot := &r.repObs[op][l][role]
	o := slot.Load()
	if o == nil {
		h := r.replicas.WithLabelValues(opNames[op], levelNames[l], roleNames[role])
		o = &h
		slot.Store(o)
	}
	(*o).Observe(d.Seconds())
}

func (r *Reads) collectors() []prometheus.Collector {
	return []prometheus.Collector{r.requests, r.replicas}
}
