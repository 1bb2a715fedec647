package grpcapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
)

// CreateIndex creates an index. extra_params carry index_type,
// metric_type and the build params, flat (Go SDK) or as a "params" JSON
// object (pymilvus).
func (s *Service) CreateIndex(ctx context.Context, r *milvuspb.CreateIndexRequest) (*commonpb.Status, error) {
	p := api.IndexParam{FieldName: r.GetFieldName(), IndexName: r.GetIndexName(), Params: map[string]any{}}
	for k, v := range pairs(r.GetExtraParams()) {
		switch strings.ToLower(k) {
		case "index_type":
			p.IndexType = v
		case "metric_type":
			p.MetricType = v
		case "params":
			m, err := jsonObject(v)
			if err != nil {
				return toStatus(fmt.Errorf("%w: index params: %v", api.ErrInvalid, err)), nil
			}
			for pk, pv := range m {
				p.Params[pk] = pv
			}
		default:
			p.Params[k] = paramValue(v)
		}
	}
	if p.IndexName == "" {
		p.IndexName = p.FieldName
	}
	req := &api.CreateIndexRequest{IndexParams: []api.IndexParam{p}}
	req.CollectionName = r.GetCollectionName()
	return toStatus(s.api.CreateIndex(ctx, req)), nil
}

// paramValue keeps a numeric build param a number.
func paramValue(v string) any {
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return json.Number(v)
	}
	return v
}

// DescribeIndex describes the collection's indexes (of one field or name
// when given), with build progress.
func (s *Service) DescribeIndex(ctx context.Context, r *milvuspb.DescribeIndexRequest) (*milvuspb.DescribeIndexResponse, error) {
	descs, err := s.describeIndexes(ctx, r.GetCollectionName(), r.GetFieldName(), r.GetIndexName())
	return &milvuspb.DescribeIndexResponse{Status: toStatus(err), IndexDescriptions: descs}, nil
}

func (s *Service) describeIndexes(ctx context.Context, coll, field, name string) ([]*milvuspb.IndexDescription, error) {
	col, err := s.collection(ctx, coll)
	if err != nil {
		return nil, err
	}
	var out []*milvuspb.IndexDescription
	for _, ix := range col.Indexes {
		if (name != "" && ix.Name != name) || (field != "" && ix.FieldName != field) {
			continue
		}
		total, indexed, state, fail, err := s.b.IndexProgress(ctx, col.Name, ix.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, &milvuspb.IndexDescription{IndexName: ix.Name, IndexID: ix.ID, FieldName: ix.FieldName,
			Params: indexParams(ix), TotalRows: total, IndexedRows: indexed, PendingIndexRows: max(total-indexed, 0),
			State: commonpb.IndexState(commonpb.IndexState_value[state]), IndexStateFailReason: fail})
	}
	if len(out) == 0 {
		what := name
		if what == "" {
			what = field
		}
		return nil, fmt.Errorf("%w: %q in collection %q", coordinator.ErrIndexNotFound, what, col.Name)
	}
	return out, nil
}

func indexParams(ix coordinator.Index) []*commonpb.KeyValuePair {
	kv := []*commonpb.KeyValuePair{{Key: "index_type", Value: ix.IndexType}, {Key: "metric_type", Value: ix.MetricType}}
	if len(ix.Params) > 0 {
		b, _ := json.Marshal(ix.Params)
		kv = append(kv, &commonpb.KeyValuePair{Key: "params", Value: string(b)})
	}
	return kv
}

// GetIndexState reports the state of one index.
func (s *Service) GetIndexState(ctx context.Context, r *milvuspb.GetIndexStateRequest) (*milvuspb.GetIndexStateResponse, error) {
	d, err := s.describeIndexes(ctx, r.GetCollectionName(), r.GetFieldName(), r.GetIndexName())
	if err != nil {
		return &milvuspb.GetIndexStateResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.GetIndexStateResponse{Status: ok(), State: d[0].GetState(), FailReason: d[0].GetIndexStateFailReason()}, nil
}

// GetIndexBuildProgress reports rows covered by one index.
func (s *Service) GetIndexBuildProgress(ctx context.Context, r *milvuspb.GetIndexBuildProgressRequest) (*milvuspb.GetIndexBuildProgressResponse, error) {
	d, err := s.describeIndexes(ctx, r.GetCollectionName(), r.GetFieldName(), r.GetIndexName())
	if err != nil {
		return &milvuspb.GetIndexBuildProgressResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.GetIndexBuildProgressResponse{Status: ok(), IndexedRows: d[0].GetIndexedRows(),
		TotalRows: d[0].GetTotalRows()}, nil
}

// DropIndex drops an index, named or on the named field.
func (s *Service) DropIndex(ctx context.Context, r *milvuspb.DropIndexRequest) (*commonpb.Status, error) {
	d, err := s.describeIndexes(ctx, r.GetCollectionName(), r.GetFieldName(), r.GetIndexName())
	if err != nil {
		return toStatus(err), nil
	}
	return toStatus(s.b.DropIndex(ctx, r.GetCollectionName(), d[0].GetIndexName())), nil
}
