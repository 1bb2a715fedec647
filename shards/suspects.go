package shards

import (
	"sync"
	"time"
)

// suspectFor is how long a node whose read failed as unreachable (or ran
// out of time: a paused or partitioned node accepts a connection and never
// answers) is tried after the others.
const suspectFor = 5 * time.Second

// suspects remembers the nodes that recently failed a read, so reads try
// them last: one stalled query node then costs the reads that met it, not
// every read of its shards.
type suspects struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (s *suspects) mark(id string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.until == nil {
		s.until = map[string]time.Time{}
	}
	s.until[id] = now.Add(suspectFor)
}

func (s *suspects) clear(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.until, id)
}

// last moves the suspected ids to the end of ids, keeping both parts in
// order.
func (s *suspects) last(ids []string, now time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.until) == 0 {
		return ids
	}
	ok := make([]string, 0, len(ids))
	var bad []string
	for _, id := range ids {
		if now.Before(s.until[id]) {
			bad = append(bad, id)
		} else {
			ok = append(ok, id)
		}
	}
	return append(ok, bad...)
}
