package rpc

import (
	"sync"
	"testing"
	"time"

	"github.com/raftvec/raftvec/internal/testutil"
)

// After Close of clients, servers and muxes no goroutine is left behind,
// including with calls abandoned by ctx and methods still running at Close.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	testutil.NoLeakedGoroutines(t, func() {
		cliMux, stopCli := startMux(t)
		srvMux, stopSrvMux := startMux(t)
		svc, stopSrv := startServer(t, srvMux)
		cli := NewClient(cliMux, time.Second)
		addr := srvMux.Addr().String()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() { mustEcho(t, cli, addr, int64(i)) })
		}
		wg.Wait()
		// Abandoned call whose method is still running when everything closes.
		if err := cli.Call(ctxT(t, 50*time.Millisecond), addr, "Test.Slow", &SlowArgs{Hold: time.Minute}, &Payload{}); err == nil {
			t.Error("slow call succeeded")
		}
		if svc.started.Load() != 1 {
			t.Error("slow call did not start")
		}
		cli.Close()
		stopSrv() // releases Slow, joins it
		stopSrvMux()
		stopCli()
	})
}
