package server

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/raftvec/raftvec/coordinator"
)

// Config is every setting of a raftvec node. Default returns the defaults;
// the CLI maps flags, RAFTVEC_* environment variables and a YAML file onto
// it (flags > environment > file > defaults).
type Config struct {
	NodeID   string `yaml:"node_id"`
	DataDir  string `yaml:"data_dir"`
	HTTPAddr string `yaml:"http_addr"`
	RaftAddr string `yaml:"raft_addr"`
	LogLevel string `yaml:"log_level"`
	// Version is the build's version, reported by the gRPC API (GetVersion,
	// Connect); set by cmd, not configurable ("dev" when empty).
	Version string `yaml:"-"`

	// MemoryLimit bounds the memory a collection load may take this node to
	// (README "Node roles"): a load past it is refused. 0 means
	// DefaultMemoryFraction of the machine's (or cgroup's) memory; -1 none.
	MemoryLimit int64 `yaml:"memory_limit"`

	// DisableInterimIndex turns off the interim indexes of growing
	// segments (searches then scan growing rows exactly; README "Fresh
	// data"). They are built only on nodes with the query role.
	DisableInterimIndex bool `yaml:"disable_interim_index"`

	// MaxBodyBytes bounds an HTTP request body.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// AuthEnabled turns on bearer-token checks; Users maps user → password.
	AuthEnabled bool              `yaml:"auth_enabled"`
	Users       map[string]string `yaml:"users"`
	APIKeys     []string          `yaml:"api_keys"`
	// AdminAPI serves the routes that change the cluster's membership
	// (/v1/cluster/nodes/add and /remove) to every caller that passes
	// authentication. Off by default: then only the root user may call
	// them, and only with AuthEnabled.
	AdminAPI bool `yaml:"admin_api"`

	Raft      RaftConfig      `yaml:"raft"`
	Cluster   ClusterConfig   `yaml:"cluster"`
	Storage   StorageConfig   `yaml:"storage"`
	Lifecycle LifecycleConfig `yaml:"lifecycle"`
	Testing   TestingConfig   `yaml:"testing"`

	// restartWait overrides the package's restartWait (tests only).
	restartWait time.Duration
}

// TestingConfig holds switches for the Jepsen suite. Both are off by
// default and must stay off in production.
type TestingConfig struct {
	// Faults installs a fault table in the node's transport and serves
	// /v1/test/ (cut or degrade peer links, force snapshots, state hashes).
	Faults bool `yaml:"faults"`
	// UnsafeStrongReads deliberately breaks Strong reads (replicas answer
	// from local state without a read index), to prove the checkers fail.
	UnsafeStrongReads bool `yaml:"unsafe_strong_reads"`
}

// StorageConfig selects the object storage that holds flushed segments.
type StorageConfig struct {
	// Kind is "local" (a directory; the standalone default, no other
	// service needed) or "minio" (MinIO or any S3; what a cluster needs, so
	// every node reads the same objects).
	Kind     string `yaml:"kind"`
	LocalDir string `yaml:"local_dir"` // default {data_dir}/objects
	Endpoint string `yaml:"minio_endpoint"`
	Access   string `yaml:"minio_access_key"`
	Secret   string `yaml:"minio_secret_key"`
	Bucket   string `yaml:"minio_bucket"`
	Root     string `yaml:"minio_root"` // key prefix inside the bucket
	Secure   bool   `yaml:"minio_secure"`
}

// LifecycleConfig sizes the segment lifecycle (DESIGN.md §1).
type LifecycleConfig struct {
	ChunkSize int64         `yaml:"chunk_size"`
	SealSize  int64         `yaml:"segment_seal_size"`
	SealIdle  time.Duration `yaml:"segment_seal_idle"`
	// HibernateAfter: a shard group without writes or reads for this long,
	// whose lifecycle has nothing to do, is closed on every replica until
	// its next request (0: never).
	HibernateAfter time.Duration `yaml:"shard_hibernate_after"`
	MaxBacklog     int64         `yaml:"max_unflushed_bytes"`
	// MaxSegmentSize bounds merged segments; CompactionRatio of deleted
	// rows makes a segment be rewritten.
	MaxSegmentSize  int64   `yaml:"segment_max_size"`
	CompactionRatio float64 `yaml:"compaction_deleted_ratio"`
	// GCTolerance: unreferenced objects are deleted only once this old.
	GCTolerance time.Duration `yaml:"gc_tolerance"`
	GCInterval  time.Duration `yaml:"gc_interval"`
}

// ClusterConfig places a node in a multi-node cluster. With no Join
// addresses the node runs standalone (every group has this node as its one
// voter).
type ClusterConfig struct {
	// Join lists the Raft addresses of other nodes (may include this one).
	Join []string `yaml:"join"`
	// BootstrapExpect is how many nodes (reachable through Join) form a new
	// cluster; every one of them bootstraps the metadata group with the
	// same voter set.
	BootstrapExpect int `yaml:"bootstrap_expect"`
	// ReplicaNumber is the replicas per shard (capped by the live nodes).
	ReplicaNumber int `yaml:"replica_number"`
	// NodeDownTimeout is how long a node may be unreachable before its
	// replicas are re-created on other nodes.
	NodeDownTimeout time.Duration `yaml:"node_down_timeout"`
	// StalenessBound bounds how stale a Bounded read may be.
	StalenessBound time.Duration `yaml:"staleness_bound"`
	// Roles are the roles this node runs: "data" (voting shard replicas,
	// the write path, the metadata group), "query" (query replicas: loads
	// sealed data and serves reads), "index" (index builds, compactions).
	// Empty means all three, which a standalone node must run.
	Roles []string `yaml:"roles"`
}

// roles returns the node's roles, parsed (all when none are given).
func (c *Config) roles() []string {
	r, err := coordinator.ParseRoles(strings.Join(c.Cluster.Roles, ","))
	if err != nil {
		panic(fmt.Sprintf("server: roles passed Validate but do not parse: %v", err)) // Validate checks them
	}
	return r
}

// hasRole reports whether the node runs a role.
func (c *Config) hasRole(role string) bool { return slices.Contains(c.roles(), role) }

// Standalone reports whether the node runs without peers.
func (c *Config) Standalone() bool { return len(c.Cluster.Join) == 0 }

// RaftConfig tunes every Raft group of the node.
type RaftConfig struct {
	HeartbeatTimeout  time.Duration `yaml:"heartbeat_timeout"`
	ElectionTimeout   time.Duration `yaml:"election_timeout"`
	CommitTimeout     time.Duration `yaml:"commit_timeout"`
	SnapshotThreshold uint64        `yaml:"snapshot_threshold"`
	SnapshotInterval  time.Duration `yaml:"snapshot_interval"`
	TrailingLogs      uint64        `yaml:"trailing_logs"`
}

// Default returns the default configuration (standalone on loopback).
func Default() Config {
	return Config{
		NodeID:       "node-1",
		DataDir:      "./data",
		HTTPAddr:     "127.0.0.1:19530",
		RaftAddr:     "127.0.0.1:19531",
		LogLevel:     "info",
		MaxBodyBytes: 64 << 20,
		Raft: RaftConfig{
			HeartbeatTimeout:  time.Second,
			ElectionTimeout:   time.Second,
			CommitTimeout:     50 * time.Millisecond,
			SnapshotThreshold: 8192,
			SnapshotInterval:  2 * time.Minute,
			TrailingLogs:      10240,
		},
		Cluster: ClusterConfig{ReplicaNumber: 3, NodeDownTimeout: 60 * time.Second, StalenessBound: 5 * time.Second},
		Storage: StorageConfig{Kind: "local", Bucket: "raftvec", Root: "files"},
		Lifecycle: LifecycleConfig{ChunkSize: 16 << 20, SealSize: 122 << 20, SealIdle: 10 * time.Minute, HibernateAfter: time.Minute, MaxBacklog: 1 << 30,
			MaxSegmentSize: 1 << 30, CompactionRatio: 0.2, GCTolerance: time.Hour, GCInterval: time.Minute},
	}
}

// LoadFile merges a YAML configuration file into c.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := yaml.Unmarshal(b, c); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	return nil
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.NodeID == "":
		return errors.New("config: node id must not be empty")
	case c.DataDir == "":
		return errors.New("config: data dir must not be empty")
	case c.HTTPAddr == "" || c.RaftAddr == "":
		return errors.New("config: http and raft addresses must not be empty")
	case c.MaxBodyBytes <= 0:
		return errors.New("config: max body bytes must be positive")
	case c.Raft.HeartbeatTimeout <= 0 || c.Raft.ElectionTimeout <= 0:
		return errors.New("config: raft timeouts must be positive")
	case c.Storage.Kind != "local" && c.Storage.Kind != "minio":
		return fmt.Errorf("config: storage must be local or minio, got %q", c.Storage.Kind)
	case c.Storage.Kind == "minio" && (c.Storage.Endpoint == "" || c.Storage.Bucket == ""):
		return errors.New("config: --storage minio needs --minio-endpoint and --minio-bucket")
	case c.Lifecycle.ChunkSize <= 0 || c.Lifecycle.SealSize < c.Lifecycle.ChunkSize:
		return errors.New("config: chunk size must be positive and at most the segment seal size")
	}
	roles, err := coordinator.ParseRoles(strings.Join(c.Cluster.Roles, ","))
	if err != nil {
		return fmt.Errorf("config: --roles: %w", err)
	}
	if c.Standalone() && len(roles) != len(coordinator.AllRoles) {
		return fmt.Errorf("config: --roles %s: a standalone node runs every role (data,query,index); give other roles only to cluster nodes (--join)", strings.Join(roles, ","))
	}
	return nil
}
