package index

import (
	"fmt"
	"slices"
)

// Merge reduces the result lists of one query from several segments or
// shards into the final list: hits with the same ID are deduplicated
// keeping the better distance, the first offset results are skipped and at
// most limit are returned. With groupSize > 0, offset and limit count
// groups and each group keeps its groupSize best hits (by Hit.Group), groups
// ordered by their best hit.
//
// Without grouping every list must be sorted best first (as Search returns
// them); grouped lists may be in any order. Hits with a NaN distance are
// dropped. A negative offset counts as 0; limit <= 0 yields an empty
// result. Merge panics on an invalid metric. The input is not modified.
func Merge(m Metric, lists [][]Hit, offset, limit, groupSize int) []Hit {
	if !m.Valid() {
		panic(fmt.Sprintf("index: Merge with invalid metric %v", m))
	}
	offset = max(offset, 0)
	if limit <= 0 {
		return []Hit{}
	}
	if groupSize > 0 {
		return mergeGrouped(m, lists, offset, limit, groupSize)
	}
	return mergeTopK(m, lists, offset, limit)
}

// cursor is the head of one input list in the k-way merge.
type cursor struct {
	e    entry // score and ID of lists[list][pos]
	list int
	pos  int
}

// mergeTopK is a k-way merge over sorted lists, stopping as soon as
// offset+limit distinct IDs have been seen. Since each list is best first,
// the first time an ID appears is its best distance.
func mergeTopK(m Metric, lists [][]Hit, offset, limit int) []Hit {
	heads := make([]cursor, 0, len(lists))
	for li := range lists {
		if c, ok := nextCursor(m, lists, li, 0); ok {
			heads = append(heads, c)
		}
	}
	initCursors(heads)
	out := make([]Hit, 0, min(limit, 1024))
	seen := make(map[int64]struct{}, min(offset+limit, 4096))
	for len(heads) > 0 && len(out) < limit {
		c := heads[0]
		if _, dup := seen[c.e.id]; !dup {
			seen[c.e.id] = struct{}{}
			if len(seen) > offset {
				out = append(out, lists[c.list][c.pos])
			}
		}
		if nc, ok := nextCursor(m, lists, c.list, c.pos+1); ok {
			heads[0] = nc
		} else {
			heads[0] = heads[len(heads)-1]
			heads = heads[:len(heads)-1]
		}
		siftDownCursor(heads, 0)
	}
	return out
}

// nextCursor returns the first non-NaN hit of lists[li] at or after pos.
func nextCursor(m Metric, lists [][]Hit, li, pos int) (cursor, bool) {
	l := lists[li]
	for ; pos < len(l); pos++ {
		if d := l[pos].Distance; !isNaN(d) {
			return cursor{e: entry{m.score(d), l[pos].ID}, list: li, pos: pos}, true
		}
	}
	return cursor{}, false
}

func initCursors(h []cursor) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDownCursor(h, i)
	}
}

// siftDownCursor keeps the best head at the root.
func siftDownCursor(h []cursor, i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n || c < 0 {
			return
		}
		if r := c + 1; r < n && worse(h[c].e, h[r].e) {
			c = r
		}
		if !worse(h[i].e, h[c].e) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// mergeGrouped sorts all hits best first, keeps each ID's best occurrence
// and replays the grouping walk over offset+limit groups.
func mergeGrouped(m Metric, lists [][]Hit, offset, limit, groupSize int) []Hit {
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	all := make([]Hit, 0, total)
	for _, l := range lists {
		for _, h := range l {
			if !isNaN(h.Distance) {
				all = append(all, h)
			}
		}
	}
	slices.SortFunc(all, func(a, b Hit) int {
		ea, eb := entry{m.score(a.Distance), a.ID}, entry{m.score(b.Distance), b.ID}
		switch {
		case worse(eb, ea):
			return -1
		case worse(ea, eb):
			return 1
		}
		return 0
	})
	g := newGroupCollector(offset+limit, groupSize)
	seen := make(map[int64]struct{}, len(all))
	for _, h := range all {
		if _, dup := seen[h.ID]; dup {
			continue
		}
		seen[h.ID] = struct{}{}
		if g.add(h) {
			break
		}
	}
	return g.result(offset)
}
