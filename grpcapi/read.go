package grpcapi

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/protobuf/proto"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/half"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// countStar is the output field of a count query.
const countStar = "count(*)"

// readLevel is the consistency level of a read: the collection's default
// when the SDK asks for it, else the level given, with the session token
// the read carries. A Session read without one is served Strong, which
// reads the caller's own writes too.
func readLevel(ctx context.Context, level commonpb.ConsistencyLevel, useDefault bool) (name, token string) {
	if useDefault {
		return "", incoming(ctx, SessionHeader)
	}
	name = levelName(level)
	if name == coordinator.Session {
		if token = incoming(ctx, SessionHeader); token == "" {
			return coordinator.Strong, ""
		}
	}
	return name, token
}

// Query reads entities by filter, or counts them with count(*).
func (s *Service) Query(ctx context.Context, r *milvuspb.QueryRequest) (*milvuspb.QueryResults, error) {
	fail := func(err error) (*milvuspb.QueryResults, error) {
		return &milvuspb.QueryResults{Status: toStatus(err)}, nil
	}
	q := &api.QueryRequest{All: true, KeysByDefault: true}
	q.CollectionName, q.PartitionNames, q.Filter = r.GetCollectionName(), r.GetPartitionNames(), r.GetExpr()
	q.OutputFields = r.GetOutputFields()
	q.ConsistencyLevel, q.Session = readLevel(ctx, r.GetConsistencyLevel(), r.GetUseDefaultConsistency())
	var err error
	if q.ExprParams, err = templateValues(r.GetExprTemplateValues()); err != nil {
		return fail(err)
	}
	kv := pairs(r.GetQueryParams())
	if q.Limit, err = intPair(kv, "limit"); err != nil {
		return fail(err)
	}
	if q.Offset, err = intPair(kv, "offset"); err != nil {
		return fail(err)
	}
	res, err := s.api.Query(ctx, q)
	if err != nil {
		return fail(err)
	}
	out := &milvuspb.QueryResults{Status: ok(), CollectionName: r.GetCollectionName()}
	if res.CountOnly {
		out.OutputFields = []string{countStar}
		out.FieldsData = []*schemapb.FieldData{{Type: schemapb.DataType_Int64, FieldName: countStar,
			Field: &schemapb.FieldData_Scalars{Scalars: &schemapb.ScalarField{
				Data: &schemapb.ScalarField_LongData{LongData: &schemapb.LongArray{Data: []int64{res.Count}}}}}}}
		return out, nil
	}
	ents := entityPtrs(res.Entities)
	pk := res.Schema.Primary()
	out.PrimaryFieldName = pk.Name
	out.FieldsData = append([]*schemapb.FieldData{column(pk, pkValues(ents))}, valueColumns(res.Schema, res.Fields(), ents)...)
	// As Milvus: the names asked for (dynamic keys included, which SDKs
	// extract from $meta), else the columns returned.
	if out.OutputFields = r.GetOutputFields(); len(out.OutputFields) == 0 {
		for _, fd := range out.FieldsData {
			out.OutputFields = append(out.OutputFields, fd.GetFieldName())
		}
	}
	return out, nil
}

// Search runs an ANN search of nq vectors.
func (s *Service) Search(ctx context.Context, r *milvuspb.SearchRequest) (*milvuspb.SearchResults, error) {
	fail := func(err error) (*milvuspb.SearchResults, error) {
		return &milvuspb.SearchResults{Status: toStatus(err)}, nil
	}
	if len(r.GetSubReqs()) > 0 || r.GetFunctionScore() != nil {
		return fail(fmt.Errorf("%w: sub-requests and function scores are not supported over gRPC; use REST entities/hybrid_search", api.ErrInvalid))
	}
	q, err := searchRequest(ctx, r)
	if err != nil {
		return fail(err)
	}
	res, err := s.api.Search(ctx, q)
	if err != nil {
		return fail(err)
	}
	return &milvuspb.SearchResults{Status: ok(), CollectionName: r.GetCollectionName(),
		Results: searchData(res, r.GetOutputFields())}, nil
}

// searchRequest translates a SearchRequest into the api's.
func searchRequest(ctx context.Context, r *milvuspb.SearchRequest) (*api.SearchRequest, error) {
	q := &api.SearchRequest{}
	q.CollectionName, q.PartitionNames, q.Filter = r.GetCollectionName(), r.GetPartitionNames(), r.GetDsl()
	q.OutputFields = r.GetOutputFields()
	q.ConsistencyLevel, q.Session = readLevel(ctx, r.GetConsistencyLevel(), r.GetUseDefaultConsistency())
	var err error
	if q.ExprParams, err = templateValues(r.GetExprTemplateValues()); err != nil {
		return nil, err
	}
	ph, err := placeholders(r.GetPlaceholderGroup())
	if err != nil {
		return nil, err
	}
	q.Vectors, q.Sparse, q.Texts, q.Binary = ph.vectors, ph.sparse, ph.texts, ph.binary
	return q, searchParams(q, pairs(r.GetSearchParams()))
}

// searchParams reads the search_params pairs SDKs send.
func searchParams(q *api.SearchRequest, kv map[string]string) error {
	var err error
	q.AnnsField, q.MetricType, q.GroupingField = kv["anns_field"], strings.ToUpper(kv["metric_type"]), kv["group_by_field"]
	if q.Limit, err = intPair(kv, "topk"); err != nil {
		return err
	}
	if q.Limit == 0 {
		if q.Limit, err = intPair(kv, "limit"); err != nil {
			return err
		}
	}
	if q.Offset, err = intPair(kv, "offset"); err != nil {
		return err
	}
	if q.GroupSize, err = intPair(kv, "group_size"); err != nil {
		return err
	}
	q.SearchParams = map[string]any{}
	if p := kv["params"]; p != "" {
		q.SearchParams["params"] = p
	}
	for _, k := range []string{"ef", "nprobe", "radius", "range_filter", "level"} {
		if v, ok := kv[k]; ok {
			q.SearchParams[k] = json.Number(v)
		}
	}
	// Search iterator v2 (the SDKs' SearchIterator): passed as sent.
	for _, k := range []string{"iterator", "search_iter_v2", "search_iter_batch_size", "search_iter_id", "search_iter_last_bound"} {
		if v, ok := kv[k]; ok {
			q.SearchParams[k] = v
		}
	}
	return nil
}

// searchData renders reduced hits as Milvus's flattened result.
func searchData(res *api.SearchResult, outputNames []string) *schemapb.SearchResultData {
	total := 0
	for _, hs := range res.Hits {
		total += len(hs)
	}
	ents, groups := make([]*proxy.Entity, 0, total), make([]any, 0, total)
	out := &schemapb.SearchResultData{NumQueries: int64(len(res.Hits)), Topks: make([]int64, len(res.Hits)),
		Scores: make([]float32, 0, total)}
	for q, hs := range res.Hits {
		out.Topks[q] = int64(len(hs))
		out.TopK = max(out.TopK, int64(len(hs)))
		for i := range hs {
			ents, groups = append(ents, &hs[i].Entity), append(groups, hs[i].Group)
			out.Scores = append(out.Scores, hs[i].Distance)
		}
	}
	pk := res.Schema.Primary()
	out.PrimaryFieldName = pk.Name
	keys := pkValues(ents)
	out.Ids = idsOf(keys, pk.Type == segment.TypeVarChar)
	for _, n := range outputNames {
		if n == pk.Name || n == "*" {
			out.FieldsData = append(out.FieldsData, column(pk, keys))
			break
		}
	}
	out.FieldsData = append(out.FieldsData, valueColumns(res.Schema, res.Fields(), ents)...)
	for _, fd := range out.FieldsData {
		out.OutputFields = append(out.OutputFields, fd.GetFieldName())
	}
	if res.Iterator != nil {
		out.SearchIteratorV2Results = &schemapb.SearchIteratorV2Results{Token: res.Iterator.Token, LastBound: res.Iterator.LastBound}
	}
	if res.GroupField >= 0 { // each hit's group value, as Milvus returns it
		out.GroupByFieldValue = column(&res.Schema.Fields[res.GroupField], groups)
	}
	return out
}

// queries are the decoded values of a PlaceholderGroup: float vectors,
// sparse vectors, or the texts of a BM25 search.
type queries struct {
	binary  [][]byte
	vectors [][]float32
	sparse  []segment.SparseVector
	texts   []string
}

// placeholders decodes a serialized PlaceholderGroup: FloatVector values
// are little-endian float32s, SparseFloatVector values Milvus's sparse
// rows (uint32 index, float32 value pairs), VarChar values query texts.
func placeholders(b []byte) (queries, error) {
	var q queries
	var g commonpb.PlaceholderGroup
	if err := proto.Unmarshal(b, &g); err != nil {
		return q, fmt.Errorf("%w: placeholder_group is not a serialized PlaceholderGroup: %v", api.ErrInvalid, err)
	}
	if len(g.GetPlaceholders()) != 1 {
		return q, fmt.Errorf("%w: placeholder_group must hold one placeholder, got %d", api.ErrInvalid, len(g.GetPlaceholders()))
	}
	ph := g.GetPlaceholders()[0]
	switch ph.GetType() {
	case commonpb.PlaceholderType_FloatVector:
		q.vectors = make([][]float32, len(ph.GetValues()))
		for i, raw := range ph.GetValues() {
			if len(raw)%4 != 0 {
				return q, fmt.Errorf("%w: query vector %d has %d bytes, not a multiple of 4", api.ErrInvalid, i, len(raw))
			}
			vec := make([]float32, len(raw)/4)
			for j := range vec {
				vec[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
			}
			q.vectors[i] = vec
		}
	case commonpb.PlaceholderType_Float16Vector, commonpb.PlaceholderType_BFloat16Vector:
		f := half.F16
		if ph.GetType() == commonpb.PlaceholderType_BFloat16Vector {
			f = half.BF16
		}
		q.vectors = make([][]float32, len(ph.GetValues()))
		for i, raw := range ph.GetValues() {
			if len(raw)%2 != 0 {
				return q, fmt.Errorf("%w: query vector %d has %d bytes, not a multiple of 2", api.ErrInvalid, i, len(raw))
			}
			h := make([]uint16, len(raw)/2)
			for j := range h {
				h[j] = binary.LittleEndian.Uint16(raw[2*j:])
			}
			q.vectors[i] = make([]float32, len(h))
			half.Decode(f, q.vectors[i], h)
		}
	case commonpb.PlaceholderType_BinaryVector:
		q.binary = ph.GetValues()
	case commonpb.PlaceholderType_SparseFloatVector:
		q.sparse = make([]segment.SparseVector, len(ph.GetValues()))
		for i, raw := range ph.GetValues() {
			var err error
			if q.sparse[i], err = segment.ParseSparseBinary(raw); err != nil {
				return q, fmt.Errorf("%w: query vector %d: %v", api.ErrInvalid, i, err)
			}
		}
	case commonpb.PlaceholderType_VarChar:
		q.texts = make([]string, len(ph.GetValues()))
		for i, raw := range ph.GetValues() {
			if !utf8.Valid(raw) {
				return q, fmt.Errorf("%w: query text %d is not valid UTF-8", api.ErrInvalid, i)
			}
			q.texts[i] = string(raw)
		}
	default:
		return q, fmt.Errorf("%w: query vectors of type %s are not supported (FloatVector, Float16Vector, BFloat16Vector, BinaryVector, SparseFloatVector, VarChar)", api.ErrInvalid, ph.GetType())
	}
	return q, nil
}

// pairs turns key-value pairs into a map (the last of a key wins).
func pairs(kvs []*commonpb.KeyValuePair) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = kv.GetValue()
	}
	return m
}

// intPair reads an integer pair; absent or empty is 0.
func intPair(kv map[string]string, key string) (int, error) {
	v := strings.TrimSpace(kv[key])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%w: invalid %s %q: want an integer", api.ErrInvalid, key, v)
	}
	return n, nil
}

// templateValues converts expression template values to exprParams.
func templateValues(m map[string]*schemapb.TemplateValue) (map[string]any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		x, err := templateValue(v)
		if err != nil {
			return nil, fmt.Errorf("%w: expr template value %q: %v", api.ErrInvalid, k, err)
		}
		out[k] = x
	}
	return out, nil
}

func templateValue(v *schemapb.TemplateValue) (any, error) {
	switch x := v.GetVal().(type) {
	case *schemapb.TemplateValue_BoolVal:
		return x.BoolVal, nil
	case *schemapb.TemplateValue_Int64Val:
		return json.Number(strconv.FormatInt(x.Int64Val, 10)), nil
	case *schemapb.TemplateValue_FloatVal:
		return json.Number(strconv.FormatFloat(x.FloatVal, 'g', -1, 64)), nil
	case *schemapb.TemplateValue_StringVal:
		return x.StringVal, nil
	case *schemapb.TemplateValue_ArrayVal:
		return templateArray(x.ArrayVal)
	}
	return nil, fmt.Errorf("unsupported template value %T", v.GetVal())
}

func templateArray(a *schemapb.TemplateArrayValue) (any, error) {
	switch d := a.GetData().(type) {
	case *schemapb.TemplateArrayValue_BoolData:
		return each(d.BoolData.GetData(), func(b bool) any { return b }), nil
	case *schemapb.TemplateArrayValue_LongData:
		return each(d.LongData.GetData(), func(x int64) any { return json.Number(strconv.FormatInt(x, 10)) }), nil
	case *schemapb.TemplateArrayValue_DoubleData:
		return each(d.DoubleData.GetData(), func(x float64) any { return json.Number(strconv.FormatFloat(x, 'g', -1, 64)) }), nil
	case *schemapb.TemplateArrayValue_StringData:
		return each(d.StringData.GetData(), func(s string) any { return s }), nil
	}
	return nil, fmt.Errorf("unsupported template array %T", a.GetData())
}

// HybridSearch runs several ANN searches and fuses their ranked lists
// (rank_params: strategy rrf or weighted, params, limit, offset).
func (s *Service) HybridSearch(ctx context.Context, r *milvuspb.HybridSearchRequest) (*milvuspb.SearchResults, error) {
	fail := func(err error) (*milvuspb.SearchResults, error) {
		return &milvuspb.SearchResults{Status: toStatus(err)}, nil
	}
	if r.GetFunctionScore() != nil {
		return fail(fmt.Errorf("%w: function scores are not supported; use rank_params strategy rrf or weighted", api.ErrInvalid))
	}
	h, err := hybridRequest(ctx, r)
	if err != nil {
		return fail(err)
	}
	res, err := s.api.HybridSearch(ctx, h)
	if err != nil {
		return fail(err)
	}
	return &milvuspb.SearchResults{Status: ok(), CollectionName: r.GetCollectionName(),
		Results: searchData(res, r.GetOutputFields())}, nil
}

// hybridRequest translates a HybridSearchRequest into the api's.
func hybridRequest(ctx context.Context, r *milvuspb.HybridSearchRequest) (*api.HybridSearchRequest, error) {
	h := &api.HybridSearchRequest{}
	h.CollectionName, h.PartitionNames, h.OutputFields = r.GetCollectionName(), r.GetPartitionNames(), r.GetOutputFields()
	h.ConsistencyLevel, h.Session = readLevel(ctx, r.GetConsistencyLevel(), r.GetUseDefaultConsistency())
	kv := pairs(r.GetRankParams())
	var err error
	if h.Limit, err = intPair(kv, "limit"); err != nil {
		return nil, err
	}
	if h.Offset, err = intPair(kv, "offset"); err != nil {
		return nil, err
	}
	h.Rerank.Strategy = kv["strategy"]
	if p := kv["params"]; p != "" {
		if h.Rerank.Params, err = jsonObject(p); err != nil {
			return nil, fmt.Errorf("%w: rank_params params: %v", api.ErrInvalid, err)
		}
	}
	for i, sr := range r.GetRequests() {
		q, err := searchRequest(ctx, sr)
		if err != nil {
			return nil, fmt.Errorf("search[%d]: %w", i, err)
		}
		sub := api.SubSearch{Vectors: q.Vectors, Sparse: q.Sparse, Texts: q.Texts, Binary: q.Binary, AnnsField: q.AnnsField, Limit: q.Limit, Filter: q.Filter,
			ExprParams: q.ExprParams, MetricType: q.MetricType, SearchParams: q.SearchParams}
		h.Search = append(h.Search, sub)
	}
	return h, nil
}
