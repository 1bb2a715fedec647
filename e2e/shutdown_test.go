//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// writeSome creates a collection on p and inserts, deletes and searches a
// few rows, so that a shard group has work and open connections.
func writeSome(t *testing.T, p *proc) {
	t.Helper()
	p.ok("collections/create", map[string]any{"collectionName": "c", "dimension": 4})
	rows := make([]map[string]any, 0, 50)
	for i := range 50 {
		rows = append(rows, map[string]any{"id": i, "vector": vec(i, 4)})
	}
	p.ok("entities/insert", map[string]any{"collectionName": "c", "data": rows})
	p.ok("entities/delete", map[string]any{"collectionName": "c", "filter": "id < 5"})
	p.ok("entities/search", map[string]any{"collectionName": "c", "data": [][]float32{vec(7, 4)}, "limit": 3, "consistencyLevel": "Strong"})
}

// errorLines returns the [ERROR] lines of a log from the first line
// containing from on ("" for the whole log).
func errorLines(t *testing.T, path, from string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	seen := from == ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		seen = seen || strings.Contains(line, from)
		if seen && strings.Contains(line, "[ERROR]") {
			out = append(out, line)
		}
	}
	if !seen {
		t.Fatalf("%s has no line %q", path, from)
	}
	return out
}

// TestCleanShutdownLogsNoErrors: SIGTERM stops a standalone node that has
// served writes with exit status 0 and no ERROR line in its log (hashicorp
// raft used to log "failed to accept connection: use of closed network
// connection" for every group).
func TestCleanShutdownLogsNoErrors(t *testing.T) {
	p := startStandalone(t, filepath.Join(t.TempDir(), "data"), "--chunk-size", "4KiB", "--segment-seal-size", "16KiB")
	writeSome(t, p)
	if err := p.stop(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	if lines := errorLines(t, p.log.Name(), ""); len(lines) > 0 {
		t.Fatalf("a clean shutdown logged errors:\n%s", strings.Join(lines, "\n"))
	}
}

// TestClusterCleanShutdownLogsNoErrors: SIGTERM to every node of a
// 3-node cluster at once; each exits with status 0 and logs no ERROR line
// from its "shutting down" on (its peers stopping at the same time are no
// error).
func TestClusterCleanShutdownLogsNoErrors(t *testing.T) {
	procs := startCluster(t, 3)
	writeSome(t, procs[0])
	for _, p := range procs {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("node %d exit: %v", i+1, err)
		}
	}
	for i, p := range procs {
		if lines := errorLines(t, p.log.Name(), "shutting down"); len(lines) > 0 {
			t.Errorf("node %d logged errors while shutting down:\n%s", i+1, strings.Join(lines, "\n"))
		}
	}
}

// TestClusterWithoutSharedStorageRefused: a cluster node with node-local
// object storage does not start; its error names the flags to set.
func TestClusterWithoutSharedStorageRefused(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command(binary(t), "serve", "--node-id", "n1", "--data-dir", filepath.Join(dir, "n1"),
		"--http-addr", freeAddr(t), "--raft-addr", freeAddr(t), "--join", "127.0.0.1:1", "--bootstrap-expect", "3").CombinedOutput()
	if err == nil {
		t.Fatalf("the node started:\n%s", out)
	}
	for _, want := range []string{"--storage minio", "--minio-endpoint", "--allow-local-storage"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the refusal does not name %s:\n%s", want, out)
		}
	}
}

// countingBody is a stream of JSON whitespace that counts what the server
// took.
type countingBody struct {
	left int64
	sent atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), b.left))
	for i := range p[:n] {
		p[i] = ' '
	}
	b.left -= int64(n)
	b.sent.Add(int64(n))
	return n, nil
}

// TestChunkedBodyPastLimitRefused streams a 256 MiB chunked body (no
// Content-Length) at a node started with --max-body-bytes 1MiB: it is
// refused with the body-too-large error, and the node stops reading it
// (the client never gets to send it all). Also checks --debug-addr.
func TestChunkedBodyPastLimitRefused(t *testing.T) {
	debug := freeAddr(t)
	p := startStandalone(t, filepath.Join(t.TempDir(), "data"), "--max-body-bytes", "1MiB", "--debug-addr", debug)
	p.ok("collections/create", map[string]any{"collectionName": "c", "dimension": 4})
	const streamed = 256 << 20
	body := &countingBody{left: streamed}
	req, err := http.NewRequest(http.MethodPost, "http://"+p.http+"/v2/vectordb/entities/insert", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no reply after %d bytes: %v", body.sent.Load(), err)
	}
	var env envelope
	err = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if err != nil || env.Code != 1100 || !strings.Contains(env.Message, "request body too large: the limit is 1048576 bytes") {
		t.Fatalf("reply %+v, %v; want code 1100, request body too large", env, err)
	}
	if n := body.sent.Load(); n >= streamed {
		t.Fatalf("the node read the whole %d-byte body", n)
	}

	resp, err = http.Get("http://" + debug + "/debug/pprof/")
	if err != nil {
		t.Fatalf("--debug-addr: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("--debug-addr /debug/pprof/: HTTP %d", resp.StatusCode)
	}
}
