package raft

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	hraft "github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// Node is one member of one raft group. All methods are safe for concurrent
// use.
type Node struct {
	cfg     Config
	logger  hclog.Logger
	raft    *hraft.Raft
	trans   *hraft.NetworkTransport
	store   *raftboltdb.BoltStore
	logs    hraft.LogStore // the store behind its entry cache
	applied *appliedTracker
	events  *leaderEvents
	stats   nodeStats // monitoring counters (metrics.go)

	readBarrier chan struct{} // capacity 1: serialises read-barrier proposals
	waiting     atomic.Int64  // goroutines blocked on hraft futures

	closeOnce sync.Once
	closeErr  error
	closed    chan struct{}
}

// Open opens (creating if needed) the group's data dir and starts raft on the
// mux endpoint (KindRaft, cfg.Group). If cfg.Bootstrap is set and the dir has
// no raft state, the cluster is bootstrapped with cfg.Peers (or this node
// alone). fsm is the user state machine; the node wraps it (see fsm.go).
func Open(cfg Config, fsm hraft.FSM, mux *Mux) (*Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if fsm == nil || mux == nil {
		return nil, errors.New("raft: Open: nil fsm or mux")
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	n := &Node{
		cfg:         cfg,
		logger:      cfg.Logger,
		applied:     &appliedTracker{},
		readBarrier: make(chan struct{}, 1),
		closed:      make(chan struct{}),
	}
	n.events = newLeaderEvents(n.IsLeader)
	if err := n.open(fsm, mux); err != nil {
		n.cleanupFailedOpen()
		return nil, fmt.Errorf("raft: open group %q: %w", cfg.Group, err)
	}
	n.events.start()
	return n, nil
}

func (n *Node) open(fsm hraft.FSM, mux *Mux) error {
	if err := os.MkdirAll(n.cfg.Dir, 0o755); err != nil {
		return err
	}
	hc, err := n.cfg.hraftConfig(n.logger, n.events.notifyCh())
	if err != nil {
		return err
	}
	n.store, err = raftboltdb.New(raftboltdb.Options{Path: filepath.Join(n.cfg.Dir, "raft.db")})
	if err != nil {
		return err
	}
	logs := newLogCache(n.store, logCacheBytes)
	n.logs = logs
	snaps, err := hraft.NewFileSnapshotStoreWithLogger(n.cfg.Dir, snapshotsRetain, n.logger)
	if err != nil {
		return err
	}
	layer, err := mux.Listen(KindRaft, n.cfg.Group)
	if err != nil {
		return err
	}
	// MaxRPCsInFlight 1: no pipelined replication. hashicorp/raft's
	// pipeline (the default, 2 in flight, unbuffered channels) can
	// deadlock when its decoder stops on a rejected append or a stop while
	// the sender has one more request out: replication to that follower
	// stalls for good and Shutdown never returns (a server test hung in
	// Stop with pipelineSend and decodeResponses parked on each other's
	// channels; grafana/pyroscope#5518 reports the same). HashiCorp
	// measured little gain from pipelining next to batching (#541).
	n.trans = hraft.NewNetworkTransportWithConfig(&hraft.NetworkTransportConfig{Stream: layer, MaxPool: transportPool,
		Timeout: transportTimeout, Logger: n.logger, MaxRPCsInFlight: 1})
	booted, err := n.maybeBootstrap(hc, logs, snaps)
	if err != nil {
		return err
	}
	adapter := &fsmAdapter{user: fsm, applied: n.applied, stats: &n.stats}
	if err := n.maybeRecover(hc, adapter, logs, snaps); err != nil {
		return err
	}
	n.raft, err = hraft.NewRaft(hc, adapter, logs, n.store, snaps, n.trans)
	if err != nil {
		return err
	}
	n.raft.RegisterObserver(n.stats.observer()) // before the first election (CampaignNow below)
	if booted || n.loneVoter() {
		if err := n.CampaignNow(); err != nil {
			n.logger.Debug("campaigning at once", "error", err)
		}
	}
	return nil
}

// maybeBootstrap bootstraps a group without state if cfg.Bootstrap is set;
// it reports whether it did.
func (n *Node) maybeBootstrap(hc *hraft.Config, logs hraft.LogStore, snaps hraft.SnapshotStore) (bool, error) {
	if !n.cfg.Bootstrap {
		return false, nil
	}
	has, err := hraft.HasExistingState(logs, n.store, snaps)
	if err != nil || has {
		return false, err
	}
	servers := n.cfg.Peers
	if len(servers) == 0 {
		servers = []hraft.Server{{ID: hc.LocalID, Address: n.trans.LocalAddr(), Suffrage: hraft.Voter}}
	}
	return true, hraft.BootstrapCluster(hc, logs, n.store, snaps, n.trans, hraft.Configuration{Servers: servers})
}

// loneVoter reports whether this node is the only voter of the group's
// latest configuration.
func (n *Node) loneVoter() bool {
	servers, err := n.Servers()
	if err != nil {
		return false
	}
	voters := 0
	for _, s := range servers {
		if s.Suffrage == hraft.Voter {
			if string(s.ID) != n.cfg.ID {
				return false
			}
			voters++
		}
	}
	return voters == 1
}

// CampaignNow makes this node, a follower that may vote, start an election
// at once instead of after a heartbeat timeout. Open calls it for a group
// whose only voter is this node (standalone) and for a group it has just
// bootstrapped (the preferred replica of a new shard): nobody else can lead
// those, so the heartbeat timeout (1–2 s) would only delay the first write.
// It briefly lowers the heartbeat timeout, which makes hraft fire the
// follower's timer immediately, and restores it. An election is always
// safe; if this one fails the normal timeouts take over.
func (n *Node) CampaignNow() error {
	rc := n.raft.ReloadableConfig()
	lower := rc
	lower.HeartbeatTimeout -= time.Nanosecond
	if err := n.raft.ReloadConfig(lower); err != nil {
		return fmt.Errorf("raft: %s: campaign now: %w", n.cfg.Group, err)
	}
	if err := n.raft.ReloadConfig(rc); err != nil {
		return fmt.Errorf("raft: %s: restoring the heartbeat timeout: %w", n.cfg.Group, err)
	}
	return nil
}

// RecoveryFile is the name of the file that, placed in a group's directory
// while the node is stopped, replaces the group's configuration when the
// node next opens it (hashicorp/raft's peers.json recovery; the format is
// hraft.ReadConfigJSON's: [{"id": "...", "address": "...", "non_voter":
// false}, ...]). It is the way out for a group that lost its quorum for good
// (no member can be removed through Raft then). Every surviving member must
// get the same file before any of them starts. The file is renamed to
// RecoveryFile+".recovered" once applied.
const RecoveryFile = "peers.json"

// maybeRecover applies RecoveryFile if present (see its doc).
func (n *Node) maybeRecover(hc *hraft.Config, fsm hraft.FSM, logs hraft.LogStore, snaps hraft.SnapshotStore) error {
	path := filepath.Join(n.cfg.Dir, RecoveryFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	conf, err := hraft.ReadConfigJSON(path)
	if err != nil {
		return fmt.Errorf("raft: recovery file %s: %w", path, err)
	}
	n.logger.Warn("recovering the group's configuration from "+RecoveryFile, "path", path, "servers", conf.Servers)
	if err := hraft.RecoverCluster(hc, fsm, logs, n.store, snaps, n.trans, conf); err != nil {
		return fmt.Errorf("raft: recovering from %s: %w", path, err)
	}
	if err := os.Rename(path, path+".recovered"); err != nil {
		return fmt.Errorf("raft: recovered from %s, but could not rename it (remove it before the next start): %w", path, err)
	}
	return nil
}

func (n *Node) cleanupFailedOpen() {
	if n.raft != nil {
		n.raft.Shutdown().Error()
	}
	if n.trans != nil {
		n.trans.Close()
	}
	if n.store != nil {
		n.store.Close()
	}
}

// Close shuts raft down, closes the transport (and its mux registration and
// conns) and the stores, and stops the node's goroutines. Idempotent.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		close(n.closed)
		err := n.raft.Shutdown().Error() // also closes the transport
		n.events.stop()
		n.applied.close()
		n.closeErr = errors.Join(err, n.trans.Close(), n.store.Close())
	})
	return n.closeErr
}

func (n *Node) isClosed() bool {
	select {
	case <-n.closed:
		return true
	default:
		return false
	}
}

// ID returns this node's server ID.
func (n *Node) ID() string { return n.cfg.ID }

// Addr returns this node's raft address (the mux advertised address).
func (n *Node) Addr() string { return string(n.trans.LocalAddr()) }

// IsLeader reports whether this node currently believes it is the leader.
// Use ReadIndex, not IsLeader, to decide whether a read is linearizable.
func (n *Node) IsLeader() bool { return n.raft != nil && n.raft.State() == hraft.Leader }

// State returns the hraft state (Follower, Candidate, Leader, Shutdown).
func (n *Node) State() hraft.RaftState { return n.raft.State() }

// LeaderAddr returns the known leader's address and ID ("" if unknown).
func (n *Node) LeaderAddr() (addr, id string) {
	a, i := n.raft.LeaderWithID()
	return string(a), string(i)
}

// AppliedIndex returns the index of the last entry applied to the FSM.
func (n *Node) AppliedIndex() uint64 {
	i, _ := n.applied.get()
	return i
}

// Stats returns hraft's stats plus fsm_applied_index / fsm_applied_term (what
// WaitApplied sees; hraft's own applied_index counts entries handed to the FSM
// goroutine, not applied ones) and pending_future_waits.
func (n *Node) Stats() map[string]string {
	s := n.raft.Stats()
	i, t := n.applied.get()
	s["fsm_applied_index"] = strconv.FormatUint(i, 10)
	s["fsm_applied_term"] = strconv.FormatUint(t, 10)
	s["pending_future_waits"] = strconv.FormatInt(n.waiting.Load(), 10)
	return s
}
