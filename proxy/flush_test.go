package proxy

import (
	"testing"

	"github.com/raftvec/raftvec/shards"
)

// TestFlushWaitsForWhatWasSealed: a flush waits for the segments sealed
// when it began and for the deletions they had then, not for segments
// sealed or deletions made later (a steady write load keeps making those),
// nor for targets that are gone (compacted).
func TestFlushWaitsForWhatWasSealed(t *testing.T) {
	seg := func(id int64, state string, deleted, deltaRows int64) shards.SegmentInfo {
		return shards.SegmentInfo{ID: id, State: state, Deleted: deleted, DeltaRows: deltaRows}
	}
	at := []shards.SegmentInfo{
		seg(1, "Flushed", 0, 0), seg(2, "Flushed", 5, 3), seg(3, "Sealed", 0, 0), seg(4, "Growing", 0, 0),
	}
	want := flushTargets(at)
	if len(want) != 3 || want[2] != 5 {
		t.Fatalf("targets %v, want segments 1-3 with 5 deletions of segment 2", want)
	}
	for _, tc := range []struct {
		name string
		now  []shards.SegmentInfo
		n    int
	}{
		{"as at the start", at, 2},
		{"flushed, deletions in the delta log", []shards.SegmentInfo{
			seg(1, "Flushed", 0, 0), seg(2, "Flushed", 5, 5), seg(3, "Flushed", 0, 0)}, 0},
		{"later deletions and segments are not waited for", []shards.SegmentInfo{
			seg(1, "Flushed", 9, 0), seg(2, "Flushed", 8, 5), seg(3, "Flushed", 0, 0), seg(4, "Sealed", 0, 0), seg(5, "Sealed", 0, 0)}, 0},
		{"a target still sealed", []shards.SegmentInfo{seg(2, "Flushed", 5, 5), seg(3, "Sealed", 0, 0)}, 1},
		{"targets compacted away", []shards.SegmentInfo{seg(1<<40, "Flushed", 0, 0)}, 0},
	} {
		if got := unflushed(tc.now, want); got != tc.n {
			t.Errorf("%s: %d pending, want %d", tc.name, got, tc.n)
		}
	}
}
