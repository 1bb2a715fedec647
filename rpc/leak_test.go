package rpc

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// After Close of clients, servers and muxes no goroutine is left behind,
// including with calls abandoned by ctx and methods still running at Close.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
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
	}()
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
