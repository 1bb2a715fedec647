package api

import (
	"context"

	"github.com/raftvec/raftvec/proxy"
)

type aliasReq struct {
	collReq
	AliasName string `json:"aliasName"`
}

// decodeAlias decodes an alias body; the collection is required when
// needCollection.
func decodeAlias(c *call, r *aliasReq, needCollection bool) error {
	if err := decodeBody(c.body, r); err != nil {
		return err
	}
	if err := requireName("aliasName", r.AliasName); err != nil {
		return err
	}
	if needCollection {
		return requireName("collectionName", r.CollectionName)
	}
	return nil
}

func (s *Server) createAlias(ctx context.Context, c *call) (any, error) {
	var r aliasReq
	if err := decodeAlias(c, &r, true); err != nil {
		return nil, err
	}
	if err := checkName("alias", r.AliasName); err != nil {
		return nil, err
	}
	err := s.b.CreateAlias(ctx, r.AliasName, r.CollectionName)
	return empty(), named(named(err, "alias", r.AliasName), "collection", r.CollectionName)
}

func (s *Server) alterAlias(ctx context.Context, c *call) (any, error) {
	var r aliasReq
	if err := decodeAlias(c, &r, true); err != nil {
		return nil, err
	}
	if err := checkName("alias", r.AliasName); err != nil {
		return nil, err
	}
	err := s.b.AlterAlias(ctx, r.AliasName, r.CollectionName)
	return empty(), named(named(err, "alias", r.AliasName), "collection", r.CollectionName)
}

func (s *Server) dropAlias(ctx context.Context, c *call) (any, error) {
	var r aliasReq
	if err := decodeAlias(c, &r, false); err != nil {
		return nil, err
	}
	return empty(), named(s.b.DropAlias(ctx, r.AliasName), "alias", r.AliasName)
}

func (s *Server) describeAlias(ctx context.Context, c *call) (any, error) {
	var r aliasReq
	if err := decodeAlias(c, &r, false); err != nil {
		return nil, err
	}
	coll, err := s.b.DescribeAlias(ctx, r.AliasName)
	if err != nil {
		return nil, named(err, "alias", r.AliasName)
	}
	return map[string]any{"aliasName": r.AliasName, "collectionName": coll, "dbName": proxy.Database(ctx)}, nil
}

func (s *Server) listAliases(ctx context.Context, c *call) (any, error) {
	var r aliasReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	names, err := s.b.ListAliases(ctx, r.CollectionName)
	if err != nil {
		return nil, named(err, "collection", r.CollectionName)
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}
