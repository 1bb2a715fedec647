package raft

import (
	"context"
	"net"
	"testing"

	"github.com/raftvec/raftvec/internal/testutil"
)

// After Close of nodes and muxes no goroutine of ours (or of hraft's that we
// started) is left behind.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	testutil.NoLeakedGoroutines(t, func() {
		lns := make([]*Mux, 3)
		errc := make(chan error, 3)
		for i := range lns {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			lns[i] = NewMux(ln, nil)
			go func() { errc <- lns[i].Serve(context.Background()) }()
		}
		nodes := newClusterNoCleanup(t, "leak", lns, nil)
		proposeOK(t, nodes, "x")
		for _, n := range nodes {
			if err := n.node.Close(); err != nil {
				t.Errorf("close %s: %v", n.id, err)
			}
		}
		for _, m := range lns {
			m.Close()
		}
		for range lns {
			<-errc
		}
	})
}
