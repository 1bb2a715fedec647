package testutil

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
)

// handedOut remembers the ports FreeAddr returned, so it never returns one
// twice in a process.
var handedOut sync.Map

// FreeAddr returns a loopback address in [lo, hi) that was free a moment
// ago. Keep the range below Linux's ephemeral ports (32768+), so outgoing
// connections cannot take the port before the caller binds it, and give
// test packages that run at the same time ranges of their own.
func FreeAddr(t testing.TB, lo, hi int) string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		port := lo + rand.IntN(hi-lo)
		if _, dup := handedOut.LoadOrStore(port, true); dup {
			continue
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatalf("no free loopback port in [%d, %d)", lo, hi)
	return ""
}
