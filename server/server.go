package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/shards"
)

// Server is one running raftvec node.
type Server struct {
	cfg    Config
	logger hclog.Logger

	mux   *raft.Mux
	coord *coordinator.Coordinator
	host  *shards.Host
	api   *api.Server

	httpLn net.Listener
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error

	stopOnce sync.Once
	stopErr  error
}

// Start opens every component of a standalone node and serves until Stop.
func Start(cfg Config, logger hclog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	s := &Server{cfg: cfg, logger: logger, errc: make(chan error, 2)}
	if err := s.open(); err != nil {
		s.closeAll()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.errc <- s.mux.Serve(ctx) }()
	go func() { defer s.wg.Done(); s.errc <- s.api.Serve(ctx, s.httpLn) }()
	if err := s.reconcile(); err != nil {
		s.Stop()
		return nil, err
	}
	logger.Info("raftvec serving", "http", s.HTTPAddr(), "raft", s.RaftAddr(), "data", cfg.DataDir)
	return s, nil
}

func (s *Server) raftTemplate() raft.Config {
	r := s.cfg.Raft
	return raft.Config{
		ID: s.cfg.NodeID, HeartbeatTimeout: r.HeartbeatTimeout, ElectionTimeout: r.ElectionTimeout,
		LeaderLeaseTimeout: r.HeartbeatTimeout / 2, SnapshotThreshold: r.SnapshotThreshold,
		SnapshotInterval: r.SnapshotInterval, TrailingLogs: r.TrailingLogs,
	}
}

func (s *Server) open() error {
	rln, err := net.Listen("tcp", s.cfg.RaftAddr)
	if err != nil {
		return fmt.Errorf("server: raft listen: %w", err)
	}
	s.mux = raft.NewMux(rln, s.logger.Named("mux"))
	mc := s.raftTemplate()
	mc.Group, mc.Dir, mc.Bootstrap = coordinator.GroupName, filepath.Join(s.cfg.DataDir, "meta"), true
	mc.Logger = s.logger.Named("meta")
	if s.coord, err = coordinator.Open(mc, s.mux, nil); err != nil {
		return err
	}
	s.host = shards.NewHost(shards.Config{Dir: filepath.Join(s.cfg.DataDir, "shards"), Raft: s.raftTemplate(), Logger: s.logger}, s.mux)
	s.api = api.New(api.Config{
		Addr: s.cfg.HTTPAddr, AuthEnabled: s.cfg.AuthEnabled, Users: s.cfg.Users, APIKeys: s.cfg.APIKeys,
		MaxBodyBytes: s.cfg.MaxBodyBytes, Logger: s.logger,
	}, proxy.New(s.coord, s.host, s.logger.Named("proxy")))
	if s.httpLn, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
		return fmt.Errorf("server: http listen: %w", err)
	}
	return nil
}

// reconcile waits until the metadata log is applied, then opens the shards
// of every collection and removes data of dropped ones.
func (s *Server) reconcile() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		idx, err := s.coord.Node().ReadIndex(ctx)
		if err == nil {
			if err = s.coord.Node().WaitApplied(ctx, idx); err == nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server: metadata group did not become ready: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return s.host.Reconcile(s.coord.Collections())
}

// HTTPAddr returns the bound HTTP address.
func (s *Server) HTTPAddr() string { return s.httpLn.Addr().String() }

// RaftAddr returns the bound Raft address.
func (s *Server) RaftAddr() string { return s.mux.Addr().String() }

// Host returns the node's shard replicas (for tests and status).
func (s *Server) Host() *shards.Host { return s.host }

// Err returns a channel that receives the first fatal serving error.
func (s *Server) Err() <-chan error { return s.errc }

// Stop hands off leadership, stops the API, closes every Raft group and
// waits for all goroutines. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.host != nil {
			s.host.TransferLeadership(context.Background())
		}
		if s.cancel != nil {
			s.cancel()
		}
		s.stopErr = s.closeAll()
		s.wg.Wait()
	})
	return s.stopErr
}

func (s *Server) closeAll() error {
	var errs []error
	if s.httpLn != nil && s.cancel == nil {
		errs = append(errs, s.httpLn.Close())
	}
	if s.host != nil {
		errs = append(errs, s.host.Close())
	}
	if s.coord != nil {
		errs = append(errs, s.coord.Close())
	}
	if s.mux != nil {
		errs = append(errs, s.mux.Close())
	}
	return errors.Join(errs...)
}
