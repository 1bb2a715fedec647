package api

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// IndexParam is one entry of indexParams.
type IndexParam struct {
	FieldName  string         `json:"fieldName"`
	IndexName  string         `json:"indexName"`
	MetricType string         `json:"metricType"`
	IndexType  string         `json:"indexType"`
	Params     map[string]any `json:"params"`
}

// indexBounds are the accepted ranges of integer build params.
var indexBounds = map[string][2]int64{
	"M":              {2, 2048},
	"efConstruction": {1, 1 << 20},
	"nlist":          {1, 65536},
}

// sparseBounds are the accepted ranges of the float build params of
// sparse indexes (Milvus's).
var sparseBounds = map[string][2]float64{
	"bm25_k1":          {1.2, 2.0},
	"bm25_b":           {0, 1},
	"drop_ratio_build": {0, 0.999},
}

// checkSparseIndex validates a sparse field's index: SPARSE_INVERTED_INDEX
// (SPARSE_WAND and AUTOINDEX are served by it) with BM25 on a BM25
// function's output, IP on user-given sparse vectors.
func checkSparseIndex(s *segment.Schema, f *segment.Field, ix *coordinator.Index, metricGiven bool) error {
	switch ix.IndexType {
	case "AUTOINDEX", "SPARSE_INVERTED_INDEX", "SPARSE_WAND":
		ix.IndexType = "SPARSE_INVERTED_INDEX"
	default:
		return invalidf("invalid index type %q for sparse field %q: want SPARSE_INVERTED_INDEX or SPARSE_WAND", ix.IndexType, f.Name)
	}
	want := "IP"
	if _, bm25 := s.FunctionFor(f.Name); bm25 {
		want = "BM25"
	}
	if !metricGiven {
		ix.MetricType = want
	}
	if ix.MetricType != want {
		return invalidf("invalid metricType %q for sparse field %q: want %s", ix.MetricType, f.Name, want)
	}
	for k, b := range sparseBounds {
		v, ok := ix.Params[k]
		if !ok {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < b[0] || x > b[1] {
			return invalidf("invalid index param %q of index %q: want a number in [%g, %g], got %q", k, ix.Name, b[0], b[1], v)
		}
	}
	return nil
}

// checkDenseIndex validates a FloatVector field's index type and metric.
func checkDenseIndex(ix *coordinator.Index) error {
	return firstErr(checkIndexType(ix.IndexType), checkMetric(ix.MetricType))
}

func checkIndexType(t string) error {
	switch t {
	case "FLAT", "HNSW", "IVF_FLAT", "AUTOINDEX":
		return nil
	}
	return invalidf("invalid index type %q: want FLAT, HNSW, IVF_FLAT or AUTOINDEX", t)
}

func checkMetric(m string) error {
	switch m {
	case "L2", "IP", "COSINE":
		return nil
	}
	return invalidf("invalid metricType %q: want L2, IP or COSINE", m)
}

// buildIndex validates one IndexParam against the schema.
func buildIndex(s *segment.Schema, p *IndexParam) (coordinator.Index, error) {
	ix := coordinator.Index{Name: p.IndexName, FieldName: p.FieldName, Params: map[string]string{}}
	if p.FieldName == "" {
		return ix, missingf("missing required parameter \"fieldName\" in indexParams")
	}
	f, ok := s.Field(p.FieldName)
	if !ok || f.IsDynamic {
		return ix, invalidf("cannot index field %q: no such field", p.FieldName)
	}
	if f.Type == segment.TypeJSON {
		return ix, invalidf("cannot index JSON field %q", p.FieldName)
	}
	ix.Name = orDefault(ix.Name, ix.FieldName)
	if err := checkName("index", ix.Name); err != nil {
		return ix, err
	}
	typ, _ := paramString(p.Params["index_type"])
	ix.IndexType = orDefault(upper(orDefault(typ, p.IndexType)), "AUTOINDEX")
	metric, _ := paramString(p.Params["metric_type"])
	ix.MetricType = upper(orDefault(p.MetricType, metric))
	metricGiven := ix.MetricType != ""
	ix.MetricType = orDefault(ix.MetricType, "COSINE")
	for k, v := range p.Params {
		if k == "index_type" || k == "metric_type" {
			continue
		}
		str, ok := paramString(v)
		if !ok {
			return ix, invalidf("invalid index param %q of index %q: want a string or number, got %s", k, ix.Name, describe(v))
		}
		if err := checkBound(k, v); err != nil {
			return ix, invalidf("invalid index param %q of index %q: %v", k, ix.Name, err)
		}
		ix.Params[k] = str
	}
	switch {
	case f.Type == segment.TypeSparseFloatVector:
		return ix, checkSparseIndex(s, f, &ix, metricGiven)
	case f.Type == segment.TypeBinaryVector:
		return ix, checkBinaryIndex(f, &ix, metricGiven)
	case !f.Type.IsVector():
		return ix, checkScalarIndex(f, &ix, metricGiven)
	}
	return ix, checkDenseIndex(&ix)
}

// checkScalarIndex validates a scalar field's index: INVERTED (AUTOINDEX)
// on Bool, integer, floating, VarChar and Array fields; STL_SORT on
// numbers. A scalar index has no metric.
func checkScalarIndex(f *segment.Field, ix *coordinator.Index, metricGiven bool) error {
	if metricGiven {
		return invalidf("index %q on scalar field %q: a scalar index takes no metricType", ix.Name, f.Name)
	}
	ix.MetricType = ""
	switch ix.IndexType {
	case "AUTOINDEX", "INVERTED":
		ix.IndexType = "INVERTED"
		return nil
	case "STL_SORT":
		if f.Type.IsNumeric() {
			return nil
		}
		return invalidf("index type STL_SORT needs a numeric field, %q is %s", f.Name, f.Type)
	}
	return invalidf("invalid index type %q for scalar field %q: want INVERTED or STL_SORT", ix.IndexType, f.Name)
}

func checkBound(key string, v any) error {
	b, ok := indexBounds[key]
	if !ok {
		return nil
	}
	n, err := toInt(v)
	if err != nil {
		return err
	}
	if n < b[0] || n > b[1] {
		return fmt.Errorf("%d is out of range [%d, %d]", n, b[0], b[1])
	}
	return nil
}

// buildIndexes validates every IndexParam; names and fields are unique.
func buildIndexes(s *segment.Schema, params []IndexParam) ([]coordinator.Index, error) {
	var out []coordinator.Index
	names, fields := map[string]bool{}, map[string]bool{}
	for i := range params {
		ix, err := buildIndex(s, &params[i])
		if err != nil {
			return nil, err
		}
		if names[ix.Name] || fields[ix.FieldName] {
			return nil, invalidf("index %q on field %q: one index per field and unique index names", ix.Name, ix.FieldName)
		}
		names[ix.Name], fields[ix.FieldName] = true, true
		out = append(out, ix)
	}
	return out, nil
}

type CreateIndexRequest struct {
	collReq
	IndexParams []IndexParam `json:"indexParams"`
}

func (s *Server) createIndex(ctx context.Context, c *call) (any, error) {
	var r CreateIndexRequest
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	return empty(), s.CreateIndex(ctx, &r)
}

// CreateIndex validates every index of r against the collection's schema
// and creates them in order.
func (s *Server) CreateIndex(ctx context.Context, r *CreateIndexRequest) error {
	col, err := s.describe(ctx, r.CollectionName)
	if err != nil {
		return err
	}
	if len(r.IndexParams) == 0 {
		return missingf("missing required parameter \"indexParams\"")
	}
	idx, err := buildIndexes(&col.Schema, r.IndexParams)
	if err != nil {
		return err
	}
	for _, ix := range idx {
		if err := s.b.CreateIndex(ctx, col.Name, ix); err != nil {
			return named(err, "index", ix.Name)
		}
	}
	return nil
}

type indexReq struct {
	collReq
	IndexName string `json:"indexName"`
	FieldName string `json:"fieldName"`
}

func (s *Server) describeIndex(ctx context.Context, c *call) (any, error) {
	var r indexReq
	col, err := s.decodeDescribe(ctx, c, &r, &r.collReq)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	var lag *proxy.IndexLag
	for _, ix := range col.Indexes {
		if r.IndexName != "" && ix.Name != r.IndexName {
			continue
		}
		total, indexed, state, fail, err := s.b.IndexProgress(ctx, col.Name, ix.Name)
		if err != nil {
			return nil, named(err, "index", ix.Name)
		}
		d := map[string]any{"indexName": ix.Name, "fieldName": ix.FieldName,
			"indexType": ix.IndexType, "metricType": ix.MetricType, "totalRows": total,
			"indexedRows": indexed, "pendingRows": max(total-indexed, 0), "indexState": state,
			"failReason": fail}
		if proxy.BuiltPerSegment(ix) {
			if lag == nil {
				l, err := s.b.IndexLag(ctx, col.Name)
				if err != nil {
					return nil, err
				}
				lag = &l
			}
			addLag(d, *lag, time.Now())
		}
		out = append(out, d)
	}
	if r.IndexName != "" && len(out) == 0 {
		return nil, errf(codeIndexNotFound, "index not found: %q in collection %q", r.IndexName, col.Name)
	}
	return out, nil
}

// addLag adds raftvec's index-lag fields to an index description: when
// the collection was last written, when every row was last in a built
// index, and the seconds between (or waited so far).
func addLag(d map[string]any, l proxy.IndexLag, now time.Time) {
	if l.LastWrite > 0 {
		d["lastWriteTime"] = time.UnixMilli(l.LastWrite).UTC().Format(time.RFC3339Nano)
	}
	if l.IndexedAt > 0 && l.CaughtUp() {
		d["allIndexedTime"] = time.UnixMilli(l.IndexedAt).UTC().Format(time.RFC3339Nano)
	}
	d["indexLagSeconds"] = l.Lag(now)
}

func (s *Server) listIndexes(ctx context.Context, c *call) (any, error) {
	var r indexReq
	col, err := s.decodeDescribe(ctx, c, &r, &r.collReq)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, ix := range col.Indexes {
		if r.FieldName == "" || ix.FieldName == r.FieldName {
			out = append(out, ix.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *Server) dropIndex(ctx context.Context, c *call) (any, error) {
	var r indexReq
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	if err := requireName("indexName", r.IndexName); err != nil {
		return nil, err
	}
	return empty(), named(s.b.DropIndex(ctx, r.CollectionName, r.IndexName), "index", r.IndexName)
}
