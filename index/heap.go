package index

// entry is a candidate during a scan. score is the metric's distance mapped
// so that smaller is always better (see Metric.score).
type entry struct {
	score float32
	id    int64
}

// worse orders entries worst first: higher score, then higher ID. Using the
// ID as tie-breaker makes every result deterministic.
func worse(a, b entry) bool {
	return a.score > b.score || (a.score == b.score && a.id > b.id)
}

// topK keeps the k best entries seen so far in a bounded heap whose root is
// the worst kept entry, so a candidate is rejected with one comparison once
// the heap is full.
type topK struct {
	k int
	h []entry
}

func (t *topK) reset(k int) {
	t.k = k
	t.h = t.h[:0]
}

// full reports whether a candidate must beat the root to get in.
func (t *topK) full() bool { return len(t.h) >= t.k }

// threshold is the worst kept score; valid only when full.
func (t *topK) threshold() float32 { return t.h[0].score }

// push offers e, keeping it only if it ranks among the k best so far.
func (t *topK) push(e entry) {
	if len(t.h) < t.k {
		t.h = append(t.h, e)
		siftUpWorst(t.h, len(t.h)-1)
		return
	}
	if !worse(t.h[0], e) {
		return
	}
	t.h[0] = e
	siftDownWorst(t.h, 0)
}

// drain empties the heap and returns its entries best first. The returned
// slice aliases the heap's storage until the next reset.
func (t *topK) drain() []entry {
	h := t.h
	for n := len(h) - 1; n > 0; n-- {
		h[0], h[n] = h[n], h[0]
		siftDownWorst(h[:n], 0)
	}
	t.h = t.h[:0]
	return h
}

func siftUpWorst(h []entry, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func siftDownWorst(h []entry, i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n || c < 0 {
			return
		}
		if r := c + 1; r < n && worse(h[r], h[c]) {
			c = r
		}
		if !worse(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// bestFirst is a min-heap over all candidates, used when the number of
// entries needed is not known in advance (grouping): heapify once in O(n),
// then pop only as many as the walk consumes.
type bestFirst []entry

func (b bestFirst) init() {
	for i := len(b)/2 - 1; i >= 0; i-- {
		siftDownBest(b, i)
	}
}

// pop removes and returns the best entry; the heap must be non-empty.
func (b *bestFirst) pop() entry {
	h := *b
	n := len(h) - 1
	top := h[0]
	h[0] = h[n]
	*b = h[:n]
	siftDownBest(h[:n], 0)
	return top
}

func siftDownBest(h []entry, i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n || c < 0 {
			return
		}
		if r := c + 1; r < n && worse(h[c], h[r]) {
			c = r
		}
		if !worse(h[i], h[c]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// collectedHits turns one query's collected candidates into its hits, best
// first: the top-k heap's entries, or with grouping every candidate
// visited best first, as the exact dense scan does.
func collectedHits(p SearchParams, top *topK, cand []entry) []Hit {
	m := p.Metric
	if p.GroupSize == 0 {
		es := top.drain()
		out := make([]Hit, len(es))
		for i, e := range es {
			out[i] = Hit{ID: e.id, Distance: m.distance(e.score)}
		}
		return out
	}
	h := bestFirst(cand)
	h.init()
	g := newGroupCollector(p.TopK, p.GroupSize)
	for len(h) > 0 {
		e := h.pop()
		if g.add(Hit{ID: e.id, Distance: m.distance(e.score), Group: p.GroupKey(e.id)}) {
			break
		}
	}
	return g.result(0)
}
