package proxy

import (
	"context"
	"fmt"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/shards"
)

// readScope resolves the collection, partitions and filter of a read.
func (p *Proxy) readScope(o *shards.ReadOptions) (*coordinator.Collection, shards.ReadSpec, error) {
	c, err := p.coord.Collection(o.Collection)
	if err != nil {
		return nil, shards.ReadSpec{}, err
	}
	var spec shards.ReadSpec
	if len(o.Partitions) > 0 {
		spec.Partitions = map[int64]bool{}
		for _, name := range o.Partitions {
			id, err := p.partitionID(c, name)
			if err != nil {
				return nil, spec, err
			}
			spec.Partitions[id] = true
		}
	}
	if o.Filter != "" {
		if spec.Filter, err = expr.Compile(o.Filter, &c.Schema, o.Params); err != nil {
			return nil, spec, err
		}
	}
	if o.Consistency == "" {
		o.Consistency = c.Consistency
	}
	return c, spec, nil
}

// gatedReplicas returns every shard's replica after its consistency gate.
func (p *Proxy) gatedReplicas(ctx context.Context, c *coordinator.Collection, o *shards.ReadOptions) ([]*shards.Replica, error) {
	reps, err := p.replicas(c)
	if err != nil {
		return nil, err
	}
	err = scatter(len(reps), func(i int) error {
		return reps[i].Gate(ctx, o.Consistency, tokenFor(o.SessionToken, i))
	})
	return reps, err
}

// Query implements api.Backend.
func (p *Proxy) Query(ctx context.Context, q shards.QueryRequest) ([]shards.QueryResult, error) {
	c, spec, err := p.readScope(&q.ReadOptions)
	if err != nil {
		return nil, err
	}
	reps, err := p.gatedReplicas(ctx, c, &q.ReadOptions)
	if err != nil {
		return nil, err
	}
	out := make([]shards.QueryResult, len(reps))
	for i, r := range reps {
		out[i] = r.Query(spec, q.IDs, q.OutputFields, q.Limit, q.CountOnly)
	}
	return out, nil
}

// Search implements api.Backend.
func (p *Proxy) Search(ctx context.Context, s shards.SearchRequest) ([]shards.SearchResult, error) {
	c, spec, err := p.readScope(&s.ReadOptions)
	if err != nil {
		return nil, err
	}
	if s.AnnsField < 0 || s.AnnsField >= len(c.Schema.Fields) {
		return nil, fmt.Errorf("%w: no vector field at position %d", shards.ErrInvalid, s.AnnsField)
	}
	f := &c.Schema.Fields[s.AnnsField]
	for i, v := range s.Vectors {
		if len(v) != f.Dim {
			return nil, fmt.Errorf("%w: query vector %d has dimension %d, field %q has %d", shards.ErrInvalid, i, len(v), f.Name, f.Dim)
		}
	}
	reps, err := p.gatedReplicas(ctx, c, &s.ReadOptions)
	if err != nil {
		return nil, err
	}
	out := make([]shards.SearchResult, len(reps))
	err = scatter(len(reps), func(i int) error {
		var err error
		out[i], err = reps[i].Search(spec, &s)
		return err
	})
	return out, err
}

// RowCount implements api.Backend: exact live rows after a Strong gate.
func (p *Proxy) RowCount(ctx context.Context, coll, part string) (int64, error) {
	c, err := p.coord.Collection(coll)
	if err != nil {
		return 0, err
	}
	var pid int64
	if part != "" {
		if pid, err = p.partitionID(c, part); err != nil {
			return 0, err
		}
	}
	reps, err := p.gatedReplicas(ctx, c, &shards.ReadOptions{Consistency: coordinator.Strong})
	if err != nil {
		return 0, err
	}
	var n int64
	for _, r := range reps {
		n += r.Live(pid)
	}
	return n, nil
}
