//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/raftvec/raftvec/internal/testutil"
)

// proc is one raftvec process under test.
type proc struct {
	t       *testing.T
	cmd     *exec.Cmd
	dataDir string
	http    string
	raft    string
	log     *os.File
}

// freeAddr returns a free loopback address from this package's port range
// (the server package's tests use 20000-25999).
func freeAddr(t *testing.T) string { return testutil.FreeAddr(t, 26000, 32000) }

func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("RAFTVEC_BIN")
	if bin == "" {
		t.Fatal("RAFTVEC_BIN is not set: run these tests with `make test-e2e`")
	}
	return bin
}

// startStandalone starts a standalone node on dataDir (with extra flags)
// and waits for /readyz.
func startStandalone(t *testing.T, dataDir string, extra ...string) *proc {
	t.Helper()
	p := &proc{t: t, dataDir: dataDir, http: freeAddr(t), raft: freeAddr(t)}
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(dataDir), "raftvec.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p.log = logf
	args := append([]string{"standalone", "--data-dir", dataDir, "--http-addr", p.http, "--raft-addr", p.raft,
		"--raft-heartbeat-timeout", "300ms", "--raft-election-timeout", "300ms"}, extra...)
	p.cmd = exec.Command(binary(t), args...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill(); logf.Close() })
	p.waitReady()
	return p
}

// waitReady waits for /readyz, failing the test with the node's log.
func (p *proc) waitReady() {
	t := p.t
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(p.log.Name())
	t.Fatalf("raftvec did not become ready; log:\n%s", b)
}

// kill sends SIGKILL and reaps the process.
func (p *proc) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	return p.cmd.Wait()
}

type envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	Topks   []int           `json:"topks"`
}

// call posts a Milvus REST v2 request and returns the envelope.
func (p *proc) call(path string, body any) envelope {
	p.t.Helper()
	raw := p.callRaw(path, body)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		p.t.Fatalf("%s: body %s", path, raw)
	}
	return env
}

// callRaw posts a Milvus REST v2 request and returns the reply's body.
func (p *proc) callRaw(path string, body any) []byte {
	p.t.Helper()
	_, raw := p.send(http.MethodPost, "/v2/vectordb/"+path, "", body)
	return raw
}

// client is the tests' HTTP client. Its timeout is far above any request
// here, so a request that hits it is one the node never answered.
var client = &http.Client{Timeout: 3 * time.Minute}

// send makes one request to the node (a GET when body is nil, else a
// JSON POST; with cred as Bearer credentials when not empty) and returns
// the HTTP status and the body. A request that gets no reply fails the
// test with the tail of the node's log.
func (p *proc) send(method, path, cred string, body any) (int, []byte) {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			p.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+p.http+path, r)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Type-Allow-Int64", "true")
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := client.Do(req)
	if err != nil {
		log, _ := os.ReadFile(p.log.Name())
		p.t.Fatalf("%s %s: %v\nnode log (tail):\n%s", method, path, err, tail(log, 8000))
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// ok is call that fails the test on a non-zero code.
func (p *proc) ok(path string, body any) envelope {
	p.t.Helper()
	env := p.call(path, body)
	if env.Code != 0 {
		p.t.Fatalf("%s: code %d: %s", path, env.Code, env.Message)
	}
	return env
}

func vec(i, dim int) []float32 {
	v := make([]float32, dim)
	for j := range v {
		v[j] = float32((i*31+j*7)%97) / 97
	}
	return v
}

func ids(from, to int) []int64 {
	out := make([]int64, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, int64(i))
	}
	return out
}

func fmtIDs(ids []int64) string {
	b, _ := json.Marshal(ids)
	return fmt.Sprintf("id in %s", b)
}
