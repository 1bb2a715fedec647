package api

import (
	"fmt"
	"testing"

	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/shards"
)

// TestOutcomeCodes: a write that may have happened is code 3 whichever layer
// reports it; one that did not happen is code 2.
func TestOutcomeCodes(t *testing.T) {
	cases := []struct {
		err  error
		code int
	}{
		{fmt.Errorf("meta: %w", raft.ErrUnknownOutcome), codeUnknownOutcome},
		{fmt.Errorf("shard: %w: %w", shards.ErrUnknownOutcome, raft.ErrUnknownOutcome), codeUnknownOutcome},
		{fmt.Errorf("meta: %w", raft.ErrNotLeader), codeUnavailable},
		{fmt.Errorf("%w: x", shards.ErrNotHosted), codeUnavailable},
		{fmt.Errorf("%w: %w", shards.ErrUnavailable, raft.ErrNotLeader), codeUnavailable},
		{fmt.Errorf("%w", shards.ErrRateLimited), codeRateLimited},
	}
	for _, c := range cases {
		if got, _ := toCode(c.err); got != c.code {
			t.Errorf("%v: code %d, want %d", c.err, got, c.code)
		}
	}
}
