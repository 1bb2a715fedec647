package grpcapi

import (
	"context"
	"fmt"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"

	"github.com/raftvec/raftvec/api"
)

// AlterCollection sets and drops collection properties: the SDKs'
// AlterCollectionProperties and DropCollectionProperties (README "TTL").
func (s *Service) AlterCollection(ctx context.Context, r *milvuspb.AlterCollectionRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		set, drop := pairs(r.GetProperties()), r.GetDeleteKeys()
		if len(set) == 0 && len(drop) == 0 {
			return fmt.Errorf("%w: AlterCollection needs properties to set or delete_keys to drop", api.ErrInvalid)
		}
		return s.api.AlterProperties(ctx, r.GetCollectionName(), set, drop)
	}), nil
}
