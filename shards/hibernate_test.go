package shards

import (
	"slices"
	"sync"
	"testing"

	"github.com/raftvec/raftvec/coordinator"
)

// TestReconcileLeavesASleepingGroupAsleep: a reconcile that found a group
// open and waited while it went to sleep must not open it again (it did:
// during a stream of creates every reconcile woke groups that had just
// gone to sleep, which then campaigned and woke their peers, in a loop).
func TestReconcileLeavesASleepingGroupAsleep(t *testing.T) {
	h, c, r := testReplica(t)
	setView(h, func() *coordinator.View { return coordinator.NewView(1, 100, []*coordinator.Collection{c}) })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // reconciles, as a stream of metadata changes makes them
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := h.Ensure(c); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	r.stop()
	<-r.done // the loop is not running: sleep as it would
	if err := h.sleep(r); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if !slices.Contains(h.Sleeping(), r.Name) || len(h.Replicas()) != 0 {
		t.Fatalf("after a sleep racing reconciles: asleep %v, open %d", h.Sleeping(), len(h.Replicas()))
	}
	// A request wakes it, with its data.
	r2, err := h.Replica(c, 0)
	if err != nil || r2 == r || slices.Contains(h.Sleeping(), r.Name) {
		t.Fatalf("a request did not reopen the group: %v", err)
	}
}
