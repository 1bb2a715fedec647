package testutil

import (
	"runtime"
	"testing"
	"time"
)

// NoLeakedGoroutines runs fn and fails the test if, within 5 s after it
// returns, more goroutines are running than before it (with every stack).
func NoLeakedGoroutines(t testing.TB, fn func()) {
	t.Helper()
	before := runtime.NumGoroutine()
	fn()
	var after int
	deadline := time.Now().Add(5 * time.Second)
	for {
		after = runtime.NumGoroutine()
		if after <= before || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: before %d after %d\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}
