package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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

func TestEncodeInsertRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vecs := make([]float32, 5*3)
	for i := range vecs {
		vecs[i] = float32(r.NormFloat64()) * float32(math.Pow(10, float64(r.IntN(60)-30)))
	}
	vecs[0], vecs[1] = math.MaxFloat32, -math.SmallestNonzeroFloat32
	var got struct {
		CollectionName string
		Data           []struct {
			ID     int       `json:"id"`
			Vector []float32 `json:"vector"`
		}
	}
	if err := json.Unmarshal(encodeInsert(`b"q`, 40, 3, vecs), &got); err != nil {
		t.Fatal(err)
	}
	if got.CollectionName != `b"q` || len(got.Data) != 5 {
		t.Fatalf("decoded %+v", got)
	}
	for i, row := range got.Data {
		if row.ID != 40+i || !slices.Equal(row.Vector, vecs[i*3:(i+1)*3]) {
			t.Fatalf("row %d: got %d %v, want %d %v", i, row.ID, row.Vector, 40+i, vecs[i*3:(i+1)*3])
		}
	}
}

func BenchmarkEncodeInsert(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	vecs := make([]float32, 1000*128)
	for i := range vecs {
		vecs[i] = r.Float32()
	}
	b.SetBytes(int64(len(encodeInsert("bench", 0, 128, vecs))))
	for b.Loop() {
		encodeInsert("bench", 0, 128, vecs)
	}
}

func TestAppendFloat32RoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	check := func(f float32) {
		if f != f || math.IsInf(float64(f), 0) {
			return // JSON has no NaN or Inf
		}
		s := string(appendFloat32(nil, f))
		back, err := strconv.ParseFloat(s, 32)
		if err != nil || float32(back) != f {
			t.Fatalf("appendFloat32(%v) = %q, parses to %v (%v)", f, s, float32(back), err)
		}
	}
	for _, f := range []float32{0, 1, -1, 0.1, 1e-4, 9.9999999e-5, 1e8, 99999999, 0.5, 123.456, math.MaxFloat32, math.SmallestNonzeroFloat32} {
		check(f)
	}
	for range 2000000 {
		check(math.Float32frombits(r.Uint32())) // every magnitude
		check(r.Float32())
		check(float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(14)-5))))
	}
}
