package grpcapi

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
)

// CreateDatabase creates a database with properties.
func (s *Service) CreateDatabase(ctx context.Context, r *milvuspb.CreateDatabaseRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		if err := api.CheckName("database", r.GetDbName()); err != nil {
			return err
		}
		return s.b.CreateDatabase(ctx, r.GetDbName(), pairs(r.GetProperties()))
	}), nil
}

// DropDatabase drops a database that has no collection left.
func (s *Service) DropDatabase(ctx context.Context, r *milvuspb.DropDatabaseRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		if r.GetDbName() == "" {
			return fmt.Errorf("%w: missing db_name", api.ErrInvalid)
		}
		return s.b.DropDatabase(ctx, r.GetDbName())
	}), nil
}

// ListDatabases lists every database, the default one first.
func (s *Service) ListDatabases(ctx context.Context, _ *milvuspb.ListDatabasesRequest) (*milvuspb.ListDatabasesResponse, error) {
	dbs, err := s.b.ListDatabases(ctx)
	if err != nil {
		return &milvuspb.ListDatabasesResponse{Status: toStatus(err)}, nil
	}
	out := &milvuspb.ListDatabasesResponse{Status: ok()}
	for _, d := range dbs {
		out.DbNames, out.DbIds = append(out.DbNames, d.Name), append(out.DbIds, d.ID)
	}
	return out, nil
}

// DescribeDatabase describes a database ("" is the default one).
func (s *Service) DescribeDatabase(ctx context.Context, r *milvuspb.DescribeDatabaseRequest) (*milvuspb.DescribeDatabaseResponse, error) {
	d, err := s.b.DescribeDatabase(ctx, coordinator.NormalizeDatabase(r.GetDbName()))
	if err != nil {
		return &milvuspb.DescribeDatabaseResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.DescribeDatabaseResponse{Status: ok(), DbName: d.Name, DbID: d.ID,
		Properties: keyValuePairs(d.Properties)}, nil
}

// AlterDatabase sets properties of a database and deletes others
// (delete_keys, the SDKs' DropDatabaseProperties).
func (s *Service) AlterDatabase(ctx context.Context, r *milvuspb.AlterDatabaseRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		return s.b.AlterDatabase(ctx, coordinator.NormalizeDatabase(r.GetDbName()), pairs(r.GetProperties()), r.GetDeleteKeys())
	}), nil
}

// keyValuePairs renders properties sorted by key.
func keyValuePairs(props map[string]string) []*commonpb.KeyValuePair {
	var out []*commonpb.KeyValuePair
	for _, k := range slices.Sorted(maps.Keys(props)) {
		out = append(out, &commonpb.KeyValuePair{Key: k, Value: props[k]})
	}
	return out
}
