package api

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/raftvec/raftvec/shards"
)

// comparePK orders primary keys: int64 numerically, strings bytewise.
func comparePK(a, b any) int {
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

// mergeQuery merges the shards' entities (each sorted by pk) into pk order
// and applies offset and limit (limit <= 0: all).
func mergeQuery(results []shards.QueryResult, offset, limit int) []shards.Entity {
	var all []shards.Entity
	for _, r := range results {
		all = append(all, r.Entities...)
	}
	slices.SortStableFunc(all, func(a, b shards.Entity) int { return comparePK(a.PK, b.PK) })
	return window(all, offset, limit)
}

// window returns s[offset : offset+limit], clipped; limit <= 0 means all.
func window[T any](s []T, offset, limit int) []T {
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

// better reports whether distance a ranks before b under the metric: L2
// smaller is better, IP and COSINE larger.
func better(metric string, a, b float32) bool {
	if metric == "L2" {
		return a < b
	}
	return a > b
}

// sortHits orders hits best first; ties by primary key for determinism.
func sortHits(metric string, hits []shards.Hit) {
	slices.SortStableFunc(hits, func(a, b shards.Hit) int {
		switch {
		case better(metric, a.Distance, b.Distance):
			return -1
		case better(metric, b.Distance, a.Distance):
			return 1
		}
		return comparePK(a.PK, b.PK)
	})
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
	sortHits(metric, all)
	if !grouped {
		return window(all, offset, limit)
	}
	return groupHits(all, offset, limit, groupSize)
}

func groupHits(sorted []shards.Hit, offset, limit, groupSize int) []shards.Hit {
	groupSize = max(groupSize, 1)
	var groups [][]shards.Hit
	pos := map[any]int{}
	for _, h := range sorted {
		k := groupKey(h.Group)
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
	for _, g := range window(groups, offset, limit) {
		out = append(out, g...)
	}
	return out
}

// groupKey makes a group value usable as a map key.
func groupKey(v any) any {
	switch v.(type) {
	case nil, bool, int64, float64, string:
		return v
	}
	return fmt.Sprintf("%T:%v", v, v)
}
