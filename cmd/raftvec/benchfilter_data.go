package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// filterQuery is one request of each kind: a filtered search for Vec among
// the rows with attr == Attr, and a lookup of row Lookup by its tag.
type filterQuery struct {
	Vec    []float32
	Attr   int64
	Lookup int64
}

// filterQueries draws n queries (see the command's help); the same
// arguments give the same queries, and the first m of n are those of m.
func filterQueries(n, rows, distinct, dim int, seed uint64) []filterQuery {
	r := rand.New(rand.NewPCG(seed, 0x66696c746572)) // "filter"
	out := make([]filterQuery, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = r.Float32()
		}
		out[i] = filterQuery{Vec: v, Attr: int64(r.IntN(distinct)), Lookup: int64(r.IntN(rows))}
	}
	return out
}

// filterTag is row id's tag.
func filterTag(id int64) string { return fmt.Sprintf("tag-%08d", id) }

// rowVector returns row id's vector: dim floats uniform in [0, 1) from a
// PCG seeded with (seed, id), so that it depends on neither --batch nor
// --clients and the exact check can recompute any row.
func rowVector(seed uint64, id int64, dim int) []float32 {
	r := rand.New(rand.NewPCG(seed, uint64(id)))
	v := make([]float32, dim)
	for j := range v {
		v[j] = r.Float32()
	}
	return v
}

// encodeFilterRows encodes an insert request of the rows lo..hi-1 without
// reflection, as encodeInsert does.
func encodeFilterRows(collection string, lo, hi, distinct, dim int, seed uint64) rawBody {
	b := make([]byte, 0, 64+(hi-lo)*(64+dim*13))
	b = append(b, `{"collectionName":`...)
	b = strconv.AppendQuote(b, collection)
	b = append(b, `,"data":[`...)
	for id := lo; id < hi; id++ {
		if id > lo {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, `,"attr":`...)
		b = strconv.AppendInt(b, int64(id%distinct), 10)
		b = append(b, `,"tag":"`...)
		b = append(b, filterTag(int64(id))...)
		b = append(b, `","v":[`...)
		for j, f := range rowVector(seed, int64(id), dim) {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendFloat32(b, f)
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...)
}

// createFilterCollection drops and creates the collection: id, attr, tag
// and v with a FLAT (L2) index.
func (o *filterOpts) createFilterCollection() error {
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": o.collection})
	_, err := post(o.addr, "collections/create", map[string]any{"collectionName": o.collection,
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "attr", "dataType": "Int64"},
			{"fieldName": "tag", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 32}},
			{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": o.dim}}}},
		"indexParams": []map[string]any{{"fieldName": "v", "indexName": "v", "indexType": "FLAT", "metricType": "L2"}}})
	return err
}

// insertRows creates the collection, inserts the rows and waits until
// every segment is flushed.
func (o *filterOpts) insertRows(w io.Writer) error {
	if err := o.createFilterCollection(); err != nil {
		return err
	}
	start := time.Now()
	st, err := insertBatches(o.nodes(), o.clients, o.rows, o.batch, "benchfilter", func(lo, hi int) (rawBody, error) {
		return encodeFilterRows(o.collection, lo, hi, o.distinct, o.dim, o.seed), nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "insert: %d rows (attr = id mod %d, dim %d), batch %d, %d clients, %d nodes: %s\n",
		o.rows, o.distinct, o.dim, o.batch, o.clients, len(o.nodes()), st.summary(o.rows))
	return waitFlushed(w, o.addr, o.collection, int64(o.rows), start)
}

// filterBodies are encoded requests: search[i] and lookup[i] are query i's.
type filterBodies struct{ search, lookup []rawBody }

// from returns the requests from i on.
func (b filterBodies) from(i int) filterBodies {
	return filterBodies{b.search[i:], b.lookup[i:]}
}

// bodies encodes the requests of queries (before any clock starts).
func (o *filterOpts) bodies(queries []filterQuery) (filterBodies, error) {
	var out filterBodies
	for _, q := range queries {
		s, err := json.Marshal(map[string]any{"collectionName": o.collection, "annsField": "v",
			"data": [][]float32{q.Vec}, "limit": filterTopK, "filter": "attr == " + strconv.FormatInt(q.Attr, 10),
			"consistencyLevel": o.level})
		if err != nil {
			return out, err
		}
		l, err := json.Marshal(map[string]any{"collectionName": o.collection,
			"filter": `tag == "` + filterTag(q.Lookup) + `"`, "outputFields": []string{"attr"},
			"consistencyLevel": o.level})
		if err != nil {
			return out, err
		}
		out.search, out.lookup = append(out.search, s), append(out.lookup, l)
	}
	return out, nil
}
