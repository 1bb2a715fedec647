package proxy

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
)

// BM25 defaults (Milvus's, and Lucene's).
const (
	defaultK1 = 1.2
	defaultB  = 0.75
)

// weighBM25 turns a BM25 search's queries (term counts) into scored
// queries: it asks every shard for its statistics of the query terms
// (one StatsOnly round), then weighs each term by its idf over the whole
// collection, drops terms no row contains, and sets the collection's
// average document length. Every shard thus scores with the same
// statistics, so hits merge across shards as one index would rank them.
// The two rounds read at the same consistency level but are not one
// snapshot: a write between them can shift scores slightly, never hide a
// matching row.
func (p *Proxy) weighBM25(ctx context.Context, sc scope, s *shards.SearchRequest) error {
	st := *s
	st.StatsOnly = true
	a := sc.args(s.ReadOptions)
	a.Search = &st
	_, out, err := p.read(ctx, sc.c, a)
	if err != nil {
		return err
	}
	var docs int64
	var length float64
	df := make([][]int64, len(s.Sparse))
	for q := range s.Sparse {
		df[q] = make([]int64, len(s.Sparse[q].Indices))
	}
	for _, r := range out {
		if r.Stats == nil || len(r.Stats.DF) != len(df) {
			return fmt.Errorf("%w: a shard answered without BM25 statistics", shards.ErrUnavailable)
		}
		docs, length = docs+r.Stats.Docs, length+r.Stats.Length
		for q := range df {
			for t := range df[q] {
				df[q][t] += r.Stats.DF[q][t]
			}
		}
	}
	k1, b := bm25Params(sc, s.AnnsField)
	s.BM25 = &shards.BM25Params{K1: k1, B: b, AvgDL: float32(max(length/float64(max(docs, 1)), 1e-6))}
	for q := range s.Sparse {
		s.Sparse[q] = idfWeights(s.Sparse[q], df[q], docs)
	}
	return nil
}

// idfWeights keeps the terms some row contains, each weighted by
// idf = ln(1 + (N − df + 0.5) / (df + 0.5)) times its count in the query.
func idfWeights(q segment.SparseVector, df []int64, n int64) segment.SparseVector {
	var out segment.SparseVector
	for t, term := range q.Indices {
		if df[t] == 0 {
			continue
		}
		idf := math.Log(1 + (float64(n-df[t])+0.5)/(float64(df[t])+0.5))
		out.Indices = append(out.Indices, term)
		out.Values = append(out.Values, float32(idf)*q.Values[t])
	}
	return out
}

// bm25Params reads bm25_k1 and bm25_b from the field's index (validated
// when it was created), else the defaults.
func bm25Params(sc scope, field int) (k1, b float32) {
	k1, b = defaultK1, defaultB
	ix, ok := sc.c.IndexOn(sc.c.Schema.Fields[field].Name)
	if !ok {
		return k1, b
	}
	if v, err := strconv.ParseFloat(ix.Params["bm25_k1"], 32); err == nil {
		k1 = float32(v)
	}
	if v, err := strconv.ParseFloat(ix.Params["bm25_b"], 32); err == nil {
		b = float32(v)
	}
	return k1, b
}
