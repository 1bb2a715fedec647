package api

import (
	"context"
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

// TestStoppedReadCodes: a read stopped by its context answers the timeout
// code when its deadline passed (however deep the error was wrapped), and
// the error carries no unavailable/invalid sentinel that would win first.
func TestStoppedReadCodes(t *testing.T) {
	cases := []struct {
		err  error
		code int
	}{
		{fmt.Errorf("shards: query on shard-1-0 stopped: %w", context.DeadlineExceeded), codeTimeout},
		{fmt.Errorf("shards: read of shard-1-0: %w (shard unavailable)", context.DeadlineExceeded), codeTimeout},
		{fmt.Errorf("reduce stopped: %w", context.DeadlineExceeded), codeTimeout},
		{fmt.Errorf("shards: search on shard-1-0 stopped: index: search stopped: %w", context.Canceled), codeUnexpected},
	}
	for _, c := range cases {
		if got, _ := toCode(c.err); got != c.code {
			t.Errorf("%v: code %d, want %d", c.err, got, c.code)
		}
	}
}
