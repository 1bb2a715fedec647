package proxy

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/raftvec/raftvec/shards"
)

// ComparePK orders primary keys: int64 numerically, strings bytewise.
func ComparePK(a, b any) int {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// ReduceQuery merges the shards' entities (each sorted by pk) into pk order
// and applies offset and limit (limit <= 0: all).
func ReduceQuery(results []shards.QueryResult, offset, limit int) []shards.Entity {
	var all []shards.Entity
	for _, r := range results {
		all = append(all, r.Entities...)
	}
	slices.SortStableFunc(all, func(a, b shards.Entity) int { return ComparePK(a.PK, b.PK) })
	return Window(all, offset, limit)
}

// Window returns s[offset : offset+limit], clipped; limit <= 0 means all.
func Window[T any](s []T, offset, limit int) []T {
	if offset >= len(s) {
		return nil
	}
	s = s[offset:]
	if limit > 0 && limit < len(s) {
		s = s[:limit]
	}
	return s
}

// sumCounts adds the shards' count(*) answers.
func sumCounts(results []shards.QueryResult) int64 {
	var n int64
	for _, r := range results {
		n += r.Count
	}
	return n
}

// SmallerIsBetter reports whether a metric ranks smaller distances first:
// L2, HAMMING and JACCARD; IP, COSINE and BM25 rank larger ones first.
func SmallerIsBetter(metric string) bool {
	switch metric {
	case "L2", "HAMMING", "JACCARD":
		return true
	}
	return false
}

// better reports whether distance a ranks before b under the metric.
func better(metric string, a, b float32) bool {
	if SmallerIsBetter(metric) {
		return a < b
	}
	return a > b
}

// SortHits orders hits best first; ties by primary key for determinism.
func SortHits(metric string, hits []shards.Hit) {
	slices.SortStableFunc(hits, func(a, b shards.Hit) int {
		switch {
		case better(metric, a.Distance, b.Distance):
			return -1
		case better(metric, b.Distance, a.Distance):
			return 1
		}
		return ComparePK(a.PK, b.PK)
	})
}

// reduceCheckEvery is how many query vectors the reduce merges between two
// checks of the request's context.
const reduceCheckEvery = 64

// ReduceSearch merges the shards' answers to nq query vectors: per query,
// the window offset..offset+limit of the hits (of groups, when grouped).
// It stops with the context's error when the request is cancelled.
func ReduceSearch(ctx context.Context, metric string, res []shards.SearchResult, nq, offset, limit, groupSize int, grouped bool) ([][]shards.Hit, error) {
	out := make([][]shards.Hit, nq)
	for q := range out {
		if q%reduceCheckEvery == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("reduce stopped: %w", ctx.Err())
		}
		lists := make([][]shards.Hit, 0, len(res))
		for _, r := range res {
			if q < len(r.Hits) {
				lists = append(lists, r.Hits[q])
			}
		}
		out[q] = mergeHits(metric, lists, offset, limit, groupSize, grouped)
	}
	return out, nil
}

// mergeHits reduces one query's per-shard hit lists; hits with a NaN
// distance are dropped. Without grouping it
// returns hits offset..offset+limit; with grouping limit and offset count
// groups, each keeping its best groupSize hits, and groups are returned
// together in order of their best hit.
func mergeHits(metric string, lists [][]shards.Hit, offset, limit, groupSize int, grouped bool) []shards.Hit {
	var all []shards.Hit
	for _, l := range lists {
		for _, h := range l {
			if h.Distance == h.Distance { // NaN is dropped, as index.Merge does
				all = append(all, h)
			}
		}
	}
	SortHits(metric, all)
	if !grouped {
		return Window(all, offset, limit)
	}
	return groupHits(all, offset, limit, groupSize)
}

func groupHits(sorted []shards.Hit, offset, limit, groupSize int) []shards.Hit {
	groupSize = max(groupSize, 1)
	var groups [][]shards.Hit
	pos := map[any]int{}
	for _, h := range sorted {
		k := GroupKey(h.Group)
		i, ok := pos[k]
		if !ok {
			if len(groups) >= offset+limit {
				continue
			}
			i = len(groups)
			pos[k] = i
			groups = append(groups, nil)
		}
		if len(groups[i]) < groupSize {
			groups[i] = append(groups[i], h)
		}
	}
	var out []shards.Hit
	for _, g := range Window(groups, offset, limit) {
		out = append(out, g...)
	}
	return out
}

// GroupKey makes a group value usable as a map key.
func GroupKey(v any) any {
	switch v.(type) {
	case nil, bool, int64, float64, string:
		return v
	}
	return fmt.Sprintf("%T:%v", v, v)
}
