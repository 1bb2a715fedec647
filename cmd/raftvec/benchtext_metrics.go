package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// tied reports whether two exact scores are equal up to float64 rounding.
func tied(a, b float64) bool {
	return a == b || math.Abs(a-b) <= tieRel*max(math.Abs(a), math.Abs(b))
}

// recallOne is |server ∩ exact top-k| / |exact top-k| for one query, where
// a server id whose exact score ties the k-th counts as in the exact top-k.
// The server's hits beyond k and repeated ids are ignored. A query nothing
// matches has recall 1 (nothing to find).
func recallOne(got []searchHit, scores map[int64]float64, k int) float64 {
	top := exactTopK(scores, k)
	if len(top) == 0 {
		return 1
	}
	kth := top[len(top)-1].Score
	seen := map[int64]bool{}
	found := 0
	for _, h := range got[:min(k, len(got))] {
		if seen[h.ID] {
			continue
		}
		seen[h.ID] = true
		if s, ok := scores[h.ID]; ok && (s >= kth || tied(s, kth)) {
			found++
		}
	}
	return float64(min(found, len(top))) / float64(len(top))
}

// inOrder reports whether got is the exact top-k in order up to ties: as
// many hits, distinct, whose exact scores are the exact top-k's, position
// by position.
func inOrder(got []searchHit, scores map[int64]float64, k int) bool {
	top := exactTopK(scores, k)
	if len(got) != len(top) {
		return false
	}
	seen := map[int64]bool{}
	for i, h := range got {
		s, ok := scores[h.ID]
		if !ok || seen[h.ID] || !tied(s, top[i].Score) {
			return false
		}
		seen[h.ID] = true
	}
	return true
}

// ndcgOne is NDCG@p of got with gain = exact score (0 for a row the query
// does not match, and for a repeated id), p = min(ndcgDepth, k); 1 when
// nothing matches the query.
func ndcgOne(got []searchHit, scores map[int64]float64, k int) float64 {
	p := min(ndcgDepth, k)
	top := exactTopK(scores, p)
	var dcg, ideal float64
	for i, h := range top {
		ideal += h.Score / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 1
	}
	seen := map[int64]bool{}
	for i, h := range got[:min(p, len(got))] {
		if !seen[h.ID] {
			dcg += scores[h.ID] / math.Log2(float64(i+2))
		}
		seen[h.ID] = true
	}
	return dcg / ideal
}

// agreement accumulates the agreement of server answers with the exact
// scorer over queries.
type agreement struct {
	queries       int // queries some row matches: the means are over them
	noMatch       int // queries no row matches
	recall, ndcg  float64
	inOrder       int
	maxRelDiff    float64
	foreign       int // hits of rows sharing no token with their query
	dupes         int // hits repeating an id of the same answer
	emptyWithHits int // queries no row matches answered with hits
}

func (a *agreement) add(got []searchHit, scores map[int64]float64, k int) {
	seen := map[int64]bool{}
	for _, h := range got {
		if seen[h.ID] {
			a.dupes++
		}
		seen[h.ID] = true
		s, ok := scores[h.ID]
		if !ok {
			a.foreign++
			continue
		}
		if d := math.Abs(h.Score-s) / s; d > a.maxRelDiff || math.IsNaN(d) {
			a.maxRelDiff = d
		}
	}
	if len(scores) == 0 {
		a.noMatch++
		if len(got) > 0 {
			a.emptyWithHits++
		}
		return
	}
	a.queries++
	a.recall += recallOne(got, scores, k)
	a.ndcg += ndcgOne(got, scores, k)
	if inOrder(got, scores, k) {
		a.inOrder++
	}
}

func (a *agreement) mean(sum float64) float64 {
	if a.queries == 0 {
		return math.NaN()
	}
	return sum / float64(a.queries)
}

func (a *agreement) meanRecall() float64    { return a.mean(a.recall) }
func (a *agreement) meanNDCG() float64      { return a.mean(a.ndcg) }
func (a *agreement) orderFraction() float64 { return a.mean(float64(a.inOrder)) }

// report prints the QPS, latencies and agreement of the answers got with
// the exact scores, and up to three disagreements.
func (o *fulltextOpts) report(w io.Writer, queries []ftQuery, exact []map[int64]float64, got [][]searchHit, run passTimes) {
	var ag agreement
	for i := range queries {
		ag.add(got[i], exact[i], o.topK)
	}
	fmt.Fprintf(w, "search: %d queries, top-%d, %s, %d clients, %d nodes\n", len(queries), o.topK, o.level, o.clients, len(o.nodes()))
	p := min(ndcgDepth, o.topK)
	fmt.Fprintf(w, "%10s %10s %10s %10s %12s %12s %10s\n", "QPS", "p50", "p99",
		fmt.Sprintf("recall@%d", o.topK), "exact-order", "max-rel-diff", fmt.Sprintf("ndcg@%d", p))
	fmt.Fprintf(w, "%10.1f %10s %10s %10.4f %12.4f %12.2e %10.4f\n", run.qps(),
		fmtLatency(run.p50()), fmtLatency(run.p99()),
		ag.meanRecall(), ag.orderFraction(), ag.maxRelDiff, ag.meanNDCG())
	fmt.Fprintf(w, "  %d queries matched by some row (the means are over them), %d by none; errors: %d hits sharing no query token, %d duplicate hits, %d answers to queries nothing matches\n",
		ag.queries, ag.noMatch, ag.foreign, ag.dupes, ag.emptyWithHits)
	shown := 0
	for i := range queries {
		if shown == 3 {
			break
		}
		if r := recallOne(got[i], exact[i], o.topK); r < 1 || !inOrder(got[i], exact[i], o.topK) {
			shown++
			fmt.Fprintf(w, "  disagreement: query %d %q: server %s\n                exact  %s\n",
				i, queries[i].Text, fmtHits(got[i]), fmtHits(exactTopK(exact[i], o.topK)))
		}
	}
}

// fmtHits formats hits as [id:score ...].
func fmtHits(h []searchHit) string {
	var b strings.Builder
	for i, x := range h {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:%.6g", x.ID, x.Score)
	}
	return "[" + b.String() + "]"
}
