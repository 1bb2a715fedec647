package proxy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/telemetry"
)

// scope is a read resolved against the collection: its partitions and its
// filter, compiled once here (replicas on this node use it as is).
type scope struct {
	c      *coordinator.Collection
	parts  []int64
	filter *expr.Filter
}

// args returns the shard read arguments of the scope.
func (sc scope) args(o shards.ReadOptions) shards.ReadArgs {
	a := shards.ReadArgs{Opts: o, Partitions: sc.parts}
	if sc.filter != nil {
		a = a.WithFilter(sc.filter, &sc.c.Schema)
	}
	return a
}

// readScope resolves the collection, partitions and consistency level of a
// read and compiles its filter.
func (p *Proxy) readScope(ctx context.Context, o *shards.ReadOptions) (scope, error) {
	c, err := p.coord.CollectionView(qualify(ctx, o.Collection)) // shared, read-only
	if err != nil {
		return scope{}, err
	}
	sc := scope{c: c}
	for _, name := range o.Partitions {
		id, err := p.partitionID(c, name)
		if err != nil {
			return scope{}, err
		}
		sc.parts = append(sc.parts, id)
	}
	if o.Filter != "" {
		if sc.filter, err = expr.Compile(o.Filter, &c.Schema, o.Params); err != nil {
			return scope{}, err
		}
	}
	if o.Consistency == "" {
		o.Consistency = c.Consistency
	}
	o.ScalarIndexes = nil
	for _, ix := range c.Indexes {
		if shards.ScalarIndex(ix) {
			o.ScalarIndexes = append(o.ScalarIndexes, ix.FieldName)
		}
	}
	return sc, nil
}

// loadedScope is readScope for searches and queries, which a released
// collection refuses (Milvus code 101); a collection never released stays
// readable (API.md).
func (p *Proxy) loadedScope(ctx context.Context, o *shards.ReadOptions) (scope, error) {
	sc, err := p.readScope(ctx, o)
	if err == nil && sc.c.Released {
		err = fmt.Errorf("%w: %q was released; load it to search or query it", coordinator.ErrNotLoaded, sc.c.Name)
	}
	if err != nil {
		return sc, err
	}
	keyParts, err := keyScope(sc.c, o.Partitions, sc.filter)
	if len(keyParts) > 0 {
		sc.parts = keyParts
	}
	return sc, err
}

// timeRead records a successful read's latency by its consistency level,
// as resolved by the read (the collection's default when it named none).
func (p *Proxy) timeRead(op telemetry.ReadOp, o *shards.ReadOptions, start time.Time, err *error) {
	if *err == nil {
		p.reads.ObserveRequest(op, o.Consistency, time.Since(start))
	}
}

// read sends a query or search to one replica of every shard.
func (p *Proxy) read(ctx context.Context, c *coordinator.Collection, a shards.ReadArgs) ([]shards.QueryResult, []shards.SearchResult, error) {
	qs := make([]shards.QueryResult, c.ShardsNum)
	ss := make([]shards.SearchResult, c.ShardsNum)
	err := scatter(c.ShardsNum, func(i int) error {
		args := a
		args.Opts.SessionToken = tokenFor(a.Opts.SessionToken, i)
		var err error
		qs[i], ss[i], err = p.host.Read(ctx, c, i, args)
		return err
	})
	return qs, ss, err
}

// Query implements api.Backend: the entities of every shard merged in
// primary-key order, then the window offset..offset+limit (limit 0: all).
func (p *Proxy) Query(ctx context.Context, q shards.QueryRequest, offset, limit int) (_ []shards.Entity, err error) {
	defer p.timeRead(telemetry.OpQuery, &q.ReadOptions, time.Now(), &err)
	sc, err := p.loadedScope(ctx, &q.ReadOptions)
	if err != nil {
		return nil, err
	}
	q.CountOnly, q.Limit = false, 0
	if limit > 0 {
		q.Limit = offset + limit // each shard's first rows suffice
	}
	a := sc.args(q.ReadOptions)
	a.Query = &q
	out, _, err := p.read(ctx, sc.c, a)
	if err != nil {
		return nil, err
	}
	return ReduceQuery(out, offset, limit), nil
}

// Count implements api.Backend: count(*) of the rows the options select.
func (p *Proxy) Count(ctx context.Context, o shards.ReadOptions) (_ int64, err error) {
	defer p.timeRead(telemetry.OpCount, &o, time.Now(), &err)
	sc, err := p.loadedScope(ctx, &o)
	if err != nil {
		return 0, err
	}
	a := sc.args(o)
	a.Query = &shards.QueryRequest{ReadOptions: o, CountOnly: true}
	out, _, err := p.read(ctx, sc.c, a)
	return sumCounts(out), err
}

// Search implements api.Backend: per query vector, the shards' hits merged
// best first, then the window offset..offset+limit (of groups, when
// grouped).
func (p *Proxy) Search(ctx context.Context, s shards.SearchRequest, offset, limit int) (_ [][]shards.Hit, err error) {
	defer p.timeRead(telemetry.OpSearch, &s.ReadOptions, time.Now(), &err)
	sc, err := p.loadedScope(ctx, &s.ReadOptions)
	if err != nil {
		return nil, err
	}
	c := sc.c
	if s.AnnsField < 0 || s.AnnsField >= len(c.Schema.Fields) {
		return nil, fmt.Errorf("%w: no vector field at position %d", shards.ErrInvalid, s.AnnsField)
	}
	f := &c.Schema.Fields[s.AnnsField]
	if err := checkQueries(f, &s); err != nil {
		return nil, err
	}
	for i, v := range s.Vectors {
		if len(v) != f.Dim {
			return nil, fmt.Errorf("%w: query vector %d has dimension %d, field %q has %d", shards.ErrInvalid, i, len(v), f.Name, f.Dim)
		}
	}
	if ix, ok := c.IndexOn(f.Name); ok && shards.BuiltPerSegment(ix) {
		s.IndexName = ix.BuildName()
	}
	if ix, ok := c.IndexOn(f.Name); ok && f.Type == segment.TypeBinaryVector && strings.EqualFold(ix.IndexType, "BIN_IVF_FLAT") {
		s.BinaryNlist = shards.BinaryNlist(ix)
	}
	if _, ok := c.Schema.FunctionFor(f.Name); ok {
		if err := p.weighBM25(ctx, sc, &s); err != nil {
			return nil, err
		}
	}
	s.TopK = offset + limit // from each shard
	a := sc.args(s.ReadOptions)
	a.Search = &s
	_, out, err := p.read(ctx, c, a)
	if err != nil {
		return nil, err
	}
	return ReduceSearch(ctx, s.Metric, out, s.Queries(), offset, limit, s.GroupSize, s.GroupField >= 0)
}

// RowCount implements api.Backend: exact live rows, read at Strong.
func (p *Proxy) RowCount(ctx context.Context, coll, part string) (_ int64, err error) {
	o := shards.ReadOptions{Collection: coll, Consistency: coordinator.Strong}
	defer p.timeRead(telemetry.OpCount, &o, time.Now(), &err)
	if part != "" {
		o.Partitions = []string{part}
	}
	sc, err := p.readScope(ctx, &o)
	if err != nil {
		return 0, err
	}
	a := sc.args(o)
	a.Query = &shards.QueryRequest{CountOnly: true}
	res, _, err := p.read(ctx, sc.c, a)
	return sumCounts(res), err
}

// Trace locates one entity ("the life of a datum") by its primary key,
// given as text and parsed by the collection's primary key type.
func (p *Proxy) Trace(ctx context.Context, coll, pkText string) (*shards.EntityTrace, error) {
	c, err := p.coord.Collection(qualify(ctx, coll))
	if err != nil {
		return nil, err
	}
	var pk any = pkText
	if c.Schema.Primary().Type == segment.TypeInt64 {
		n, err := strconv.ParseInt(pkText, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: primary key %q is not an Int64", shards.ErrInvalid, pkText)
		}
		pk = n
	}
	return p.host.Trace(ctx, c, ShardOf(pk, c.ShardsNum), pk)
}

// checkQueries checks that the queries fit the field's type: one kind of
// query vector, of the field's size.
func checkQueries(f *segment.Field, s *shards.SearchRequest) error {
	kinds := 0
	for _, set := range []bool{s.Vectors != nil, s.Sparse != nil, s.Binary != nil} {
		if set {
			kinds++
		}
	}
	ok := kinds == 1
	switch f.Type {
	case segment.TypeSparseFloatVector:
		ok = ok && s.Sparse != nil
	case segment.TypeBinaryVector:
		ok = ok && s.Binary != nil
		for _, q := range s.Binary {
			ok = ok && len(q) == f.Dim/8
		}
	default:
		ok = ok && s.Vectors != nil
	}
	if !ok {
		return fmt.Errorf("%w: the query vectors do not match the type of field %q (%s)", shards.ErrInvalid, f.Name, f.Type)
	}
	return nil
}
