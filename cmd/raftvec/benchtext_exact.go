package main

import (
	"math"
	"slices"
	"strings"

	"github.com/raftvec/raftvec/text"
)

// exactBM25 is the reference scorer: documents tokenized by the analyzer
// (shared with the server on purpose), everything else computed here in
// float64 from plain counts, independently of the server's sparse vectors,
// term hashing and index.
type exactBM25 struct {
	an       *text.Analyzer
	k1, b    float64
	n        int              // documents
	tokens   int              // tokens in all documents
	avgdl    float64          // mean document length in tokens
	dl       []int            // document length in tokens
	tf       []map[string]int // per document: token → count
	df       map[string]int   // token → documents containing it
	postings map[string][]int // token → documents containing it, increasing
}

func newExactBM25(an *text.Analyzer, docs []string, k1, b float64) *exactBM25 {
	e := &exactBM25{an: an, k1: k1, b: b, n: len(docs), dl: make([]int, len(docs)), tf: make([]map[string]int, len(docs)),
		df: map[string]int{}, postings: map[string][]int{}}
	var toks []string
	for i, d := range docs {
		toks = an.Tokens(toks[:0], d)
		tf := make(map[string]int, len(toks))
		for _, t := range toks {
			tf[strings.Clone(t)]++
		}
		e.tf[i], e.dl[i] = tf, len(toks)
		e.tokens += len(toks)
		for t := range tf {
			e.df[t]++
		}
	}
	// Postings in document order (map iteration order must not matter).
	for i, tf := range e.tf {
		for t := range tf {
			e.postings[t] = append(e.postings[t], i)
		}
	}
	if e.n > 0 {
		e.avgdl = float64(e.tokens) / float64(e.n)
	}
	return e
}

// idf is ln(1 + (N − df + 0.5)/(df + 0.5)).
func (e *exactBM25) idf(token string) float64 {
	df := float64(e.df[token])
	return math.Log(1 + (float64(e.n)-df+0.5)/(df+0.5))
}

// scores returns the BM25 score of every document (by id = index) that
// contains at least one token of the query.
func (e *exactBM25) scores(query string) map[int64]float64 {
	count := map[string]int{}
	for _, t := range e.an.Tokens(nil, query) {
		count[t]++
	}
	terms := make([]string, 0, len(count))
	for t := range count {
		if e.df[t] > 0 {
			terms = append(terms, t)
		}
	}
	slices.Sort(terms) // a fixed summation order
	out := map[int64]float64{}
	for _, t := range terms {
		wt := e.idf(t) * float64(count[t])
		for _, d := range e.postings[t] {
			tf := float64(e.tf[d][t])
			norm := e.k1 * (1 - e.b + e.b*float64(e.dl[d])/e.avgdl)
			out[int64(d)] += wt * tf * (e.k1 + 1) / (tf + norm)
		}
	}
	return out
}

// collisionCount is what collisions found.
type collisionCount struct{ vocab, queries int }

// collisions counts the tokens of the corpus and queries whose term IDs
// collide with another token's, and the queries using such a token.
func (e *exactBM25) collisions(queries []ftQuery) collisionCount {
	owner := map[uint32]string{}
	bad := map[string]bool{}
	see := func(t string) {
		id := text.TermID(t)
		if o, ok := owner[id]; !ok {
			owner[id] = t
		} else if o != t {
			bad[o], bad[t] = true, true
		}
	}
	for t := range e.df {
		see(t)
	}
	for _, q := range queries {
		for _, t := range e.an.Tokens(nil, q.Text) {
			see(t)
		}
	}
	c := collisionCount{vocab: len(bad)}
	for _, q := range queries {
		if slices.ContainsFunc(e.an.Tokens(nil, q.Text), func(t string) bool { return bad[t] }) {
			c.queries++
		}
	}
	return c
}

// exactTopK returns the k best of scores, by score descending, then id.
func exactTopK(scores map[int64]float64, k int) []searchHit {
	all := make([]searchHit, 0, len(scores))
	for id, s := range scores {
		all = append(all, searchHit{id, s})
	}
	slices.SortFunc(all, func(a, b searchHit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return cmpInt64(a.ID, b.ID)
	})
	return all[:min(k, len(all))]
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
