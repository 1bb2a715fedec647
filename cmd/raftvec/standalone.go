package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/raftvec/raftvec/server"
)

func newStandaloneCmd() *cobra.Command {
	cfg := server.Default()
	var configFile string
	cmd := &cobra.Command{
		Use:   "standalone",
		Short: "Run raftvec as one process (every Raft group has one voter)",
		Long: `Run raftvec standalone: one process, every Raft group (the metadata group
and each shard) with this node as its only voter, data under --data-dir.
The Milvus RESTful v2 API is served on --http-addr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := loadConfig(cmd.Flags(), &cfg, configFile); err != nil {
				return err
			}
			cfg.Cluster.Join, cfg.Cluster.BootstrapExpect = nil, 0 // one node, one voter per group
			return runServer(cfg)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&configFile, "config", "", "YAML configuration file (keys as in server.Config: data_dir, http_addr, raft: {...})")
	bindServerFlags(fs, &cfg)
	return cmd
}

func bindServerFlags(fs *pflag.FlagSet, cfg *server.Config) {
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for Raft logs, snapshots and segment data")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "HOST:PORT of the HTTP API (Milvus RESTful v2, /metrics, /healthz, /readyz)")
	fs.StringVar(&cfg.RaftAddr, "raft-addr", cfg.RaftAddr, "HOST:PORT of the Raft and internal RPC port (one port, multiplexed)")
	fs.StringVar(&cfg.NodeID, "node-id", cfg.NodeID, "this node's ID in every Raft group")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "trace, debug, info, warn or error")
	fs.Var(sizeFlag(&cfg.MaxBodyBytes), "max-body-bytes", "largest accepted HTTP request body, e.g. 64MiB (a larger one, with or without Content-Length, is refused before it is read further)")
	fs.Var(sizeFlagOrNone(&cfg.MemoryLimit), "memory-limit", "memory a collection load may take this node to, e.g. 8GiB; a load past it is refused (default 80% of the machine's memory; -1: no limit)")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", cfg.DebugAddr, "HOST:PORT on which to serve the Go profiler (/debug/pprof/), without authentication: keep it on loopback (default off)")
	fs.BoolVar(&cfg.DisableInterimIndex, "disable-interim-index", cfg.DisableInterimIndex, "search growing segments by exact scan instead of building interim indexes as rows arrive")
	fs.BoolVar(&cfg.AuthEnabled, "auth", cfg.AuthEnabled, "require Authorization: Bearer user:password or an API key, and check users, roles and privileges")
	fs.StringSliceVar(&cfg.APIKeys, "api-keys", cfg.APIKeys, "accepted API keys (with --auth)")
	fs.StringToStringVar(&cfg.Users, "users", cfg.Users, "accepted user=password pairs (with --auth); root is the superuser that creates users and roles")
	fs.BoolVar(&cfg.AdminAPI, "admin-api", cfg.AdminAPI, "serve /v1/cluster/nodes/add and /remove, and with --auth every /v1/ route, to every authenticated caller (default: only the admin role, e.g. root, with --auth)")
	fs.DurationVar(&cfg.Raft.HeartbeatTimeout, "raft-heartbeat-timeout", cfg.Raft.HeartbeatTimeout, "Raft heartbeat timeout")
	fs.DurationVar(&cfg.Raft.CommitTimeout, "raft-commit-timeout", cfg.Raft.CommitTimeout,
		"how often a leader without new entries sends followers its commit index (each replicated group costs an RPC per follower per period; followers learn the last commits this late)")
	fs.DurationVar(&cfg.Raft.ElectionTimeout, "raft-election-timeout", cfg.Raft.ElectionTimeout, "Raft election timeout")
	fs.Uint64Var(&cfg.Raft.SnapshotThreshold, "raft-snapshot-threshold", cfg.Raft.SnapshotThreshold, "log entries between automatic Raft snapshots")
	fs.Uint64Var(&cfg.Raft.TrailingLogs, "raft-trailing-logs", cfg.Raft.TrailingLogs, "log entries kept after a snapshot (followers further behind get the snapshot)")
	fs.DurationVar(&cfg.Raft.SnapshotInterval, "raft-snapshot-interval", cfg.Raft.SnapshotInterval, "how often Raft checks whether to snapshot")
	bindStorageFlags(fs, cfg)
	bindTestingFlags(fs, cfg)
}

// bindTestingFlags adds the Jepsen suite's switches, hidden from --help.
func bindTestingFlags(fs *pflag.FlagSet, cfg *server.Config) {
	fs.BoolVar(&cfg.Testing.Faults, "test-faults", cfg.Testing.Faults, "TESTS ONLY: fault table in the transport and /v1/test/ routes")
	fs.BoolVar(&cfg.Testing.UnsafeStrongReads, "test-unsafe-strong-reads", cfg.Testing.UnsafeStrongReads, "TESTS ONLY: deliberately broken Strong reads (no read index)")
	_ = fs.MarkHidden("test-faults")
	_ = fs.MarkHidden("test-unsafe-strong-reads")
}

func bindStorageFlags(fs *pflag.FlagSet, cfg *server.Config) {
	st, lc := &cfg.Storage, &cfg.Lifecycle
	fs.StringVar(&st.Kind, "storage", st.Kind, "object storage for flushed segments: local (a directory) or minio (MinIO/S3; use it for clusters)")
	fs.StringVar(&st.LocalDir, "storage-dir", st.LocalDir, "directory of the local object storage (default DATA_DIR/objects)")
	fs.StringVar(&st.Endpoint, "minio-endpoint", st.Endpoint, "MinIO/S3 endpoint HOST:PORT")
	fs.StringVar(&st.Access, "minio-access-key", st.Access, "MinIO/S3 access key")
	fs.StringVar(&st.Secret, "minio-secret-key", st.Secret, "MinIO/S3 secret key")
	fs.StringVar(&st.Bucket, "minio-bucket", st.Bucket, "bucket (created if missing)")
	fs.StringVar(&st.Root, "minio-root", st.Root, "key prefix inside the bucket")
	fs.BoolVar(&st.Secure, "minio-secure", st.Secure, "use TLS to reach MinIO/S3")
	fs.StringVar(&st.BackupRoot, "backup-root", st.BackupRoot,
		"where backups live: MinIO: a key prefix of the bucket beside --minio-root (clusters on one bucket share it); local: a directory under the objects directory (default backups)")
	fs.Var(sizeFlag(&lc.ChunkSize), "chunk-size", "unflushed bytes that make a chunk (one object per field), e.g. 16MiB")
	fs.Var(sizeFlag(&lc.SealSize), "segment-seal-size", "size at which a growing segment is sealed, e.g. 122MiB")
	fs.DurationVar(&lc.SealIdle, "segment-seal-idle", lc.SealIdle, "seal a growing segment after this long without writes")
	fs.DurationVar(&lc.HibernateAfter, "shard-hibernate-after", lc.HibernateAfter,
		"close a shard group on every replica after this long without writes or reads, once its lifecycle is idle; the next request opens it (0: never)")
	fs.Var(sizeFlag(&lc.MaxBacklog), "max-unflushed-bytes", "refuse inserts (code 8) while more unflushed bytes wait for object storage, e.g. 1GiB")
	fs.Var(sizeFlag(&lc.MaxSegmentSize), "segment-max-size", "size up to which small flushed segments are merged, e.g. 1GiB")
	fs.Float64Var(&lc.CompactionRatio, "compaction-deleted-ratio", lc.CompactionRatio, "share of deleted rows at which a segment is rewritten without them")
	fs.DurationVar(&lc.GCTolerance, "gc-tolerance", lc.GCTolerance, "age an unreferenced object must reach before it is deleted")
	fs.DurationVar(&lc.GCInterval, "gc-interval", lc.GCInterval, "how often shard leaders look for unreferenced objects")
}

// loadConfig applies, in increasing precedence: the config file, RAFTVEC_*
// environment variables, command-line flags.
func loadConfig(fs *pflag.FlagSet, cfg *server.Config, file string) error {
	given, err := applyEnv(fs)
	if err != nil {
		return err
	}
	if file == "" {
		file = os.Getenv("RAFTVEC_CONFIG")
	}
	if file != "" {
		if err := cfg.LoadFile(file); err != nil {
			return err
		}
		if err := reapply(fs, given); err != nil {
			return err
		}
	}
	return cfg.Validate()
}

func runServer(cfg server.Config) error {
	cfg.Version = version
	filter := &logFilter{}
	logger := hclog.New(&hclog.LoggerOptions{Name: "raftvec", Level: hclog.LevelFromString(cfg.LogLevel), Exclude: filter.exclude})
	srv, err := server.Start(cfg, logger)
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		logger.Info("shutting down", "signal", s.String())
	case err := <-srv.Err():
		if err != nil {
			logger.Error("serving failed", "error", err)
		}
	}
	filter.stopping.Store(true)
	if err := srv.Stop(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if n := filter.dropped.Load(); n > 0 {
		logger.Info("stopped; meanwhile Raft RPCs to peers that were stopping too failed, or leaderships were handed off (not logged as errors)", "lines", n)
	}
	return nil
}
