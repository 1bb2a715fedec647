package api

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
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
	r.Filter, r.ExprParams, r.Session = "", nil, c.session
	res, err := s.readRows(ctx, col, &r.readReq, ids, 0, 0, true)
	if err != nil {
		return nil, err
	}
	return renderRows(res, c.allowInt64)
}

// QueryRequest is a query by filter (or by primary keys for REST's get) as
// every front end gives it. Limit 0 is 100 unless All is set; All (gRPC
// without a limit) returns every match up to the result window.
type QueryRequest struct {
	readReq
	Limit  int  `json:"limit"`
	Offset int  `json:"offset"`
	All    bool `json:"-"`
	// KeysByDefault: without output fields only primary keys are returned
	// (Milvus gRPC); REST returns every field.
	KeysByDefault bool `json:"-"`
}

// QueryResult is a reduced query: entities sorted by primary key, or the
// count of count(*).
type QueryResult struct {
	Output
	Entities  []proxy.Entity
	CountOnly bool
	Count     int64
}

func (s *Server) query(ctx context.Context, c *call) (any, error) {
	var r QueryRequest
	if err := decodeNamed(c, &r, &r.collReq); err != nil {
		return nil, err
	}
	r.Session = c.session
	res, err := s.Query(ctx, &r)
	if err != nil {
		return nil, err
	}
	return renderRows(res, c.allowInt64)
}

// Query validates r against the collection, scatters it to one replica per
// shard and merges the answers by primary key.
func (s *Server) Query(ctx context.Context, r *QueryRequest) (*QueryResult, error) {
	col, err := s.describe(ctx, r.CollectionName)
	if err != nil {
		return nil, err
	}
	if slices.Contains(r.OutputFields, countStar) {
		return s.count(ctx, col, &r.readReq)
	}
	if r.Limit == 0 && !r.All {
		r.Limit = 100
	}
	if r.All && r.Limit == 0 {
		r.Limit = maxWindow - r.Offset
	}
	if err := checkWindow(r.Offset, r.Limit); err != nil {
		return nil, err
	}
	return s.readRows(ctx, col, &r.readReq, nil, r.Offset, r.Limit, !r.KeysByDefault)
}

// readRows runs a query on every shard and merges by primary key.
func (s *Server) readRows(ctx context.Context, col *coordinator.Collection, r *readReq, ids []any, offset, limit int, defaultAll bool) (*QueryResult, error) {
	plan, err := planOutput(&col.Schema, r.OutputFields, defaultAll)
	if err != nil {
		return nil, err
	}
	opts, err := r.readOptions(col, r.Session)
	if err != nil {
		return nil, err
	}
	ents, err := s.b.Query(ctx, proxy.QueryRequest{ReadOptions: opts, IDs: ids, OutputFields: plan.fields}, offset, limit)
	if err != nil {
		return nil, err
	}
	return &QueryResult{Output: Output{Schema: &col.Schema, plan: plan}, Entities: ents}, nil
}

// renderRows renders a query's rows (or its count) as JSON objects.
func renderRows(res *QueryResult, allowInt64 bool) (any, error) {
	if res.CountOnly {
		return []map[string]any{{countStar: res.Count}}, nil
	}
	rows := make([]map[string]any, len(res.Entities))
	var size replySize
	for i := range res.Entities {
		rows[i] = res.plan.row(res.Schema, &res.Entities[i], allowInt64)
		if err := size.add(rows[i]); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// count answers outputFields ["count(*)"].
func (s *Server) count(ctx context.Context, col *coordinator.Collection, r *readReq) (*QueryResult, error) {
	if len(r.OutputFields) != 1 {
		return nil, invalidf("%s cannot be combined with other output fields", countStar)
	}
	opts, err := r.readOptions(col, r.Session)
	if err != nil {
		return nil, err
	}
	n, err := s.b.Count(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &QueryResult{Output: Output{Schema: &col.Schema}, CountOnly: true, Count: n}, nil
}
