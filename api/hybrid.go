package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// SubSearch is one ANN search of a hybrid search. Its query vectors are
// Vectors (decoded by a binary front end) or Data (JSON).
type SubSearch struct {
	Data         json.RawMessage        `json:"data"`
	Vectors      [][]float32            `json:"-"`
	Sparse       []segment.SparseVector `json:"-"`
	Texts        []string               `json:"-"`
	Binary       [][]byte               `json:"-"`
	AnnsField    string                 `json:"annsField"`
	Limit        int                    `json:"limit"`
	Filter       string                 `json:"filter"`
	ExprParams   map[string]any         `json:"exprParams"`
	MetricType   string                 `json:"metricType"`
	Params       map[string]any         `json:"params"`
	SearchParams map[string]any         `json:"searchParams"`
}

// RerankRequest is the fusion of a hybrid search: rrf (params.k) or
// weighted (params.weights).
type RerankRequest struct {
	Strategy string         `json:"strategy"`
	Params   map[string]any `json:"params"`
}

// HybridSearchRequest runs several ANN searches and fuses their ranked
// lists, as every front end gives it.
type HybridSearchRequest struct {
	readReq
	Search []SubSearch   `json:"search"`
	Rerank RerankRequest `json:"rerank"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
}

// hybridSearch runs every sub-search, fuses their ranked lists per query
// with the rerank strategy and returns the fused score as `distance`
// (larger is better).
func (s *Server) hybridSearch(ctx context.Context, c *call) (any, error) {
	var r HybridSearchRequest
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	r.Session = c.session
	res, err := s.HybridSearch(ctx, &r)
	if err != nil {
		return nil, err
	}
	return renderHits(res.Schema, &res.plan, res.Hits, c.allowInt64)
}

// HybridSearch validates every sub-search of r, runs them, and fuses their
// ranked lists per query; a hit's Distance is the fused score (larger is
// better).
func (s *Server) HybridSearch(ctx context.Context, r *HybridSearchRequest) (*SearchResult, error) {
	col, err := s.describe(ctx, r.CollectionName)
	if err != nil {
		return nil, err
	}
	if len(r.Search) == 0 {
		return nil, missingf("missing required parameter \"search\" (the sub-searches)")
	}
	if r.Limit == 0 {
		r.Limit = 100
	}
	f, err := newFuser(r.Rerank, len(r.Search))
	plan, err2 := planOutput(&col.Schema, r.OutputFields, false)
	if err := firstErr(err, err2, checkWindow(r.Offset, r.Limit)); err != nil {
		return nil, err
	}
	r.Filter, r.ExprParams = "", nil
	base, err := r.readOptions(col, r.Session)
	if err != nil {
		return nil, err
	}
	reqs, metrics := make([]proxy.SearchRequest, len(r.Search)), make([]string, len(r.Search))
	total := 0 // hits asked of the shards by all sub-searches
	for i := range r.Search {
		req, err := subRequest(col, &r.Search[i], i, base, plan.fields, r.Offset+r.Limit)
		if err == nil && i > 0 && req.Queries() != reqs[0].Queries() {
			err = invalidf("search[%d] has %d query vectors, search[0] has %d", i, req.Queries(), reqs[0].Queries())
		}
		if err == nil {
			total += req.Queries() * req.TopK
			err = firstErr(checkHybridTotal(total), checkResults(req.Queries(), r.Offset+r.Limit))
		}
		if err != nil {
			return nil, err
		}
		reqs[i], metrics[i] = req, req.Metric
	}
	lists := make([][][]proxy.Hit, len(reqs))
	for i := range reqs { // nothing runs before every sub-search is checked
		if lists[i], err = s.b.Search(ctx, reqs[i], 0, reqs[i].TopK); err != nil {
			return nil, err
		}
	}
	fused := make([][]proxy.Hit, len(lists[0]))
	for q := range fused {
		perSub := make([][]proxy.Hit, len(lists))
		for i := range lists {
			perSub[i] = lists[i][q]
		}
		fused[q] = proxy.Window(f.fuse(metrics, perSub), r.Offset, r.Limit)
	}
	return &SearchResult{Output: Output{Schema: &col.Schema, plan: plan}, Hits: fused, GroupField: -1}, nil
}

// subRequest builds the shard request of sub-search i.
func subRequest(col *coordinator.Collection, sub *SubSearch, i int, base proxy.ReadOptions, fields []int, defLimit int) (proxy.SearchRequest, error) {
	sp := map[string]any{}
	for _, m := range []map[string]any{sub.SearchParams, sub.Params} {
		for k, v := range m {
			sp[k] = v
		}
	}
	req, err := prepareSearch(col, sub.AnnsField, sub.MetricType, sp)
	if err != nil {
		return req, err
	}
	req.TopK = sub.Limit
	if req.TopK == 0 {
		req.TopK = defLimit
	}
	if err := checkWindow(0, req.TopK); err != nil {
		return req, err
	}
	dim := col.Schema.Fields[req.AnnsField].Dim
	if t := col.Schema.Fields[req.AnnsField].Type; t == segment.TypeSparseFloatVector || t == segment.TypeBinaryVector {
		one := SearchRequest{Data: sub.Data, Sparse: sub.Sparse, Texts: sub.Texts, Binary: sub.Binary}
		query := sparseQueries
		if t == segment.TypeBinaryVector {
			query = binaryQueries
		}
		if err := query(col, &one, &req); err != nil {
			_, msg := toCode(err)
			return req, invalidf("search[%d]: %s", i, msg)
		}
	} else if sub.Vectors != nil {
		req.Vectors = sub.Vectors
		if err := checkVectors(sub.Vectors, dim, 0); err != nil {
			_, msg := toCode(err)
			return req, invalidf("search[%d]: %s", i, msg)
		}
	} else if req.Vectors, err = parseVectors(sub.Data, dim, fmt.Sprintf("search[%d].data", i)); err != nil {
		return req, err
	}
	req.ReadOptions = base
	req.Filter, req.Params = sub.Filter, paramMap(sub.ExprParams)
	req.OutputFields = fields
	return req, nil
}

// fuser fuses ranked lists. rrf: score = Σ 1/(k + rank + 1), rank from 0,
// k default 60. weighted: score = Σ w_i · norm_i(distance) with Milvus's
// normalizations: L2 (and HAMMING, JACCARD) 1 − 2·atan(d)/π, IP 0.5 + atan(d)/π, BM25 2·atan(d)/π,
// COSINE (1+d)/2
// (always applied, so every term is in [0, 1] and larger is better).
type fuser struct {
	rrf     bool
	k       float64
	weights []float64
}

func newFuser(r RerankRequest, n int) (*fuser, error) {
	switch r.Strategy {
	case "", "rrf", "RRF":
		f := &fuser{rrf: true, k: 60}
		if v, ok := r.Params["k"]; ok {
			k, ok := canonicalParams(v).(int64)
			if !ok || k <= 0 || k >= 16384 {
				return nil, invalidf("invalid rerank param k: want an integer in (0, 16384), got %s", describe(v))
			}
			f.k = float64(k)
		}
		return f, nil
	case "weighted", "WEIGHTED":
		return weightedFuser(r.Params["weights"], n)
	}
	return nil, invalidf("invalid rerank strategy %q: want rrf or weighted", r.Strategy)
}

func weightedFuser(v any, n int) (*fuser, error) {
	list, ok := v.([]any)
	if !ok || len(list) != n {
		return nil, invalidf("rerank weighted needs params.weights: a list of %d numbers, one per sub-search", n)
	}
	f := &fuser{weights: make([]float64, n)}
	for i, w := range list {
		x, ok := w.(json.Number)
		fw, err := x.Float64()
		if !ok || err != nil || fw < 0 || fw > 1 {
			return nil, invalidf("invalid rerank weight %d: want a number in [0, 1], got %s", i, describe(w))
		}
		f.weights[i] = fw
	}
	return f, nil
}

// fuse merges one query's per-sub-search lists into hits scored by the
// fused score, best first.
func (f *fuser) fuse(metrics []string, lists [][]proxy.Hit) []proxy.Hit {
	score := map[any]float64{}
	var order []proxy.Hit
	for i, l := range lists {
		for rank, h := range l {
			k := proxy.GroupKey(h.PK)
			if _, seen := score[k]; !seen {
				order = append(order, h)
			}
			if f.rrf {
				score[k] += 1 / (f.k + float64(rank) + 1)
			} else {
				score[k] += f.weights[i] * normalize(metrics[i], h.Distance)
			}
		}
	}
	for i := range order {
		order[i].Distance = float32(score[proxy.GroupKey(order[i].PK)])
		order[i].Group = nil
	}
	proxy.SortHits("IP", order)
	return order
}

func normalize(metric string, d float32) float64 {
	x := float64(d)
	switch metric {
	case "L2", "HAMMING", "JACCARD":
		return 1 - 2*math.Atan(x)/math.Pi
	case "IP":
		return 0.5 + math.Atan(x)/math.Pi
	case "BM25":
		return 2 * math.Atan(x) / math.Pi
	}
	return (1 + x) / 2
}
