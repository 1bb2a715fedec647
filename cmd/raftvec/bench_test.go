package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&codeError{code: 2}, true},            // unavailable: definitely not applied
		{&codeError{code: 3}, true},            // outcome unknown: the key makes a retry safe
		{&codeError{code: 8}, true},            // rate limited
		{&codeError{code: 10001}, true},        // timed out: outcome unknown
		{errors.New("connection reset"), true}, // no reply: outcome unknown
		{&codeError{code: 1100}, false},
		{&codeError{code: 1804}, false},
		{&codeError{code: 100}, false},
		{fmt.Errorf("wrapped: %w", &codeError{code: 3}), true},
	}
	for _, tt := range tests {
		if got := retryable(tt.err); got != tt.want {
			t.Errorf("retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestInsertRetryingKeepsTheKey: bench insert retries code 3 (and other
// retryable codes) with the same Idempotency-Key, on the next node, a
// bounded number of times, and counts the retries.
func TestInsertRetryingKeepsTheKey(t *testing.T) {
	defer func(b time.Duration) { retryBackoff = b }(retryBackoff)
	retryBackoff = 0
	tests := []struct {
		name        string
		codes       []int // answered in turn; the last repeats
		wantErr     bool
		wantCalls   int
		wantRetries int64
	}{
		{"ok at once", []int{0}, false, 1, 0},
		{"code 3 twice, then ok", []int{3, 3, 0}, false, 3, 2},
		{"unavailable, then ok", []int{2, 0}, false, 2, 1},
		{"invalid data is not retried", []int{1804}, true, 1, 0},
		{"bounded", []int{3}, true, insertAttempts, insertAttempts - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var keys []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				n := len(keys)
				keys = append(keys, r.Header.Get("Idempotency-Key"))
				mu.Unlock()
				code := tt.codes[min(n, len(tt.codes)-1)]
				fmt.Fprintf(w, `{"code":%d,"message":"m","data":{}}`, code)
			}))
			defer srv.Close()
			var retries atomic.Int64
			err := insertRetrying([]string{srv.URL, srv.URL}, 0, "k-1", map[string]any{}, &retries)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if len(keys) != tt.wantCalls || retries.Load() != tt.wantRetries {
				t.Fatalf("%d calls, %d retries; want %d, %d", len(keys), retries.Load(), tt.wantCalls, tt.wantRetries)
			}
			for _, k := range keys {
				if k != "k-1" {
					t.Fatalf("Idempotency-Keys %v, want k-1 on every attempt", keys)
				}
			}
		})
	}
}
