package shards

import (
	"slices"
	"testing"
	"time"
)

func TestSuspectsAreTriedLast(t *testing.T) {
	var s suspects
	now := time.Unix(1000, 0)
	ids := []string{"q1", "n1", "n2"}
	if got := s.last(slices.Clone(ids), now); !slices.Equal(got, ids) {
		t.Fatalf("no suspects: %v", got)
	}
	s.mark("q1", now)
	if got := s.last(slices.Clone(ids), now.Add(time.Second)); !slices.Equal(got, []string{"n1", "n2", "q1"}) {
		t.Fatalf("q1 suspected: %v", got)
	}
	if got := s.last(slices.Clone(ids), now.Add(suspectFor)); !slices.Equal(got, ids) {
		t.Fatalf("after %v q1 is tried first again: %v", suspectFor, got)
	}
	s.mark("n1", now)
	s.clear("n1")
	if got := s.last(slices.Clone(ids), now); !slices.Equal(got, []string{"n1", "n2", "q1"}) {
		t.Fatalf("n1 cleared by a good read: %v", got)
	}
}
