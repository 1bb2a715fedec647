package api

import (
	"context"

	"github.com/raftvec/raftvec/coordinator"
)

type partitionReq struct {
	collReq
	PartitionName  string   `json:"partitionName"`
	PartitionNames []string `json:"partitionNames"`
}

// decodePartition decodes a body naming a collection and one partition.
func decodePartition(c *call, r *partitionReq) error {
	if err := decodeNamed(c, r, &r.collReq); err != nil {
		return err
	}
	return requireName("partitionName", r.PartitionName)
}

func (s *Server) createPartition(ctx context.Context, c *call) (any, error) {
	var r partitionReq
	if err := decodePartition(c, &r); err != nil {
		return nil, err
	}
	if err := checkName("partition", r.PartitionName); err != nil {
		return nil, err
	}
	err := s.b.CreatePartition(ctx, r.CollectionName, r.PartitionName)
	return empty(), named(named(err, "partition", r.PartitionName), "collection", r.CollectionName)
}

func (s *Server) dropPartition(ctx context.Context, c *call) (any, error) {
	var r partitionReq
	if err := decodePartition(c, &r); err != nil {
		return nil, err
	}
	err := s.b.DropPartition(ctx, r.CollectionName, r.PartitionName)
	return empty(), named(named(err, "partition", r.PartitionName), "collection", r.CollectionName)
}

func (s *Server) hasPartition(ctx context.Context, c *call) (any, error) {
	var r partitionReq
	if err := decodePartition(c, &r); err != nil {
		return nil, err
	}
	col, err := s.describe(ctx, r.CollectionName)
	if err != nil {
		return nil, err
	}
	_, ok := col.Partition(r.PartitionName)
	return map[string]any{"has": ok}, nil
}

func (s *Server) listPartitions(ctx context.Context, c *call) (any, error) {
	var r partitionReq
	col, err := s.decodeDescribe(ctx, c, &r, &r.collReq)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, p := range col.Partitions {
		names = append(names, p.Name)
	}
	return names, nil
}

// loadPartitions checks the partitions exist: raftvec serves every
// partition of a collection, so loading always succeeds.
func (s *Server) loadPartitions(ctx context.Context, c *call) (any, error) {
	_, err := s.partitionsOf(ctx, c)
	return empty(), err
}

// releasePartitions checks the partitions exist; releasing is a no-op.
func (s *Server) releasePartitions(ctx context.Context, c *call) (any, error) {
	_, err := s.partitionsOf(ctx, c)
	return empty(), err
}

// partitionsOf decodes {collectionName, partitionNames} and checks them.
func (s *Server) partitionsOf(ctx context.Context, c *call) (*coordinator.Collection, error) {
	var r partitionReq
	col, err := s.decodeDescribe(ctx, c, &r, &r.collReq)
	if err != nil {
		return nil, err
	}
	if r.PartitionName != "" {
		r.PartitionNames = append(r.PartitionNames, r.PartitionName)
	}
	if len(r.PartitionNames) == 0 {
		return nil, missingf("missing required parameter \"partitionNames\"")
	}
	return col, checkPartitions(col, r.PartitionNames...)
}

func (s *Server) partitionStats(ctx context.Context, c *call) (any, error) {
	var r partitionReq
	if err := decodePartition(c, &r); err != nil {
		return nil, err
	}
	n, err := s.b.RowCount(ctx, r.CollectionName, r.PartitionName)
	if err != nil {
		return nil, named(named(err, "partition", r.PartitionName), "collection", r.CollectionName)
	}
	return map[string]any{"rowCount": n}, nil
}
