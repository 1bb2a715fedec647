package api

import (
	"context"

	"github.com/gin-gonic/gin"
)

// Testing is the control surface of the Jepsen suite, served under
// /v1/test/ only when the node runs with --test-faults. It lets a test cut
// or degrade this node's links to peers, force Raft snapshots and read the
// state hash of every replica. A nil Testing leaves the routes out; a
// production node never serves them.
type Testing interface {
	// SetFaults replaces this node's fault table.
	SetFaults(ctx context.Context, f FaultSpec) error
	// Faults returns this node's fault table.
	Faults(ctx context.Context) (FaultSpec, error)
	// Snapshot takes a Raft snapshot of every group on this node (which
	// compacts their logs down to the configured trailing entries).
	Snapshot(ctx context.Context) error
	// State returns, per shard replica on this node, the index of the last
	// applied command and the state hash at that index.
	State(ctx context.Context) (any, error)
}

// FaultSpec is a node's fault table: peers (by Raft address) whose traffic
// is cut in both directions at this node, and peers whose links are slowed
// or reset.
type FaultSpec struct {
	Blocked []string            `json:"blocked"`
	Links   map[string]LinkSpec `json:"links"`
}

// LinkSpec degrades one peer link: every write waits DelayMs, and with
// probability Drop the connection is reset instead.
type LinkSpec struct {
	DelayMs int     `json:"delayMs"`
	Drop    float64 `json:"drop"`
}

type faultsReq struct {
	dbReq
	FaultSpec
}

func (s *Server) testRoutes(e *gin.Engine) {
	t := s.cfg.Testing
	if t == nil {
		return
	}
	g := e.Group("/v1/test", s.auth())
	g.GET("/faults", s.route(func(ctx context.Context, _ *call) (any, error) { return t.Faults(ctx) }, false))
	g.POST("/faults", s.route(func(ctx context.Context, c *call) (any, error) {
		var r faultsReq
		if err := decodeBody(c.body, &r); err != nil {
			return nil, err
		}
		for addr, l := range r.Links {
			if l.DelayMs < 0 || l.Drop < 0 || l.Drop > 1 {
				return nil, invalidf("invalid link to %s: delayMs must be >= 0 and drop in [0, 1]", addr)
			}
		}
		return map[string]any{}, t.SetFaults(ctx, r.FaultSpec)
	}, true))
	g.POST("/snapshot", s.route(func(ctx context.Context, _ *call) (any, error) {
		return map[string]any{}, t.Snapshot(ctx)
	}, true))
	g.GET("/state", s.route(func(ctx context.Context, _ *call) (any, error) { return t.State(ctx) }, false))
}
