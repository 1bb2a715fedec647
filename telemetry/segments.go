package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
)

// SegmentGroup is the segments of one collection in one state.
type SegmentGroup struct {
	Collection string
	State      string // the segment state as /v1/collections/{name}/segments shows it
	Segments   int64
	Rows       int64 // rows, deleted ones included
	Bytes      int64
}

// Segments is what NewSegmentCollector reads at a scrape.
type Segments struct {
	Groups []SegmentGroup
	// Backlog is the unflushed bytes (rows and deletions waiting for object
	// storage) by collection.
	Backlog map[string]int64
}

const leadersOnly = " Counted by the node that leads each shard group (or led it when it went to sleep), so a sum over the cluster's nodes counts each shard once; " +
	"a group asleep since before its node started is not counted until it wakes."

var (
	segLabels    = []string{"collection", "state"}
	descSegments = prometheus.NewDesc("raftvec_segments",
		"Segments by collection and state (Growing, Sealed, Flushed: a flushed segment with built index files stays Flushed)."+leadersOnly, segLabels, nil)
	descSegmentRows = prometheus.NewDesc("raftvec_segment_rows",
		"Rows of the segments by collection and state, deleted rows included."+leadersOnly, segLabels, nil)
	descSegmentBytes = prometheus.NewDesc("raftvec_segment_bytes",
		"Bytes of the segments by collection and state (encoded chunk sizes once flushed, column sizes before)."+leadersOnly, segLabels, nil)
	descBacklog = prometheus.NewDesc("raftvec_flush_backlog_bytes",
		"Bytes of rows and deletions waiting to be flushed to object storage, by collection, as of each shard leader's last lifecycle step."+leadersOnly,
		[]string{"collection"}, nil)
)

type segmentCollector struct{ read func() Segments }

// NewSegmentCollector returns the collector of raftvec_segments,
// raftvec_segment_rows, raftvec_segment_bytes and
// raftvec_flush_backlog_bytes; it calls read at every scrape.
func NewSegmentCollector(read func() Segments) prometheus.Collector {
	return segmentCollector{read: read}
}

func (c segmentCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descSegments
	ch <- descSegmentRows
	ch <- descSegmentBytes
	ch <- descBacklog
}

func (c segmentCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.read()
	type key struct{ coll, state string }
	sum := map[key]SegmentGroup{}
	var order []key
	for _, g := range s.Groups {
		k := key{g.Collection, g.State}
		t, ok := sum[k]
		if !ok {
			order = append(order, k)
		}
		t.Segments += g.Segments
		t.Rows += g.Rows
		t.Bytes += g.Bytes
		sum[k] = t
	}
	for _, k := range order {
		t := sum[k]
		ch <- prometheus.MustNewConstMetric(descSegments, prometheus.GaugeValue, float64(t.Segments), k.coll, k.state)
		ch <- prometheus.MustNewConstMetric(descSegmentRows, prometheus.GaugeValue, float64(t.Rows), k.coll, k.state)
		ch <- prometheus.MustNewConstMetric(descSegmentBytes, prometheus.GaugeValue, float64(t.Bytes), k.coll, k.state)
	}
	for coll, b := range s.Backlog {
		ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(b), coll)
	}
}
