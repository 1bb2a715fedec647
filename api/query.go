package api

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/shards"
)

const countStar = "count(*)"

type getReq struct {
	readReq
	ID json.RawMessage `json:"id"`
}

func (s *Server) getEntities(ctx context.Context, c *call) (any, error) {
	var r getReq
	col, err := s.decodeDescribe(ctx, c, &r, &r.collReq)
	if err != nil {
		return nil, err
	}
	ids, err := parseIDs(r.ID, col.Schema.Primary(), "id")
	if err != nil {
		return nil, err
	}
	r.Filter, r.ExprParams = "", nil
	return s.readRows(ctx, c, col, &r.readReq, ids, 0, 0)
}

type queryReq struct {
	readReq
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func (s *Server) query(ctx context.Context, c *call) (any, error) {
	var r queryReq
	col, err := s.decodeDescribe(ctx, c, &r, &r.collReq)
	if err != nil {
		return nil, err
	}
	if slices.Contains(r.OutputFields, countStar) {
		return s.count(ctx, c, col, &r.readReq)
	}
	if r.Limit == 0 {
		r.Limit = 100
	}
	if err := checkWindow(r.Offset, r.Limit); err != nil {
		return nil, err
	}
	return s.readRows(ctx, c, col, &r.readReq, nil, r.Offset, r.Limit)
}

// readRows runs a query on every shard, merges by primary key and renders.
func (s *Server) readRows(ctx context.Context, c *call, col *coordinator.Collection, r *readReq, ids []any, offset, limit int) (any, error) {
	plan, err := planOutput(&col.Schema, r.OutputFields, true)
	if err != nil {
		return nil, err
	}
	opts, err := r.readOptions(col, c.session)
	if err != nil {
		return nil, err
	}
	perShard := 0
	if limit > 0 {
		perShard = offset + limit
	}
	res, err := s.b.Query(ctx, shards.QueryRequest{ReadOptions: opts, IDs: ids,
		OutputFields: plan.fields, Limit: perShard})
	if err != nil {
		return nil, err
	}
	ents := mergeQuery(res, offset, limit)
	rows := make([]map[string]any, len(ents))
	var size replySize
	for i := range ents {
		rows[i] = plan.row(&col.Schema, &ents[i], c.allowInt64)
		if err := size.add(rows[i]); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// count answers outputFields ["count(*)"].
func (s *Server) count(ctx context.Context, c *call, col *coordinator.Collection, r *readReq) (any, error) {
	if len(r.OutputFields) != 1 {
		return nil, invalidf("%s cannot be combined with other output fields", countStar)
	}
	opts, err := r.readOptions(col, c.session)
	if err != nil {
		return nil, err
	}
	res, err := s.b.Query(ctx, shards.QueryRequest{ReadOptions: opts, CountOnly: true})
	if err != nil {
		return nil, err
	}
	return []map[string]any{{countStar: sumCounts(res)}}, nil
}
