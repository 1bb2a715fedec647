package api

import (
	"context"
	"errors"

	"github.com/raftvec/raftvec/coordinator"
)

func empty() map[string]any { return map[string]any{} }

// decodeNamed decodes a body that must name a collection.
func decodeNamed(c *call, v dbNamer, cr *collReq) error {
	if err := decodeBody(c.body, v); err != nil {
		return err
	}
	return requireName("collectionName", cr.CollectionName)
}

// decodeDescribe decodes a body naming a collection and describes it.
func (s *Server) decodeDescribe(ctx context.Context, c *call, v dbNamer, cr *collReq) (*coordinator.Collection, error) {
	if err := decodeNamed(c, v, cr); err != nil {
		return nil, err
	}
	return s.describe(ctx, cr.CollectionName)
}

func (s *Server) describe(ctx context.Context, name string) (*coordinator.Collection, error) {
	col, err := s.b.DescribeCollection(ctx, name)
	if err != nil {
		return nil, named(err, "collection", name)
	}
	return col, nil
}

func (s *Server) createCollection(ctx context.Context, c *call) (any, error) {
	var r CreateCollectionRequest
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	return empty(), s.CreateCollection(ctx, &r)
}

// CreateCollection validates r (quick or full form) and creates the
// collection, with its indexes when r names any.
func (s *Server) CreateCollection(ctx context.Context, r *CreateCollectionRequest) error {
	if err := checkName("collection", r.CollectionName); err != nil {
		return err
	}
	col, err := buildCollection(r)
	if err != nil {
		return err
	}
	return named(s.b.CreateCollection(ctx, col), "collection", r.CollectionName)
}

func (s *Server) describeCollection(ctx context.Context, c *call) (any, error) {
	var r collReq
	col, err := s.decodeDescribe(ctx, c, &r, &r)
	if err != nil {
		return nil, err
	}
	return describeShape(col), nil
}

func (s *Server) listCollections(ctx context.Context, c *call) (any, error) {
	var r collReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	names, err := s.b.ListCollections(ctx)
	if names == nil {
		names = []string{}
	}
	return names, err
}

func (s *Server) hasCollection(ctx context.Context, c *call) (any, error) {
	var r collReq
	if err := decodeNamed(c, &r, &r); err != nil {
		return nil, err
	}
	_, err := s.b.DescribeCollection(ctx, r.CollectionName)
	if errors.Is(err, coordinator.ErrCollectionNotFound) {
		return map[string]any{"has": false}, nil
	}
	return map[string]any{"has": err == nil}, err
}

// simpleColl runs op on the named collection and replies {}.
func (s *Server) simpleColl(c *call, op func(name string) error) (any, error) {
	var r collReq
	if err := decodeNamed(c, &r, &r); err != nil {
		return nil, err
	}
	return empty(), named(op(r.CollectionName), "collection", r.CollectionName)
}

func (s *Server) dropCollection(ctx context.Context, c *call) (any, error) {
	return s.simpleColl(c, func(n string) error { return s.b.DropCollection(ctx, n) })
}

// loadReq is collections/load: replicaNumber sets the query replicas of
// every shard (README "Node roles").
type loadReq struct {
	collReq
	ReplicaNumber *int `json:"replicaNumber"`
}

func (s *Server) loadCollection(ctx context.Context, c *call) (any, error) {
	var r loadReq
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	n := 0
	if r.ReplicaNumber != nil {
		if n = *r.ReplicaNumber; n < 1 || n > 16 {
			return nil, invalidf("replicaNumber must be between 1 and 16, got %d", n)
		}
	}
	return empty(), named(s.b.SetLoaded(ctx, r.CollectionName, true, n), "collection", r.CollectionName)
}

func (s *Server) releaseCollection(ctx context.Context, c *call) (any, error) {
	return s.simpleColl(c, func(n string) error { return s.b.SetLoaded(ctx, n, false, 0) })
}

func (s *Server) flushCollection(ctx context.Context, c *call) (any, error) {
	return s.simpleColl(c, func(n string) error { return s.b.Flush(ctx, n) })
}

func (s *Server) loadState(ctx context.Context, c *call) (any, error) {
	var r collReq
	col, err := s.decodeDescribe(ctx, c, &r, &r)
	if err != nil {
		return nil, err
	}
	if !col.Loaded {
		return map[string]any{"loadState": loadStateNotLoad, "loadProgress": 0}, nil
	}
	p, err := s.b.LoadProgress(ctx, col.Name)
	if err != nil {
		return nil, err
	}
	if p < 100 {
		return map[string]any{"loadState": loadStateLoading, "loadProgress": p}, nil
	}
	return map[string]any{"loadState": loadStateLoaded, "loadProgress": 100}, nil
}

const (
	loadStateLoaded  = "LoadStateLoaded"
	loadStateNotLoad = "LoadStateNotLoad"
	loadStateLoading = "LoadStateLoading"
)

func (s *Server) collectionStats(ctx context.Context, c *call) (any, error) {
	var r collReq
	if err := decodeNamed(c, &r, &r); err != nil {
		return nil, err
	}
	n, err := s.b.RowCount(ctx, r.CollectionName, "")
	return map[string]any{"rowCount": n}, named(err, "collection", r.CollectionName)
}

type renameReq struct {
	collReq
	NewCollectionName string `json:"newCollectionName"`
	NewDbName         string `json:"newDbName"`
}

func (s *Server) renameCollection(ctx context.Context, c *call) (any, error) {
	var r renameReq
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	if err := firstErr(requireName("newCollectionName", r.NewCollectionName), checkName("collection", r.NewCollectionName)); err != nil {
		return nil, err
	}
	err := s.b.RenameCollection(ctx, r.CollectionName, r.NewDbName, r.NewCollectionName)
	return empty(), named(err, "collection", r.CollectionName)
}

func (s *Server) compactCollection(ctx context.Context, c *call) (any, error) {
	var r collReq
	if err := decodeNamed(c, &r, &r); err != nil {
		return nil, err
	}
	id, err := s.b.Compact(ctx, r.CollectionName)
	return map[string]any{"compactionID": id}, named(err, "collection", r.CollectionName)
}

type compactionReq struct {
	dbReq
	JobID        flexInt `json:"jobID"`
	CompactionID flexInt `json:"compactionID"`
}

func (s *Server) compactionState(ctx context.Context, c *call) (any, error) {
	var r compactionReq
	if err := decodeBody(c.body, &r); err != nil {
		return nil, err
	}
	id := r.JobID
	if !id.set {
		id = r.CompactionID
	}
	if !id.set {
		return nil, missingf("missing required parameter \"jobID\"")
	}
	state, executing, completed, err := s.b.CompactionState(ctx, id.n)
	if err != nil {
		return nil, err
	}
	return map[string]any{"compactionID": id.n, "state": state,
		"executingPlanNumber": executing, "completedPlanNumber": completed}, nil
}
