package raft

import (
	"context"
	"errors"
	"time"
)

// RetryNotLeader runs fn again while it fails with ErrNotLeader (nothing
// was proposed, so a retry cannot apply anything twice), every interval,
// for up to wait or until ctx is done. It returns fn's last error.
func RetryNotLeader(ctx context.Context, wait, interval time.Duration, fn func() error) error {
	deadline := time.Now().Add(wait)
	for {
		err := fn()
		if !errors.Is(err, ErrNotLeader) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(interval):
		}
	}
}
