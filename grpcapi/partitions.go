package grpcapi

import (
	"context"
	"fmt"
	"slices"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
)

// CreatePartition creates a partition.
func (s *Service) CreatePartition(ctx context.Context, r *milvuspb.CreatePartitionRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		if err := api.CheckName("partition", r.GetPartitionName()); err != nil {
			return err
		}
		return s.b.CreatePartition(ctx, r.GetCollectionName(), r.GetPartitionName())
	}), nil
}

// DropPartition drops a partition and its rows.
func (s *Service) DropPartition(ctx context.Context, r *milvuspb.DropPartitionRequest) (*commonpb.Status, error) {
	return s.do(func() error { return s.b.DropPartition(ctx, r.GetCollectionName(), r.GetPartitionName()) }), nil
}

// HasPartition reports whether a partition exists.
func (s *Service) HasPartition(ctx context.Context, r *milvuspb.HasPartitionRequest) (*milvuspb.BoolResponse, error) {
	col, err := s.collection(ctx, r.GetCollectionName())
	if err != nil {
		return &milvuspb.BoolResponse{Status: toStatus(err)}, nil
	}
	_, has := col.Partition(r.GetPartitionName())
	return &milvuspb.BoolResponse{Status: ok(), Value: has}, nil
}

// ShowPartitions lists a collection's partitions.
func (s *Service) ShowPartitions(ctx context.Context, r *milvuspb.ShowPartitionsRequest) (*milvuspb.ShowPartitionsResponse, error) {
	col, err := s.collection(ctx, r.GetCollectionName())
	if err != nil {
		return &milvuspb.ShowPartitionsResponse{Status: toStatus(err)}, nil
	}
	out := &milvuspb.ShowPartitionsResponse{Status: ok()}
	for _, p := range col.Partitions {
		if len(r.GetPartitionNames()) > 0 && !slices.Contains(r.GetPartitionNames(), p.Name) {
			continue
		}
		out.PartitionNames, out.PartitionIDs = append(out.PartitionNames, p.Name), append(out.PartitionIDs, p.ID)
	}
	return out, nil
}

// LoadPartitions checks the partitions exist: raftvec serves every
// partition of a loaded collection, so loading one loads the collection.
func (s *Service) LoadPartitions(ctx context.Context, r *milvuspb.LoadPartitionsRequest) (*commonpb.Status, error) {
	col, err := s.partitions(ctx, r.GetCollectionName(), r.GetPartitionNames())
	if err != nil {
		return toStatus(err), nil
	}
	return toStatus(s.b.SetLoaded(ctx, col.Name, true, int(r.GetReplicaNumber()))), nil
}

// ReleasePartitions checks the partitions exist; releasing one partition
// is a no-op (the collection stays loaded), as over REST.
func (s *Service) ReleasePartitions(ctx context.Context, r *milvuspb.ReleasePartitionsRequest) (*commonpb.Status, error) {
	_, err := s.partitions(ctx, r.GetCollectionName(), r.GetPartitionNames())
	return toStatus(err), nil
}

// GetPartitionStatistics reports a partition's live row count.
func (s *Service) GetPartitionStatistics(ctx context.Context, r *milvuspb.GetPartitionStatisticsRequest) (*milvuspb.GetPartitionStatisticsResponse, error) {
	if _, err := s.partitions(ctx, r.GetCollectionName(), []string{r.GetPartitionName()}); err != nil {
		return &milvuspb.GetPartitionStatisticsResponse{Status: toStatus(err)}, nil
	}
	n, err := s.rowCount(ctx, r.GetCollectionName(), r.GetPartitionName())
	if err != nil {
		return &milvuspb.GetPartitionStatisticsResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.GetPartitionStatisticsResponse{Status: ok(), Stats: rowCountStats(n)}, nil
}

// collection describes a collection of the call's database.
func (s *Service) collection(ctx context.Context, name string) (*coordinator.Collection, error) {
	return s.b.DescribeCollection(ctx, name)
}

// partitions describes a collection and checks the named partitions exist.
func (s *Service) partitions(ctx context.Context, name string, parts []string) (*coordinator.Collection, error) {
	col, err := s.collection(ctx, name)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		if _, has := col.Partition(p); !has {
			return nil, fmt.Errorf("%w: %q in collection %q", coordinator.ErrPartitionNotFound, p, col.Name)
		}
	}
	return col, nil
}

// CreateAlias creates an alias of a collection.
func (s *Service) CreateAlias(ctx context.Context, r *milvuspb.CreateAliasRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		if err := api.CheckName("alias", r.GetAlias()); err != nil {
			return err
		}
		return s.b.CreateAlias(ctx, r.GetAlias(), r.GetCollectionName())
	}), nil
}

// AlterAlias points an alias at another collection.
func (s *Service) AlterAlias(ctx context.Context, r *milvuspb.AlterAliasRequest) (*commonpb.Status, error) {
	return s.do(func() error { return s.b.AlterAlias(ctx, r.GetAlias(), r.GetCollectionName()) }), nil
}

// DropAlias drops an alias.
func (s *Service) DropAlias(ctx context.Context, r *milvuspb.DropAliasRequest) (*commonpb.Status, error) {
	return s.do(func() error { return s.b.DropAlias(ctx, r.GetAlias()) }), nil
}

// DescribeAlias names the collection an alias points to.
func (s *Service) DescribeAlias(ctx context.Context, r *milvuspb.DescribeAliasRequest) (*milvuspb.DescribeAliasResponse, error) {
	var coll string
	st := s.do(func() (err error) {
		coll, err = s.b.DescribeAlias(ctx, r.GetAlias())
		return err
	})
	return &milvuspb.DescribeAliasResponse{Status: st, DbName: proxy.Database(ctx), Alias: r.GetAlias(), Collection: coll}, nil
}

// ListAliases lists aliases, of one collection when named.
func (s *Service) ListAliases(ctx context.Context, r *milvuspb.ListAliasesRequest) (*milvuspb.ListAliasesResponse, error) {
	var names []string
	st := s.do(func() (err error) {
		names, err = s.b.ListAliases(ctx, r.GetCollectionName())
		return err
	})
	return &milvuspb.ListAliasesResponse{Status: st, DbName: proxy.Database(ctx), CollectionName: r.GetCollectionName(), Aliases: names}, nil
}
