package server

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strconv"
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
	// DebugAddr, when set, serves the Go profiler (net/http/pprof,
	// /debug/pprof/) on this HOST:PORT, apart from the API port and
	// without authentication: keep it on loopback. Empty: off.
	DebugAddr string `yaml:"debug_addr"`
	// AuthEnabled turns on bearer-token checks and users, roles and
	// privileges (api/access.go); Users maps user → password: "root" is
	// the superuser who creates the stored users and roles, the others
	// (and the API keys) keep their pre-RBAC access to collections and data.
	AuthEnabled bool              `yaml:"auth_enabled"`
	Users       map[string]string `yaml:"users"`
	APIKeys     []string          `yaml:"api_keys"`
	// AdminAPI serves the routes that change the cluster's membership
	// (/v1/cluster/nodes/add and /remove), and with AuthEnabled every /v1/
	// route, to every caller that passes authentication. Off by default:
	// then only callers holding the admin role (root does) may call them,
	// and only with AuthEnabled.
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
	// BackupRoot is where backups live: on MinIO a key prefix of the
	// bucket, beside (not under) Root, so clusters sharing the bucket
	// share their backups; on local storage a directory under the
	// objects directory. Default "backups".
	BackupRoot string `yaml:"backup_root"`
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
	// AllowLocalStorage lets a cluster node run with node-local object
	// storage, which the other replicas cannot read: its shards then
	// never flush, seal into object storage, build indexes, merge or
	// compact (every search is an exact scan). For tests of the Raft
	// paths only; Validate refuses such a node without it.
	AllowLocalStorage bool `yaml:"allow_local_storage"`
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

// LoadFile merges a YAML configuration file into c. Sizes may be written
// with units, as on the command line ("chunk_size: 16MiB"; see ParseSize).
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	if err := resolveSizes(&doc, ""); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file
	}
	if err := doc.Decode(c); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	return nil
}

// sizeKeys are the YAML keys (dotted paths) whose values are byte sizes.
var sizeKeys = map[string]bool{
	"max_body_bytes": true, "memory_limit": true,
	"lifecycle.chunk_size": true, "lifecycle.segment_seal_size": true,
	"lifecycle.max_unflushed_bytes": true, "lifecycle.segment_max_size": true,
}

// resolveSizes rewrites the string values of sizeKeys in a YAML tree as
// integers ("16MiB" → 16777216).
func resolveSizes(n *yaml.Node, path string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := resolveSizes(c, path); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if path != "" {
				key = path + "." + key
			}
			if err := resolveSize(n.Content[i+1], key); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolveSize rewrites one value of a mapping, or descends into it.
func resolveSize(v *yaml.Node, key string) error {
	if v.Kind != yaml.ScalarNode {
		return resolveSizes(v, key)
	}
	if !sizeKeys[key] || v.Tag != "!!str" {
		return nil
	}
	size, err := ParseSize(v.Value)
	if err != nil {
		return fmt.Errorf("%s (line %d): %w", key, v.Line, err)
	}
	v.Value, v.Tag, v.Style = strconv.FormatInt(size, 10), "!!int", 0
	return nil
}

// sizeUnits are the units ParseSize accepts, longest first.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// sizeNumber is the number part of a size: digits, optionally a fraction.
var sizeNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// ParseSize reads a byte count written as the README writes sizes: a plain
// number of bytes, or a number with a unit, KiB, MiB, GiB, TiB (powers of
// 1024) or KB, MB, GB, TB (powers of 1000), case-insensitive, with or
// without a space: "16MiB", "256 KiB", "1.5GB", "4096". "-1" is returned
// as is (it means "no limit" where a setting allows it). The result must be
// a whole number of bytes that fits an int64.
func ParseSize(s string) (int64, error) {
	in := strings.TrimSpace(s)
	if in == "-1" {
		return -1, nil
	}
	num, mult := in, int64(1)
	for _, u := range sizeUnits {
		if len(in) > len(u.suffix) && strings.EqualFold(in[len(in)-len(u.suffix):], u.suffix) {
			num, mult = strings.TrimSpace(in[:len(in)-len(u.suffix)]), u.mult
			break
		}
	}
	if !sizeNumber.MatchString(num) {
		return 0, fmt.Errorf("not a size: %q (write bytes or a number with a unit: 4096, 256KiB, 16MiB, 8GiB, 1.5GB)", s)
	}
	r, _ := new(big.Rat).SetString(num) // sizeNumber matched: a valid decimal
	r.Mul(r, new(big.Rat).SetInt64(mult))
	switch {
	case !r.IsInt():
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	case !r.Num().IsInt64():
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return r.Num().Int64(), nil
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
		return errors.New("config: --max-body-bytes must be positive")
	case c.MemoryLimit < -1:
		return errors.New("config: --memory-limit must be a size, 0 (the default) or -1 (no limit)")
	case c.Lifecycle.MaxBacklog < 0 || c.Lifecycle.MaxSegmentSize < 0:
		return errors.New("config: --max-unflushed-bytes and --segment-max-size must not be negative")
	case c.Raft.HeartbeatTimeout <= 0 || c.Raft.ElectionTimeout <= 0:
		return errors.New("config: raft timeouts must be positive")
	case c.Storage.Kind != "local" && c.Storage.Kind != "minio":
		return fmt.Errorf("config: storage must be local or minio, got %q", c.Storage.Kind)
	case c.Storage.Kind == "minio" && (c.Storage.Endpoint == "" || c.Storage.Bucket == ""):
		return errors.New("config: --storage minio needs --minio-endpoint and --minio-bucket")
	case c.Lifecycle.ChunkSize <= 0 || c.Lifecycle.SealSize < c.Lifecycle.ChunkSize:
		return errors.New("config: --chunk-size must be positive and at most --segment-seal-size")
	case !c.Standalone() && c.Storage.Kind == "local" && !c.Cluster.AllowLocalStorage:
		return errors.New("config: a cluster node (--join) needs object storage shared by every node: set --storage minio " +
			"with --minio-endpoint, --minio-access-key and --minio-secret-key (make cluster starts a MinIO for you); " +
			"with node-local storage no segment would be flushed, indexed, merged or compacted " +
			"(--allow-local-storage starts the node that way anyway, for tests)")
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
