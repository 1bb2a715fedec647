package gosdk

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// node is a standalone raftvec process.
type node struct {
	addr string
	cmd  *exec.Cmd
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs `raftvec standalone` with extra flags and waits for /readyz.
func start(t testing.TB, extra ...string) *node {
	t.Helper()
	bin := os.Getenv("RAFTVEC_BIN")
	if bin == "" {
		t.Fatal("RAFTVEC_BIN is not set: run with `make test-e2e`")
	}
	dir := t.TempDir()
	n := &node{addr: freePort(t)}
	args := append([]string{"standalone", "--data-dir", filepath.Join(dir, "data"), "--http-addr", n.addr,
		"--raft-addr", freePort(t)}, extra...)
	logf, err := os.Create(filepath.Join(dir, "raftvec.log"))
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("raftvec log:\n%s", b)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + n.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return n
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("raftvec on %s not ready after 60 s", n.addr)
	return nil
}

// client connects the Go SDK to n.
func (n *node) client(t *testing.T, cfg milvusclient.ClientConfig) *milvusclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg.Address = n.addr
	c, err := milvusclient.New(ctx, &cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func must(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// benchNode is the node a benchmark runs against (RAFTVEC_ADDR=host:port:
// a running one, e.g. to profile it through /debug/pprof; else a new
// standalone node) and a Go SDK client of it.
func benchNode(b *testing.B) (*node, *milvusclient.Client) {
	b.Helper()
	n := &node{addr: os.Getenv("RAFTVEC_ADDR")}
	if n.addr == "" {
		n = start(b)
	}
	ctx := context.Background()
	c, err := milvusclient.New(ctx, &milvusclient.ClientConfig{Address: n.addr})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close(ctx) })
	return n, c
}
