package jepsen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ClusterConfig describes the processes of one run.
type ClusterConfig struct {
	Bin      string // the raftvec binary
	MinIOBin string // the minio binary
	Dir      string // data dirs, logs
	Nodes    int    // data nodes (every role): they bootstrap the cluster
	// QueryNodes are started after the data nodes with --roles query: they
	// hold query replicas (non-voters) that serve reads first.
	QueryNodes int
	// UnsafeStrongReads starts the nodes with the deliberately broken
	// Strong reads, to prove the checkers fail.
	UnsafeStrongReads bool
	// Ports are taken from [PortLo, PortHi).
	PortLo, PortHi int
}

// Node is one raftvec process.
type Node struct {
	ID, HTTP, Raft, DataDir string
	Query                   bool // a query-only node (--roles query)

	cmd     *exec.Cmd
	exited  chan struct{}
	logFile *os.File
	paused  bool
}

// Cluster owns the raftvec and MinIO processes of one run; Close stops
// them all.
type Cluster struct {
	cfg   ClusterConfig
	Nodes []*Node
	MinIO *MinIO
	join  string
	ports *portPicker
}

// StartCluster starts MinIO and cfg.Nodes raftvec nodes that bootstrap one
// cluster, and waits until every node is ready.
func StartCluster(ctx context.Context, cfg ClusterConfig) (*Cluster, error) {
	c := &Cluster{cfg: cfg, ports: &portPicker{lo: cfg.PortLo, hi: cfg.PortHi}}
	m, err := StartMinIO(ctx, cfg.MinIOBin, filepath.Join(cfg.Dir, "minio"), c.ports)
	if err != nil {
		return nil, err
	}
	c.MinIO = m
	var join []string
	for i := 1; i <= cfg.Nodes+cfg.QueryNodes; i++ {
		n := &Node{ID: fmt.Sprintf("n%d", i), HTTP: c.ports.addr(), Raft: c.ports.addr(), Query: i > cfg.Nodes}
		if n.Query {
			n.ID = fmt.Sprintf("q%d", i-cfg.Nodes)
		}
		n.DataDir = filepath.Join(cfg.Dir, n.ID)
		c.Nodes = append(c.Nodes, n)
		join = append(join, n.Raft)
	}
	c.join = strings.Join(join, ",")
	for _, n := range c.Nodes {
		if err := c.start(n); err != nil {
			c.Close()
			return nil, err
		}
	}
	for _, n := range c.Nodes {
		if err := c.WaitReady(ctx, n, 90*time.Second); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *Cluster) args(n *Node) []string {
	a := []string{"serve", "--node-id", n.ID, "--data-dir", n.DataDir, "--http-addr", n.HTTP, "--raft-addr", n.Raft,
		"--join", c.join, "--bootstrap-expect", fmt.Sprint(c.cfg.Nodes), "--log-level", "info",
		"--raft-heartbeat-timeout", "500ms", "--raft-election-timeout", "500ms",
		"--raft-trailing-logs", "64", "--raft-snapshot-threshold", "256", "--raft-snapshot-interval", "5s",
		"--node-down-timeout", "30s", "--staleness-bound", "1s",
		"--storage", "minio", "--minio-endpoint", c.MinIO.Addr, "--minio-access-key", minioUser,
		"--minio-secret-key", minioPassword, "--minio-bucket", minioBucket, "--minio-root", minioRoot,
		"--chunk-size", "4096", "--segment-seal-size", "65536", "--segment-seal-idle", "10s",
		"--shard-hibernate-after", "5s", // idle churn collections sleep and wake under the faults
		"--admin-api", // the membership fault calls /v1/cluster/nodes/remove
		"--test-faults"}
	if c.cfg.UnsafeStrongReads {
		a = append(a, "--test-unsafe-strong-reads")
	}
	if n.Query {
		a = append(a, "--roles", "query")
	}
	return a
}

// start launches n's process, appending to its log.
func (c *Cluster) start(n *Node) error {
	if err := os.MkdirAll(c.cfg.Dir, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(c.cfg.Dir, n.ID+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.cfg.Bin, c.args(n)...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("jepsen: start %s: %w", n.ID, err)
	}
	n.cmd, n.logFile, n.paused, n.exited = cmd, f, false, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(n.exited)
	return nil
}

// WaitReady polls n's /readyz.
func (c *Cluster) WaitReady(ctx context.Context, n *Node, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-n.exited:
			return fmt.Errorf("jepsen: %s exited during start-up (log %s)", n.ID, n.logFile.Name())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := http.Get("http://" + n.HTTP + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("jepsen: %s not ready after %s (log %s)", n.ID, timeout, n.logFile.Name())
}

// Alive reports whether n's process runs.
func (n *Node) Alive() bool {
	select {
	case <-n.exited:
		return false
	default:
		return n.cmd != nil
	}
}

// Kill sends SIGKILL to n and waits for it to exit.
func (c *Cluster) Kill(n *Node) {
	if !n.Alive() {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
	n.logFile.Close()
}

// Restart starts killed nodes again (same IDs, addresses and data): all
// of them first, then it waits for each, since after a whole-cluster
// outage none is ready before a quorum runs.
func (c *Cluster) Restart(ctx context.Context, nodes ...*Node) error {
	for _, n := range nodes {
		c.Kill(n)
		if err := c.start(n); err != nil {
			return err
		}
	}
	for _, n := range nodes {
		if err := c.WaitReady(ctx, n, 90*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// Pause sends SIGSTOP (pause) or SIGCONT (resume) to n.
func (c *Cluster) Pause(n *Node, pause bool) error {
	if !n.Alive() {
		return nil
	}
	sig := syscall.SIGCONT
	if pause {
		sig = syscall.SIGSTOP
	}
	n.paused = pause
	return n.cmd.Process.Signal(sig)
}

// Close stops every process (resuming paused ones first).
func (c *Cluster) Close() {
	for _, n := range c.Nodes {
		if n.paused {
			_ = c.Pause(n, false)
		}
		c.Kill(n)
	}
	if c.MinIO != nil {
		c.MinIO.Stop()
	}
}

// portPicker hands out free loopback ports from a range.
type portPicker struct {
	lo, hi int
	next   int
}

func (p *portPicker) addr() string {
	if p.next < p.lo {
		p.next = p.lo + int(time.Now().UnixNano()%int64(max(1, (p.hi-p.lo)/2)))
	}
	for range p.hi - p.lo {
		port := p.next
		p.next++
		if p.next >= p.hi {
			p.next = p.lo
		}
		a := fmt.Sprintf("127.0.0.1:%d", port)
		if ln, err := net.Listen("tcp", a); err == nil {
			ln.Close()
			return a
		}
	}
	panic(errors.New("jepsen: no free loopback port"))
}
