package raft

import (
	"errors"
	"time"

	"github.com/hashicorp/go-hclog"
	hraft "github.com/hashicorp/raft"
)

const (
	defaultMaxBatch = 256
	// defaultOpTimeout bounds Propose/ReadIndex/membership calls whose ctx
	// has no deadline.
	defaultOpTimeout = 10 * time.Second
	transportTimeout = 10 * time.Second
	transportPool    = 3
	snapshotsRetain  = 2
)

// Config configures one raft group member. Zero durations/counters take the
// hashicorp defaults (hraft.DefaultConfig).
type Config struct {
	ID        string         // server ID of this node in the group
	Group     string         // group name = mux name, e.g. "meta" or "shard-12"
	Dir       string         // data dir: raft.db (log+stable store), snapshots/
	Bootstrap bool           // bootstrap a new cluster if no existing state
	Peers     []hraft.Server // bootstrap voters; empty → this node alone
	Logger    hclog.Logger   // named per group by the caller; nil → discard

	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	CommitTimeout      time.Duration

	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64

	// MaxBatch is hraft's MaxAppendEntries (entries per AppendEntries RPC
	// and per leader dispatch/group commit); it also sizes the buffered apply
	// channel (BatchApplyCh). Default 256, max 1024.
	MaxBatch int
}

func (c *Config) validate() error {
	switch {
	case c.ID == "":
		return errors.New("raft: config: empty ID")
	case c.Group == "":
		return errors.New("raft: config: empty Group")
	case c.Dir == "":
		return errors.New("raft: config: empty Dir")
	}
	return nil
}

// hraftConfig builds the hashicorp config; notify receives leadership changes.
func (c *Config) hraftConfig(logger hclog.Logger, notify chan<- bool) (*hraft.Config, error) {
	hc := hraft.DefaultConfig()
	hc.LocalID = hraft.ServerID(c.ID)
	hc.Logger = logger
	hc.NotifyCh = notify
	hc.BatchApplyCh = true
	hc.MaxAppendEntries = defaultMaxBatch
	setIf(&hc.MaxAppendEntries, c.MaxBatch)
	setIf(&hc.HeartbeatTimeout, c.HeartbeatTimeout)
	setIf(&hc.ElectionTimeout, c.ElectionTimeout)
	setIf(&hc.LeaderLeaseTimeout, c.LeaderLeaseTimeout)
	setIf(&hc.CommitTimeout, c.CommitTimeout)
	if c.LeaderLeaseTimeout == 0 && hc.LeaderLeaseTimeout > hc.HeartbeatTimeout {
		hc.LeaderLeaseTimeout = hc.HeartbeatTimeout * 9 / 10 // keep the default valid, leave room for CampaignNow
	}
	setIf(&hc.SnapshotThreshold, c.SnapshotThreshold)
	setIf(&hc.SnapshotInterval, c.SnapshotInterval)
	setIf(&hc.TrailingLogs, c.TrailingLogs)
	if err := hraft.ValidateConfig(hc); err != nil {
		return nil, err
	}
	return hc, nil
}

func setIf[T int | uint64 | time.Duration](dst *T, v T) {
	if v != 0 {
		*dst = v
	}
}
