package raft

import (
	"testing"
	"time"
)

// TestLoneVoterLeadsAtOnce: a group whose only voter is this node elects
// itself when it opens (new or restarted) instead of after a heartbeat
// timeout, which here is an hour: without CampaignNow the node would not
// lead within the test.
func TestLoneVoterLeadsAtOnce(t *testing.T) {
	m := newTestMux(t)
	cfg := fastConfig("solo", "s", t.TempDir())
	cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Hour, time.Hour, 500*time.Millisecond
	cfg.Bootstrap = true
	for round, what := range []string{"bootstrapped", "restarted"} {
		n := openTestNodeNoCleanup(t, cfg, m)
		waitFor(t, 10*time.Second, what+" lone voter leads", n.node.IsLeader)
		propose(t, n, "x")
		if err := n.node.Close(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// TestCampaignNowKeepsTimeouts: the heartbeat timeout is restored.
func TestCampaignNowKeepsTimeouts(t *testing.T) {
	m := newTestMux(t)
	cfg := fastConfig("solo", "s", t.TempDir())
	cfg.Bootstrap = true
	n := openTestNode(t, cfg, m)
	if got := n.node.raft.ReloadableConfig().HeartbeatTimeout; got != cfg.HeartbeatTimeout {
		t.Fatalf("heartbeat timeout %v after CampaignNow, want %v", got, cfg.HeartbeatTimeout)
	}
}
