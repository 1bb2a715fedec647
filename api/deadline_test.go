package api

import (
	"strconv"
	"testing"
	"time"
)

func TestRequestTimeoutAndDeadline(t *testing.T) {
	now := time.UnixMilli(1_000_000)
	tests := []struct {
		rel, abs string
		want     time.Duration
		code     int // 0 = no error
	}{
		{"", "", 0, 0},
		{"2", "", 2 * time.Second, 0},
		{"", "1001500", 1500 * time.Millisecond, 0},
		{"2", "1000500", 500 * time.Millisecond, 0}, // the earlier wins
		{"0.1", "1005000", 100 * time.Millisecond, 0},
		{"", "999999", 0, codeTimeout}, // already passed
		{"", "soon", 0, codeInvalid},
	}
	for _, tc := range tests {
		got, err := requestTimeout(tc.rel, tc.abs, now)
		code := 0
		if ae, ok := err.(*apiError); ok {
			code = ae.code
		} else if err != nil {
			code = -1
		}
		if got != tc.want || code != tc.code {
			t.Errorf("(%q, %q): %v, code %d (%v); want %v, code %d", tc.rel, tc.abs, got, code, err, tc.want, tc.code)
		}
	}
}

// TestExpiredDeadlineDoesNothing: a write read after its client's
// deadline (it waited in a paused node's socket) is refused unhandled.
func TestExpiredDeadlineDoesNothing(t *testing.T) {
	e := newEnv(t)
	e.quick("d", nil)
	past := strconv.FormatInt(time.Now().Add(-time.Second).UnixMilli(), 10)
	rows := map[string]any{"collectionName": "d", "data": []map[string]any{{"id": 1, "vector": []float32{1, 2}}}}
	e.fail("entities/insert", rows, codeTimeout, "nothing was done", "Raftvec-Deadline", past)
	future := strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10)
	e.ok("entities/insert", rows, "Raftvec-Deadline", future)
	e.f.mu.Lock()
	defer e.f.mu.Unlock()
	if n := len(e.f.writes); n != 1 {
		t.Fatalf("backend saw %d writes, want only the one within its deadline", n)
	}
}
