package api

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// SearchRequest is one ANN search as every front end gives it: REST
// decodes its JSON body into it, gRPC translates its SearchRequest into it.
// The query vectors are Vectors, or Data (JSON, parsed with the field's
// dimension once the collection is known), or the stored vectors of IDs.
type SearchRequest struct {
	readReq
	Data          json.RawMessage `json:"data"`
	IDs           json.RawMessage `json:"ids"`
	AnnsField     string          `json:"annsField"`
	Limit         int             `json:"limit"`
	Offset        int             `json:"offset"`
	GroupingField string          `json:"groupingField"`
	GroupSize     int             `json:"groupSize"`
	SearchParams  map[string]any  `json:"searchParams"`
	// MetricType, when set, must match the index's metric (gRPC's
	// metric_type); REST gives it inside SearchParams.
	MetricType string `json:"-"`
	// Vectors are already decoded query vectors (gRPC placeholder groups);
	// Sparse and Texts the same for a sparse field, and a BM25 field's
	// query texts.
	Vectors [][]float32            `json:"-"`
	Sparse  []segment.SparseVector `json:"-"`
	Texts   []string               `json:"-"`
	Binary  [][]byte               `json:"-"`
}

// SearchResult is a reduced search: per query vector, the hits of the
// window asked for, best first, with the output plan to render them.
type SearchResult struct {
	Output
	Hits [][]proxy.Hit
	// GroupField is the schema position of the grouping field (each hit's
	// Group holds its value), -1 without grouping.
	GroupField int
	// Iterator is set for a search iterator page: the next page's token.
	Iterator *IteratorPage
}

func (s *Server) search(ctx context.Context, c *call) (any, error) {
	var r SearchRequest
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	r.Session = c.session
	res, err := s.Search(ctx, &r)
	if err != nil {
		return nil, err
	}
	reply, err := renderHits(res.Schema, &res.plan, res.Hits, c.allowInt64)
	reply.iterator = res.Iterator
	return reply, err
}

// Search validates r against the collection, scatters it to one replica
// per shard and reduces the per-shard hits.
func (s *Server) Search(ctx context.Context, r *SearchRequest) (*SearchResult, error) {
	col, err := s.describe(ctx, r.CollectionName)
	if err != nil {
		return nil, err
	}
	if r.Limit == 0 {
		r.Limit = 100
	}
	if err := checkWindow(r.Offset, r.Limit); err != nil {
		return nil, err
	}
	req, err := prepareSearch(col, r.AnnsField, r.MetricType, r.SearchParams)
	if err != nil {
		return nil, err
	}
	if err := setGrouping(&col.Schema, &req, r.GroupingField, r.GroupSize); err != nil {
		return nil, err
	}
	it, batch, err := iteratorPage(r, &req)
	if err != nil {
		return nil, err
	}
	plan, err := planOutput(&col.Schema, r.OutputFields, false)
	if err != nil {
		return nil, err
	}
	if req.ReadOptions, err = r.readOptions(col, r.Session); err != nil {
		return nil, err
	}
	req.TopK, req.OutputFields = r.Offset+r.Limit, plan.fields
	switch col.Schema.Fields[req.AnnsField].Type {
	case segment.TypeSparseFloatVector:
		err = sparseQueries(col, r, &req)
	case segment.TypeBinaryVector:
		err = binaryQueries(col, r, &req)
	default:
		req.Vectors, err = s.queryVectors(ctx, col, r, req.AnnsField, req.TopK, req.ReadOptions)
	}
	if err != nil {
		return nil, err
	}
	hits, err := s.b.Search(ctx, req, r.Offset, r.Limit)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Output: Output{Schema: &col.Schema, plan: plan}, Hits: hits, GroupField: req.GroupField}
	if it != nil {
		if req.Queries() != 1 {
			return nil, invalidf("a search iterator takes one query vector, got %d", req.Queries())
		}
		var next *iterState
		res.Hits[0], next = it.page(hits[0], batch)
		page := next.token()
		res.Iterator = &page
	}
	return res, nil
}

// iteratorPage prepares a search iterator page (iterator.go): the range
// from the last page's bound and enough hits to skip the keys it returned
// at that bound. nil for a plain search.
func iteratorPage(r *SearchRequest, req *proxy.SearchRequest) (*iterState, int, error) {
	it, batch, err := iterator(req.SearchParams)
	if err != nil || it == nil {
		return nil, 0, err
	}
	switch {
	case req.Radius != nil || req.RangeFilter != nil:
		return nil, 0, invalidf("a search iterator cannot be a range search (radius, range_filter)")
	case req.GroupField >= 0:
		return nil, 0, invalidf("a search iterator cannot group (groupingField)")
	case r.Offset != 0:
		return nil, 0, invalidf("a search iterator takes no offset: pass search_iter_id")
	}
	if batch == 0 {
		batch = r.Limit
	}
	it.iterRange(req)
	r.Limit = min(batch+len(it.Seen), maxWindow)
	return it, batch, nil
}

// prepareSearch resolves the vector field, the metric and the search
// params of one ANN search. metric is an explicit metricType ("" = none);
// searchParams may carry metricType too.
func prepareSearch(col *coordinator.Collection, annsField, metric string, sp map[string]any) (proxy.SearchRequest, error) {
	req := proxy.SearchRequest{GroupField: -1, GroupSize: 1}
	f, err := annsFieldOf(&col.Schema, annsField)
	if err != nil {
		return req, err
	}
	req.AnnsField = col.Schema.FieldIndex(f.Name)
	given, params, err := flattenSearchParams(sp)
	if err != nil {
		return req, err
	}
	if req.Metric, err = resolveMetric(col, f, orDefault(upper(metric), given)); err != nil {
		return req, err
	}
	if req.Radius, req.RangeFilter, err = rangeParams(params, req.Metric); err != nil {
		return req, err
	}
	req.SearchParams = params
	return req, nil
}

// annsFieldOf returns the named vector field, or the only one.
func annsFieldOf(s *segment.Schema, name string) (*segment.Field, error) {
	if name == "" {
		vecs := s.VectorFields()
		if len(vecs) != 1 {
			return nil, missingf("missing required parameter \"annsField\": the collection has %d vector fields %v", len(vecs), vecs)
		}
		name = vecs[0]
	}
	f, ok := s.Field(name)
	if !ok || f.IsDynamic {
		return nil, invalidf("annsField %q does not exist in the collection", name)
	}
	if !f.Type.IsVector() {
		return nil, invalidf("annsField %q is a %s field, not a vector field", name, f.Type)
	}
	return f, nil
}

// resolveMetric uses the index's metric; a given metric must match it.
// Without an index the given metric or COSINE is used.
func resolveMetric(col *coordinator.Collection, f *segment.Field, given string) (string, error) {
	if ix, ok := col.IndexOn(f.Name); ok {
		if given != "" && given != upper(ix.MetricType) {
			return "", invalidf("metricType %s does not match the metric %s of index %q on field %q", given, ix.MetricType, ix.Name, f.Name)
		}
		return upper(ix.MetricType), nil
	}
	if f.Type == segment.TypeBinaryVector {
		m := orDefault(given, "HAMMING")
		if m != "HAMMING" && m != "JACCARD" {
			return "", invalidf("metricType %s does not fit binary field %q: want HAMMING or JACCARD", m, f.Name)
		}
		return m, nil
	}
	if f.Type == segment.TypeSparseFloatVector {
		want := "IP"
		if _, bm25 := col.Schema.FunctionFor(f.Name); bm25 {
			want = "BM25"
		}
		if given != "" && given != want {
			return "", invalidf("metricType %s does not fit sparse field %q: want %s", given, f.Name, want)
		}
		return want, nil
	}
	m := orDefault(given, "COSINE")
	return m, checkMetric(m)
}

// setGrouping resolves groupingField and groupSize.
func setGrouping(s *segment.Schema, req *proxy.SearchRequest, field string, size int) error {
	if size < 0 {
		return invalidf("invalid groupSize %d: must be positive", size)
	}
	if field == "" {
		return nil
	}
	i := s.FieldIndex(field)
	if i < 0 || s.Fields[i].IsDynamic {
		return invalidf("groupingField %q does not exist in the collection", field)
	}
	switch s.Fields[i].Type {
	case segment.TypeBool, segment.TypeInt8, segment.TypeInt16, segment.TypeInt32, segment.TypeInt64, segment.TypeVarChar:
	default:
		return invalidf("groupingField %q: cannot group by a %s field", field, s.Fields[i].Type)
	}
	req.GroupField, req.GroupSize = i, max(size, 1)
	return nil
}

// queryVectors returns the query vectors: `data`, or the stored vectors of
// the entities named by `ids`.
// Either way the number of vectors times topK is bounded (checkResults)
// before anything is read.
func (s *Server) queryVectors(ctx context.Context, col *coordinator.Collection, r *SearchRequest, anns, topK int, opts proxy.ReadOptions) ([][]float32, error) {
	hasData, hasIDs := present(r.Data) || r.Vectors != nil, present(r.IDs)
	switch {
	case hasData && hasIDs:
		return nil, invalidf("give either \"data\" or \"ids\", not both")
	case hasIDs:
		return s.vectorsByID(ctx, col, r.IDs, anns, topK, opts)
	case r.Vectors != nil:
		return r.Vectors, checkVectors(r.Vectors, col.Schema.Fields[anns].Dim, topK)
	}
	vecs, err := parseVectors(r.Data, col.Schema.Fields[anns].Dim, "data")
	if err != nil {
		return nil, err
	}
	return vecs, checkResults(len(vecs), topK)
}

func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

// parseVectors reads a list of vectors (a single flat vector is accepted).
func parseVectors(raw json.RawMessage, dim int, param string) ([][]float32, error) {
	if !present(raw) {
		return nil, missingf("missing required parameter %q (the query vectors)", param)
	}
	if out, ok := parseVectorsFast(raw, dim); ok {
		return out, nil
	}
	v, err := decodeValue(raw)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, invalidf("%q must be a non-empty list of vectors, got %s", param, describe(v))
	}
	if _, flat := list[0].(json.Number); flat {
		list = []any{list}
	}
	if len(list) > maxWindow {
		return nil, invalidf("too many query vectors: %d, at most %d", len(list), maxWindow)
	}
	out := make([][]float32, len(list))
	for i, e := range list {
		vec, err := floatVector(e, dim)
		if err != nil {
			return nil, invalidf("%s[%d]: %v", param, i, err)
		}
		out[i] = vec
	}
	return out, nil
}

// vectorsByID fetches the stored vectors of the entities named by ids.
// The search's filter does not apply to this fetch.
func (s *Server) vectorsByID(ctx context.Context, col *coordinator.Collection, raw json.RawMessage, anns, topK int, opts proxy.ReadOptions) ([][]float32, error) {
	ids, err := parseIDs(raw, col.Schema.Primary(), "ids")
	if err != nil {
		return nil, err
	}
	if err := checkResults(len(ids), topK); err != nil {
		return nil, err
	}
	opts.Filter, opts.Params = "", nil
	ents, err := s.b.Query(ctx, proxy.QueryRequest{ReadOptions: opts, IDs: ids, OutputFields: []int{anns}}, 0, 0)
	if err != nil {
		return nil, err
	}
	found := map[any][]float32{}
	for _, e := range ents {
		if len(e.Values) > 0 {
			vec, _ := e.Values[0].([]float32)
			found[e.PK] = vec
		}
	}
	out := make([][]float32, len(ids))
	for i, id := range ids {
		if out[i] = found[id]; out[i] == nil {
			return nil, invalidf("ids[%d]: no entity with primary key %v", i, id)
		}
	}
	return out, nil
}
