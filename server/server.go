package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/builder"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/grpcapi"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/rpc"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/telemetry"
)

// Server is one running raftvec node.
type Server struct {
	cfg    Config
	logger hclog.Logger

	mux    *raft.Mux
	faults *raft.Faults // --test-faults only
	rpcSrv *rpc.Server
	client *rpc.Client
	coord  *coordinator.Coordinator
	host   *shards.Host
	worker *builder.Worker // index builds and compactions (the index role)
	store  storage.ObjectStore
	// backups is the backup store (backup.go); nil on a cluster node
	// without shared object storage.
	backups storage.ObjectStore
	proxy   *proxy.Proxy
	api     *api.Server
	// grpcMetrics counts the gRPC API's calls (served on /metrics).
	grpcMetrics *grpcapi.Metrics
	// metrics are the node's object store, task and read metrics.
	metrics *telemetry.Metrics

	httpLn  net.Listener
	debugLn net.Listener  // --debug-addr; nil when off
	muxDone chan struct{} // closed when the mux's Serve returned
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	errc    chan error
	changed chan struct{} // metadata changed: reconcile the shards

	started atomic.Bool // joined: /readyz and the Milvus routes are served

	stopOnce sync.Once
	stopErr  error
}

// Start opens every component of a node, serves HTTP, joins or forms its
// cluster (or runs standalone), and serves until Stop.
//
// The HTTP listener opens before the node joins: /healthz, /metrics and
// the read-only admin routes (status, nodes) answer from the first moment,
// while /readyz and the Milvus routes say "not ready" (with the reason)
// until the node has joined. A new node must join within two minutes or
// Start fails. A node with Raft state (a restart) waits for a metadata
// leader for as long as it runs (after a whole-cluster outage none can be
// ready before a quorum is back); Start returns once it is ready or after
// restartWait, and the join then goes on in the background.
func Start(cfg Config, logger hclog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	s := &Server{cfg: cfg, logger: logger, errc: make(chan error, 5), changed: make(chan struct{}, 1)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.open(); err != nil {
		s.cancel()
		_ = s.closeAll()
		return nil, err
	}
	s.serveMux()
	s.goServe(func(ctx context.Context) error { return s.rpcSrv.Serve(ctx) })
	s.serveFrontEnds(s.openFrontEnds(s.httpLn))
	s.serveDebug()
	restart := s.coord.Node().HasState() // standalone: bootstrapped in open, so always
	joined := make(chan error, 1)
	s.goLoop(func(ctx context.Context) { joined <- s.startup(ctx, restart) })
	wait := time.After(cmp.Or(s.cfg.restartWait, restartWait))
	if !restart {
		wait = nil // a new node: joining is part of starting (it fails after two minutes)
	}
	select {
	case err := <-joined:
		if err != nil {
			_ = s.Stop()
			return nil, err
		}
	case <-wait:
		logger.Warn("still waiting for a metadata leader; serving /healthz and /v1/cluster/status meanwhile", "node", cfg.NodeID, "http", s.HTTPAddr())
	}
	return s, nil
}

// restartWait bounds how long Start waits for a restarted node to join
// before returning (the join goes on in the background).
const restartWait = 30 * time.Second

// startup joins the cluster, then marks the node started and runs its
// loops. A restarted node retries until it joins or the node stops.
func (s *Server) startup(ctx context.Context, restart bool) error {
	for {
		err := s.join()
		if err == nil {
			break
		}
		if !restart || ctx.Err() != nil {
			return err
		}
		s.logger.Warn("joining the cluster failed; retrying", "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	s.started.Store(true)
	s.goLoop(s.watchChanges)
	s.goLoop(s.watchLiveness)
	s.goLoop(s.watchGarbage)
	s.goLoop(s.watchTasks)
	s.logger.Info("raftvec serving", "node", s.cfg.NodeID, "http", s.HTTPAddr(), "raft", s.RaftAddr(), "data", s.cfg.DataDir)
	return nil
}

// starting is api.Config.Starting: why the node is not started yet.
func (s *Server) starting() error {
	if s.started.Load() {
		return nil
	}
	if addr, _ := s.coord.Node().LeaderAddr(); addr == "" {
		return fmt.Errorf("joining the cluster: the metadata group has no leader; a quorum of its voters must be up (see /v1/cluster/status; README: recovering a metadata group that lost its quorum)")
	}
	return errors.New("joining the cluster: catching up with the metadata log")
}

func (s *Server) goServe(fn func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(s.ctx); err != nil {
			select {
			case s.errc <- err:
			default:
			}
		}
	}()
}

// serveMux runs the Raft/RPC port's mux until closeAll closes it, after
// every Raft group: a group's transport that lost its listener first logs
// "failed to accept connection" at ERROR until the group closes.
func (s *Server) serveMux() {
	s.muxDone = make(chan struct{})
	go func() {
		defer close(s.muxDone)
		if err := s.mux.Serve(context.Background()); err != nil {
			select {
			case s.errc <- err:
			default:
			}
		}
	}()
}

func (s *Server) goLoop(fn func(context.Context)) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); fn(s.ctx) }()
}

func (s *Server) raftTemplate() raft.Config {
	r := s.cfg.Raft
	return raft.Config{
		ID: s.cfg.NodeID, HeartbeatTimeout: r.HeartbeatTimeout, ElectionTimeout: r.ElectionTimeout,
		// Nearly the longest lease hraft allows (fewer lease checks per idle
		// group), leaving room for raft.Node.CampaignNow.
		LeaderLeaseTimeout: r.HeartbeatTimeout * 9 / 10,
		SnapshotThreshold:  r.SnapshotThreshold, SnapshotInterval: r.SnapshotInterval, TrailingLogs: r.TrailingLogs,
		CommitTimeout: r.CommitTimeout,
	}
}

func (s *Server) open() error {
	rln, err := net.Listen("tcp", s.cfg.RaftAddr)
	if err != nil {
		return fmt.Errorf("server: raft listen: %w", err)
	}
	var muxOpts []raft.MuxOption
	if s.cfg.Testing.Faults {
		s.faults = raft.NewFaults()
		muxOpts = append(muxOpts, raft.WithFaults(s.faults))
		s.logger.Warn("test fault injection enabled (/v1/test/): not for production")
	}
	if s.cfg.Testing.UnsafeStrongReads {
		s.logger.Warn("Strong reads are deliberately broken (--test-unsafe-strong-reads): not for production")
	}
	s.mux = raft.NewMux(rln, s.logger.Named("mux"), muxOpts...)
	s.client = rpc.NewClient(s.mux, 2*time.Second)
	if s.rpcSrv, err = rpc.NewServer(s.mux, s.logger.Named("rpc")); err != nil {
		return err
	}
	mc := s.raftTemplate()
	mc.Group, mc.Dir, mc.Logger = coordinator.GroupName, filepath.Join(s.cfg.DataDir, "meta"), s.logger.Named("meta")
	mc.Bootstrap = s.cfg.Standalone()
	if s.coord, err = coordinator.Open(mc, s.mux, s.client, s.notifyChange); err != nil {
		return err
	}
	if s.store, err = openStore(s.cfg); err != nil {
		return err
	}
	s.metrics = telemetry.New()
	s.store = storage.Instrument(s.store, s.metrics.Store)
	lc := s.cfg.Lifecycle
	var flushTo shards.ObjectStore = s.store
	if !s.cfg.Standalone() && s.cfg.Storage.Kind == "local" {
		// A node's local directory is not visible to the other replicas,
		// which must load flushed chunks when they restore a snapshot.
		s.logger.Warn("cluster node without shared object storage (--storage minio): segments are kept in Raft snapshots, not flushed")
		flushTo = nil
	}
	s.host = shards.NewHost(shards.Config{Dir: filepath.Join(s.cfg.DataDir, "shards"), Raft: s.raftTemplate(),
		Logger: s.logger, Resolve: s.coord.RaftAddr, Placement: s.placement, View: s.coord.View,
		StalenessBound: s.cfg.Cluster.StalenessBound,
		Lifecycle: shards.Lifecycle{Store: flushTo, ChunkSize: lc.ChunkSize, SealSize: lc.SealSize,
			SealIdle: lc.SealIdle, MaxBacklog: lc.MaxBacklog, MaxSegmentSize: lc.MaxSegmentSize,
			CompactionRatio: lc.CompactionRatio, GCTolerance: lc.GCTolerance, GCInterval: lc.GCInterval,
			CacheDir: filepath.Join(s.cfg.DataDir, "cache")},
		HibernateAfter: lc.HibernateAfter,
		SubmitTask:     s.coord.CreateTask, Indexes: s.indexes, UnsafeStrongReads: s.cfg.Testing.UnsafeStrongReads,
		Preload: s.cfg.hasRole(coordinator.RoleQuery),
		Interim: s.cfg.hasRole(coordinator.RoleQuery) && !s.cfg.DisableInterimIndex, ReadMetrics: s.metrics.Reads}, s.mux, s.client)
	hl := s.host.Lifecycle()
	if flushTo != nil {
		if s.backups, err = openBackupStore(s.cfg); err != nil {
			return err
		}
	}
	s.worker = builder.New(builder.Config{Router: s.host, Store: hl.Store, Root: hl.Root, ChunkSize: hl.ChunkSize, Load: s.host.Loader(),
		Files: importFiles(hl.Store), Jobs: s.coord})
	if err := s.register(); err != nil {
		return err
	}
	s.proxy = proxy.New(s.coord, s.host, s.logger.Named("proxy"), s.cfg.Cluster.ReplicaNumber, s.cfg.memoryLimit())
	s.proxy.SetReadMetrics(s.metrics.Reads)
	s.grpcMetrics = grpcapi.NewMetrics()
	ac := api.Config{
		Addr: s.cfg.HTTPAddr, AuthEnabled: s.cfg.AuthEnabled, Users: s.cfg.Users, APIKeys: s.cfg.APIKeys,
		MaxBodyBytes: s.cfg.MaxBodyBytes, Logger: s.logger, Admin: admin{s: s},
		AdminAPI: s.cfg.AdminAPI, Starting: s.starting,
		Collectors: append(s.collectors(), s.grpcMetrics.Collectors()...),
	}
	if s.faults != nil {
		ac.Testing = testHooks{s: s}
	}
	s.api = api.New(ac, s.proxy)
	if s.httpLn, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
		return fmt.Errorf("server: http listen: %w", err)
	}
	return s.openDebug()
}

func (s *Server) register() error {
	for name, svc := range map[string]any{
		coordinator.ServiceName: s.coord.Service(),
		shards.ServiceName:      s.host.Service(),
		ClusterServiceName:      &ClusterService{s: s},
	} {
		if err := s.rpcSrv.Register(name, svc); err != nil {
			return fmt.Errorf("server: registering %s: %w", name, err)
		}
	}
	return nil
}

// placement returns the current placement of a shard (O(1): read from the
// metadata view, not a copy of every collection).
func (s *Server) placement(collID int64, shard int) (coordinator.ShardPlacement, bool) {
	c, ok := s.coord.View().ByID(collID)
	if !ok || shard >= len(c.Shards) {
		return coordinator.ShardPlacement{}, false
	}
	sp := c.Shards[shard]
	return coordinator.ShardPlacement{Replicas: slices.Clone(sp.Replicas), Initial: slices.Clone(sp.Initial), Queries: slices.Clone(sp.Queries)}, true
}

// indexes returns a collection's indexes.
func (s *Server) indexes(collID int64) []coordinator.Index {
	if c, ok := s.coord.View().ByID(collID); ok {
		return slices.Clone(c.Indexes)
	}
	return nil
}

// notifyChange is called by the metadata FSM after every applied change.
func (s *Server) notifyChange() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// join forms or joins the cluster (nothing to do standalone), waits until
// the metadata log is applied, registers this node and opens its shards.
//
// A node that already has Raft state (a restart, standalone included)
// waits for a metadata leader for as long as it runs: after a whole-cluster
// outage the nodes come back one by one, and none can be ready before a
// quorum is up. A new node gives up after two minutes.
func (s *Server) join() error {
	ctx, cancel := context.WithTimeout(s.ctx, 120*time.Second)
	if s.coord.Node().HasState() {
		cancel()
		ctx, cancel = context.WithCancel(s.ctx)
	}
	defer cancel()
	if !s.cfg.Standalone() {
		if err := s.formCluster(ctx); err != nil {
			return err
		}
	}
	if err := s.syncMeta(ctx); err != nil {
		return fmt.Errorf("server: metadata group did not become ready: %w", err)
	}
	if err := s.registerSelf(ctx); err != nil {
		return err
	}
	return s.host.Reconcile()
}

// syncMeta waits until this node has applied the metadata log up to a
// read index, retrying while there is no leader.
func (s *Server) syncMeta(ctx context.Context) error {
	for {
		err := s.coord.Sync(ctx)
		if err == nil || !errors.Is(err, raft.ErrNotLeader) || ctx.Err() != nil {
			return err
		}
		s.logger.Info("waiting for a metadata leader (a quorum of the cluster's nodes must be up)", "error", err)
	}
}

// registerSelf records this node, its addresses and state "up" in the
// registry (a no-op when nothing changed).
func (s *Server) registerSelf(ctx context.Context) error {
	self := s.self()
	if cur, ok := s.coord.NodeByID(self.ID); ok && cur.RaftAddr == self.RaftAddr && cur.HTTPAddr == self.HTTPAddr &&
		cur.State == self.State && slices.Equal(cur.Roles, self.Roles) {
		return nil
	}
	if err := s.coord.SetNode(ctx, self); err != nil {
		return fmt.Errorf("server: registering node: %w", err)
	}
	return nil
}

// watchChanges reconciles the hosted shards with the metadata after every
// change, every few seconds while the metadata changes or the last
// reconcile failed, and every minute as a safety net (a reconcile visits
// every collection: with thousands of them, the idle node's largest cost).
func (s *Server) watchChanges(ctx context.Context) {
	t := time.NewTicker(3 * time.Second)
	defer t.Stop()
	var lastGen uint64
	var lastOK time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.changed:
		case <-t.C:
			if s.coord.View().Gen == lastGen && time.Since(lastOK) < time.Minute {
				continue
			}
		}
		gen := s.coord.View().Gen
		if err := s.host.Reconcile(); err != nil {
			s.logger.Warn("reconciling shards", "error", err)
			continue
		}
		lastGen, lastOK = gen, time.Now()
	}
}

// HTTPAddr returns the bound HTTP address.
func (s *Server) HTTPAddr() string { return s.httpLn.Addr().String() }

// RaftAddr returns the bound Raft address.
func (s *Server) RaftAddr() string { return s.mux.Addr().String() }

// Host returns the node's shard replicas (for tests and status).
func (s *Server) Host() *shards.Host { return s.host }

// Worker returns the node's index-build and compaction worker.
func (s *Server) Worker() *builder.Worker { return s.worker }

// Coordinator returns the node's metadata replica (for tests and status).
func (s *Server) Coordinator() *coordinator.Coordinator { return s.coord }

// Err returns a channel that receives the first fatal serving error.
func (s *Server) Err() <-chan error { return s.errc }

// Stop hands off leadership, stops the API and loops, closes every Raft
// group and waits for all goroutines. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if s.host != nil {
			s.host.TransferLeadership(ctx)
		}
		if s.coord != nil && s.coord.Node().IsLeader() && !s.cfg.Standalone() {
			_ = s.coord.Node().TransferLeadership(ctx)
		}
		s.cancel()
		s.wg.Wait()
		s.stopErr = s.closeAll()
	})
	return s.stopErr
}

func (s *Server) closeAll() error {
	var errs []error
	if s.httpLn != nil {
		_ = s.httpLn.Close() // already closed when the API served
	}
	if s.debugLn != nil {
		_ = s.debugLn.Close() // already closed when it served
	}
	if s.host != nil {
		errs = append(errs, s.host.Close())
	}
	if s.coord != nil {
		errs = append(errs, s.coord.Close())
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	if s.backups != nil {
		errs = append(errs, s.backups.Close())
	}
	if s.rpcSrv != nil {
		errs = append(errs, s.rpcSrv.Close())
	}
	if s.client != nil {
		errs = append(errs, s.client.Close())
	}
	if s.mux != nil {
		errs = append(errs, s.mux.Close())
	}
	if s.muxDone != nil {
		<-s.muxDone
	}
	return errors.Join(errs...)
}
