package raft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	hraft "github.com/hashicorp/raft"
)

// testFSM appends every command to a slice; Apply returns the 1-based
// position of the command. Commands are idempotent (a repeated command is not
// appended again), so tests may retry proposals whose outcome was unknown.
type testFSM struct {
	mu       sync.Mutex
	cmds     []string
	restores int
}

func (f *testFSM) Apply(l *hraft.Log) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	cmd := string(l.Data)
	if i := slices.Index(f.cmds, cmd); i >= 0 {
		return i + 1
	}
	f.cmds = append(f.cmds, cmd)
	return len(f.cmds)
}

func (f *testFSM) Snapshot() (hraft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &testSnap{cmds: append([]string(nil), f.cmds...)}, nil
}

func (f *testFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var cmds []string
	if err := json.NewDecoder(rc).Decode(&cmds); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cmds = cmds
	f.restores++
	return nil
}

func (f *testFSM) snapshot() (cmds []string, restores int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cmds...), f.restores
}

type testSnap struct{ cmds []string }

func (s *testSnap) Persist(sink hraft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(s.cmds); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *testSnap) Release() {}

func testLogger(name string) hclog.Logger {
	if os.Getenv("RAFT_TEST_LOG") == "" {
		return hclog.NewNullLogger()
	}
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.Debug, Output: os.Stderr})
}

// newTestMux starts a mux on 127.0.0.1:0; it is closed at test cleanup.
func newTestMux(t *testing.T, opts ...MuxOption) *Mux {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := NewMux(ln, testLogger("mux"), opts...)
	errc := make(chan error, 1)
	go func() { errc <- m.Serve(context.Background()) }()
	t.Cleanup(func() {
		m.Close()
		if err := <-errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return m
}

// fastConfig returns a config with short timeouts for tests.
func fastConfig(id, group, dir string) Config {
	return Config{
		ID:                 id,
		Group:              group,
		Dir:                dir,
		Logger:             testLogger(group + "/" + id),
		HeartbeatTimeout:   300 * time.Millisecond,
		ElectionTimeout:    300 * time.Millisecond,
		LeaderLeaseTimeout: 250 * time.Millisecond,
		CommitTimeout:      5 * time.Millisecond,
	}
}

type testNode struct {
	id   string
	dir  string
	mux  *Mux
	fsm  *testFSM
	node *Node
}

// openTestNode opens a node; it is closed at test cleanup (Close is idempotent).
func openTestNode(t *testing.T, cfg Config, m *Mux) *testNode {
	t.Helper()
	tn := openTestNodeNoCleanup(t, cfg, m)
	t.Cleanup(func() { tn.node.Close() })
	return tn
}

func openTestNodeNoCleanup(t *testing.T, cfg Config, m *Mux) *testNode {
	t.Helper()
	fsm := &testFSM{}
	n, err := Open(cfg, fsm, m)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.ID, err)
	}
	return &testNode{id: cfg.ID, dir: cfg.Dir, mux: m, fsm: fsm, node: n}
}

// newCluster bootstraps a group of size voters, one mux each (or the given
// muxes, to put several groups on the same ports).
func newCluster(t *testing.T, group string, muxes []*Mux, tweak func(*Config)) []*testNode {
	t.Helper()
	nodes := newClusterNoCleanup(t, group, muxes, tweak)
	for _, n := range nodes {
		t.Cleanup(func() { n.node.Close() })
	}
	return nodes
}

func newClusterNoCleanup(t *testing.T, group string, muxes []*Mux, tweak func(*Config)) []*testNode {
	t.Helper()
	var peers []hraft.Server
	for i, m := range muxes {
		peers = append(peers, hraft.Server{
			ID: hraft.ServerID(fmt.Sprintf("n%d", i)), Address: hraft.ServerAddress(m.Addr().String()),
		})
	}
	nodes := make([]*testNode, len(muxes))
	for i, m := range muxes {
		cfg := fastConfig(fmt.Sprintf("n%d", i), group, t.TempDir())
		cfg.Bootstrap, cfg.Peers = true, peers
		if tweak != nil {
			tweak(&cfg)
		}
		nodes[i] = openTestNodeNoCleanup(t, cfg, m)
	}
	return nodes
}

func newMuxes(t *testing.T, n int, opts ...MuxOption) []*Mux {
	muxes := make([]*Mux, n)
	for i := range muxes {
		muxes[i] = newTestMux(t, opts...)
	}
	return muxes
}

// waitLeader waits until exactly one open node in nodes is leader.
func waitLeader(t *testing.T, nodes []*testNode) *testNode {
	t.Helper()
	l, err := findLeader(nodes, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// findLeader is waitLeader without testing.T (usable off the test goroutine).
func findLeader(nodes []*testNode, timeout time.Duration) (*testNode, error) {
	deadline := time.Now().Add(timeout)
	for {
		var leader *testNode
		count := 0
		for _, n := range nodes {
			if n.node.IsLeader() {
				leader, count = n, count+1
			}
		}
		if count == 1 {
			return leader, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no single leader after %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFor polls cond (tests only; the package itself never polls).
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func propose(t *testing.T, n *testNode, cmd string) Result {
	t.Helper()
	res, err := n.node.Propose(ctxT(t, 5*time.Second), []byte(cmd))
	if err != nil {
		t.Fatalf("propose %q on %s: %v", cmd, n.id, err)
	}
	return res
}

// proposeOK proposes cmd on whichever node is leader, retrying across
// leader changes (safe: testFSM commands are idempotent).
func proposeOK(t *testing.T, nodes []*testNode, cmd string) Result {
	t.Helper()
	res, err := proposeRetry(t, nodes, cmd)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// proposeRetry is proposeOK without Fatal (usable off the test goroutine).
func proposeRetry(t *testing.T, nodes []*testNode, cmd string) (Result, error) {
	var res Result
	err := tryOnLeader(t, nodes, "propose "+cmd, func(l *testNode) (err error) {
		res, err = l.node.Propose(ctxT(t, 5*time.Second), []byte(cmd))
		return err
	})
	return res, err
}

// onLeader runs op on the current leader, retrying while it fails with
// ErrNotLeader or ErrUnknownOutcome (leader churn on a loaded test machine).
func onLeader(t *testing.T, nodes []*testNode, what string, op func(*testNode) error) {
	t.Helper()
	if err := tryOnLeader(t, nodes, what, op); err != nil {
		t.Fatal(err)
	}
}

func tryOnLeader(t *testing.T, nodes []*testNode, what string, op func(*testNode) error) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		l, err := findLeader(nodes, 10*time.Second)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		err = op(l)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrNotLeader) && !errors.Is(err, ErrUnknownOutcome) || time.Now().After(deadline) {
			return fmt.Errorf("%s on %s: %w", what, l.id, err)
		}
		t.Logf("%s on %s: %v (retrying)", what, l.id, err)
		time.Sleep(50 * time.Millisecond)
	}
}

func followers(nodes []*testNode, leader *testNode) []*testNode {
	var out []*testNode
	for _, n := range nodes {
		if n != leader {
			out = append(out, n)
		}
	}
	return out
}
