package shards

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestProposalGate: a planned transfer (hold) waits for the proposals in
// flight, new proposals wait while it holds and go on after release, and
// a deadline ends either wait without submitting anything.
func TestProposalGate(t *testing.T) {
	ctx := context.Background()
	expired, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name string
		run  func(t *testing.T, g *proposalGate)
	}{
		{"hold with nothing in flight returns at once", func(t *testing.T, g *proposalGate) {
			release, err := g.hold(ctx)
			if err != nil {
				t.Fatal(err)
			}
			release()
		}},
		{"hold waits for the proposals in flight", func(t *testing.T, g *proposalGate) {
			if err := g.enter(ctx); err != nil {
				t.Fatal(err)
			}
			held := make(chan func())
			go func() {
				release, err := g.hold(ctx)
				if err != nil {
					t.Error(err)
				}
				held <- release
			}()
			select {
			case <-held:
				t.Fatal("hold returned with a proposal in flight")
			case <-time.After(50 * time.Millisecond):
			}
			g.exit()
			(<-held)()
		}},
		{"new proposals wait while held and go on after release", func(t *testing.T, g *proposalGate) {
			release, err := g.hold(ctx)
			if err != nil {
				t.Fatal(err)
			}
			entered := make(chan error)
			go func() { entered <- g.enter(ctx) }()
			select {
			case <-entered:
				t.Fatal("a proposal entered while a transfer held the gate")
			case <-time.After(50 * time.Millisecond):
			}
			release()
			if err := <-entered; err != nil {
				t.Fatal(err)
			}
			g.exit()
		}},
		{"a held proposal's deadline ends its wait unsubmitted", func(t *testing.T, g *proposalGate) {
			release, err := g.hold(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			if err := g.enter(expired); !errors.Is(err, context.Canceled) {
				t.Fatalf("enter under a held gate with an expired ctx: %v", err)
			}
		}},
		{"a transfer that cannot drain gives up and releases", func(t *testing.T, g *proposalGate) {
			if err := g.enter(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := g.hold(expired); !errors.Is(err, context.Canceled) {
				t.Fatalf("hold with a stuck proposal: %v", err)
			}
			if err := g.enter(ctx); err != nil { // not held any more
				t.Fatal(err)
			}
			g.exit()
			g.exit()
			release, err := g.hold(ctx)
			if err != nil {
				t.Fatal(err)
			}
			release()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, &proposalGate{}) })
	}
}
