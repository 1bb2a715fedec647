package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
)

func (f *fake) Write(ctx context.Context, w shards.WriteRequest) (shards.WriteResult, error) {
	if err := f.wait(ctx); err != nil {
		return shards.WriteResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, w.Collection)
	if err != nil {
		return shards.WriteResult{}, err
	}
	s := &c.col.Schema
	pk := s.PrimaryIndex()
	n := w.Rows.Rows()
	if !w.Upsert {
		for i := 0; i < n; i++ {
			if key := w.Rows.Value(pk, i); c.rows[key] != nil {
				return shards.WriteResult{}, fmt.Errorf("%w: %v", shards.ErrDuplicateKey, key)
			}
		}
	}
	part := w.Partition
	if part == "" {
		part = "_default"
	}
	for i := 0; i < n; i++ {
		vals := make([]any, len(s.Fields))
		for j := range vals {
			vals[j] = w.Rows.Value(j, i)
		}
		c.rows[vals[pk]] = &fakeRow{vals: vals, partition: part}
	}
	f.writes = append(f.writes, w)
	return shards.WriteResult{Count: int64(n), Token: "tok-1"}, nil
}

func (f *fake) Delete(ctx context.Context, d shards.DeleteRequest) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(ctx, d.Collection)
	if err != nil {
		return 0, err
	}
	flt, err := expr.Compile(d.Filter, &c.col.Schema, d.Params)
	if err != nil {
		return 0, err
	}
	var n int64
	for k, r := range c.rows {
		if (d.Partition == "" || r.partition == d.Partition) && flt.Match(rowsReader{r}, 0) {
			delete(c.rows, k)
			n++
		}
	}
	return n, nil
}

// shardRows returns, per shard, the rows matching the read options, sorted
// by primary key.
func (f *fake) shardRows(c *fakeColl, o shards.ReadOptions, ids []any) ([][]*fakeRow, error) {
	flt, err := expr.Compile(o.Filter, &c.col.Schema, o.Params)
	if err != nil {
		return nil, err
	}
	out := make([][]*fakeRow, fakeShards)
	pk := c.col.Schema.PrimaryIndex()
	for key, r := range c.rows {
		if ids != nil && !slices.Contains(ids, key) {
			continue
		}
		if len(o.Partitions) > 0 && !slices.Contains(o.Partitions, r.partition) {
			continue
		}
		if flt.Match(rowsReader{r}, 0) {
			out[shardOf(key)] = append(out[shardOf(key)], r)
		}
	}
	for _, rows := range out {
		slices.SortFunc(rows, func(a, b *fakeRow) int { return proxy.ComparePK(a.vals[pk], b.vals[pk]) })
	}
	return out, nil
}

func entity(s *segment.Schema, r *fakeRow, fields []int) shards.Entity {
	e := shards.Entity{PK: r.vals[s.PrimaryIndex()]}
	for _, i := range fields {
		e.Values = append(e.Values, r.vals[i])
	}
	return e
}

func (f *fake) Query(ctx context.Context, q shards.QueryRequest, offset, limit int) ([]shards.Entity, error) {
	if limit > 0 {
		q.Limit = offset + limit
	}
	res, err := f.query(ctx, q)
	if err != nil {
		return nil, err
	}
	return proxy.ReduceQuery(res, offset, limit), nil
}

func (f *fake) Count(ctx context.Context, o shards.ReadOptions) (int64, error) {
	res, err := f.query(ctx, shards.QueryRequest{ReadOptions: o, CountOnly: true})
	var n int64
	for _, r := range res {
		n += r.Count
	}
	return n, err
}

// query answers as the shards would: per shard, rows in pk order.
func (f *fake) query(ctx context.Context, q shards.QueryRequest) ([]shards.QueryResult, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	c, err := f.get(ctx, q.Collection)
	if err != nil {
		return nil, err
	}
	per, err := f.shardRows(c, q.ReadOptions, q.IDs)
	if err != nil {
		return nil, err
	}
	out := make([]shards.QueryResult, len(per))
	for i, rows := range per {
		if q.CountOnly {
			out[i].Count = int64(len(rows))
			continue
		}
		if q.Limit > 0 && len(rows) > q.Limit {
			rows = rows[:q.Limit]
		}
		for _, r := range rows {
			out[i].Entities = append(out[i].Entities, entity(&c.col.Schema, r, q.OutputFields))
		}
	}
	return out, nil
}

func (f *fake) Search(ctx context.Context, s shards.SearchRequest, offset, limit int) ([][]shards.Hit, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	s.TopK = offset + limit
	f.mu.Lock()
	f.searches = append(f.searches, s)
	c, err := f.get(ctx, s.Collection)
	if err != nil {
		f.mu.Unlock()
		return nil, err
	}
	per, err := f.shardRows(c, s.ReadOptions, nil)
	if err != nil {
		f.mu.Unlock()
		return nil, err
	}
	out := make([]shards.SearchResult, len(per))
	for i, rows := range per {
		for _, v := range s.Vectors {
			out[i].Hits = append(out[i].Hits, searchShard(&c.col.Schema, rows, s, v))
		}
	}
	f.mu.Unlock()
	return proxy.ReduceSearch(ctx, s.Metric, out, len(s.Vectors), offset, limit, s.GroupSize, s.GroupField >= 0)
}

// searchShard is brute force with range and grouping.
func searchShard(sc *segment.Schema, rows []*fakeRow, s shards.SearchRequest, q []float32) []shards.Hit {
	var hits []shards.Hit
	for _, r := range rows {
		if len(q) != sc.Fields[s.AnnsField].Dim {
			return nil
		}
		d := distance(s.Metric, q, r.vals[s.AnnsField].([]float32))
		if !inRange(s, d) {
			continue
		}
		h := shards.Hit{Entity: entity(sc, r, s.OutputFields), Distance: d}
		if s.GroupField >= 0 {
			h.Group = r.vals[s.GroupField]
		}
		hits = append(hits, h)
	}
	one := []shards.SearchResult{{Hits: [][]shards.Hit{hits}}}
	out, _ := proxy.ReduceSearch(context.Background(), s.Metric, one, 1, 0, s.TopK, s.GroupSize, s.GroupField >= 0)
	return out[0]
}

func inRange(s shards.SearchRequest, d float32) bool {
	if s.Radius == nil {
		return true
	}
	if s.Metric == "L2" {
		return d < *s.Radius && (s.RangeFilter == nil || d >= *s.RangeFilter)
	}
	return d > *s.Radius && (s.RangeFilter == nil || d <= *s.RangeFilter)
}
