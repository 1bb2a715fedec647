package index

// groupCollector implements Milvus grouping over hits visited best first:
// a hit joins its group while the group holds fewer than size hits, and a
// new group opens only while fewer than limit groups exist. Groups come out
// in creation order, which is the order of their best hits.
type groupCollector struct {
	limit, size int
	index       map[any]int
	groups      [][]Hit
	full        int // groups holding size hits
}

func newGroupCollector(limit, size int) *groupCollector {
	return &groupCollector{
		limit: limit,
		size:  size,
		index: make(map[any]int, min(limit, 1024)),
	}
}

// add offers the next hit in best-first order and reports whether the
// result is final (limit groups, all full), so the caller can stop early.
// h.Group must be comparable.
func (g *groupCollector) add(h Hit) (done bool) {
	i, ok := g.index[h.Group]
	if !ok {
		if len(g.groups) >= g.limit {
			return g.done()
		}
		i = len(g.groups)
		g.index[h.Group] = i
		g.groups = append(g.groups, make([]Hit, 0, min(g.size, 16)))
	}
	if len(g.groups[i]) >= g.size {
		return g.done()
	}
	g.groups[i] = append(g.groups[i], h)
	if len(g.groups[i]) == g.size {
		g.full++
	}
	return g.done()
}

func (g *groupCollector) done() bool {
	return len(g.groups) >= g.limit && g.full >= len(g.groups)
}

// result flattens the groups after skipping the first skip groups.
func (g *groupCollector) result(skip int) []Hit {
	if skip >= len(g.groups) {
		return []Hit{}
	}
	n := 0
	for _, grp := range g.groups[skip:] {
		n += len(grp)
	}
	out := make([]Hit, 0, n)
	for _, grp := range g.groups[skip:] {
		out = append(out, grp...)
	}
	return out
}
