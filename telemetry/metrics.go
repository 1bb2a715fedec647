package telemetry

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are one node's event metrics (the scrape-time collectors are
// made with NewRaftCollector and NewSegmentCollector).
type Metrics struct {
	Store *Store
	Tasks *Tasks
	Reads *Reads
}

// New returns a node's event metrics, not registered yet (Collectors).
func New() *Metrics {
	return &Metrics{Store: NewStore(), Tasks: NewTasks(), Reads: NewReads()}
}

// Collectors returns every collector of m, to register on the node's
// registry.
func (m *Metrics) Collectors() []prometheus.Collector {
	var out []prometheus.Collector
	out = append(out, m.Store.collectors()...)
	out = append(out, m.Tasks.collectors()...)
	return append(out, m.Reads.collectors()...)
}

// NodeInfo returns raftvec_node_info: 1, labelled with the node's ID and
// roles, to name the node behind a scrape target in dashboards.
func NodeInfo(node string, roles []string) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "raftvec_node_info",
		Help:        "Always 1; its labels name this node (its ID) and its roles (data, query, index).",
		ConstLabels: prometheus.Labels{"node": node, "roles": strings.Join(roles, ",")}},
		func() float64 { return 1 })
}
