package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// filterIndexes are the scalar indexes of the index phase.
var filterIndexes = []map[string]any{
	{"fieldName": "attr", "indexName": "attr_idx", "indexType": "STL_SORT"},
	{"fieldName": "tag", "indexName": "tag_idx", "indexType": "INVERTED"},
}

// phaseResult is one phase's answers and times, and the segment reads
// through a scalar index during each timed pass.
type phaseResult struct {
	search, lookup           passTimes
	hits                     [][]searchHit
	rows                     [][]lookupRow
	searchReads, lookupReads float64
}

// phase sends the warm-up requests untimed, then times the searches and
// the lookups of req, one kind after the other.
func (o *filterOpts) phase(req, warm filterBodies) (*phaseResult, error) {
	nodes := o.nodes()
	if err := untimed(nodes, o.clients, "entities/search", warm.search); err != nil {
		return nil, err
	}
	if err := untimed(nodes, o.clients, "entities/query", warm.lookup); err != nil {
		return nil, err
	}
	p := &phaseResult{hits: make([][]searchHit, len(req.search)), rows: make([][]lookupRow, len(req.lookup))}
	var reads [3]float64
	var err error
	if reads[0], err = scalarReads(nodes); err != nil {
		return nil, err
	}
	p.search, err = timedPass(nodes, o.clients, "entities/search", req.search, func(i int, raw json.RawMessage) (err error) {
		p.hits[i], err = parseHits(raw)
		return err
	})
	if err != nil {
		return nil, err
	}
	if reads[1], err = scalarReads(nodes); err != nil {
		return nil, err
	}
	p.lookup, err = timedPass(nodes, o.clients, "entities/query", req.lookup, func(i int, raw json.RawMessage) (err error) {
		p.rows[i], err = parseLookup(raw)
		return err
	})
	if err != nil {
		return nil, err
	}
	if reads[2], err = scalarReads(nodes); err != nil {
		return nil, err
	}
	p.searchReads, p.lookupReads = reads[1]-reads[0], reads[2]-reads[1]
	return p, nil
}

// lookupRow is one row of a lookup's reply.
type lookupRow struct{ ID, Attr int64 }

// parseLookup reads the id and attr of the rows of a query reply (int64s
// sent as JSON numbers or strings).
func parseLookup(raw json.RawMessage) ([]lookupRow, error) {
	var rows []struct {
		ID   json.Number `json:"id"`
		Attr json.Number `json:"attr"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("query reply: %w", err)
	}
	out := make([]lookupRow, len(rows))
	for i, r := range rows {
		id, err := strconv.ParseInt(r.ID.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("query reply id %q: %w", r.ID, err)
		}
		attr, err := strconv.ParseInt(r.Attr.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("query reply attr %q: %w", r.Attr, err)
		}
		out[i] = lookupRow{id, attr}
	}
	return out, nil
}

const (
	scalarReadsMetric  = "raftvec_scalar_index_segment_reads_total"
	derivedBytesMetric = "raftvec_derived_index_bytes"
)

// scalarReads sums raftvec_scalar_index_segment_reads_total over nodes.
func scalarReads(nodes []string) (float64, error) {
	ms, err := scrapeAll(nodes)
	return metricSum(ms, scalarReadsMetric), err
}

// metricSum sums an unlabelled metric over scrapes of several nodes.
func metricSum(ms []map[string]float64, name string) float64 {
	var sum float64
	for _, m := range ms {
		sum += m[name]
	}
	return sum
}

// indexesOn returns the names of the indexes on attr and tag that node
// lists.
func (o *filterOpts) indexesOn(node string) ([]string, error) {
	var out []string
	for _, f := range []string{"attr", "tag"} {
		raw, err := post(node, "indexes/list", map[string]any{"collectionName": o.collection, "fieldName": f})
		if err != nil {
			return nil, err
		}
		var names []string
		if err := json.Unmarshal(raw, &names); err != nil {
			return nil, fmt.Errorf("indexes/list: %s: %w", raw, err)
		}
		out = append(out, names...)
	}
	return out, nil
}

// dropScalarIndexes drops the indexes on attr and tag left by an earlier
// run and waits until no node lists them.
func (o *filterOpts) dropScalarIndexes(w io.Writer) error {
	names, err := o.indexesOn(o.addr)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := post(o.addr, "indexes/drop", map[string]any{"collectionName": o.collection, "indexName": n}); err != nil {
			return err
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(w, "dropped the indexes on attr and tag of an earlier run: %s\n", strings.Join(names, ", "))
	}
	return o.waitIndexes(0)
}

// createScalarIndexes creates attr_idx and tag_idx and waits until every
// node lists them.
func (o *filterOpts) createScalarIndexes() error {
	if _, err := post(o.addr, "indexes/create", map[string]any{"collectionName": o.collection, "indexParams": filterIndexes}); err != nil {
		return err
	}
	return o.waitIndexes(len(filterIndexes))
}

// waitIndexes waits until every node lists want indexes on attr and tag.
func (o *filterOpts) waitIndexes(want int) error {
	deadline := time.Now().Add(time.Minute)
	for _, node := range o.nodes() {
		for {
			names, err := o.indexesOn(node)
			if err != nil {
				return err
			}
			if len(names) == want {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s lists the indexes %v on attr and tag after a minute, want %d", node, names, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}
