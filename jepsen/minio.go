package jepsen

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

const (
	minioUser     = "raftvec-jepsen"
	minioPassword = "raftvec-jepsen-secret"
	// minioBucket and minioRoot are where the nodes keep their objects.
	minioBucket = "raftvec"
	minioRoot   = "jepsen"
)

// MinIO is the object storage process of a run, on loopback.
type MinIO struct {
	Addr string
	bin  string
	dir  string
	cons string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartMinIO starts bin serving dir on a free loopback port.
func StartMinIO(ctx context.Context, bin, dir string, ports *portPicker) (*MinIO, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("jepsen: minio binary: %w (run scripts/minio.sh install)", err)
	}
	m := &MinIO{bin: bin, dir: dir, Addr: ports.addr(), cons: ports.addr()}
	return m, m.Start(ctx)
}

// Start (re)starts the process and waits until it is live.
func (m *MinIO) Start(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Join(m.dir, "data"), 0o755); err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(m.dir, "minio.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(m.bin, "server", filepath.Join(m.dir, "data"), "--address", m.Addr, "--console-address", m.cons)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+minioUser, "MINIO_ROOT_PASSWORD="+minioPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("jepsen: start minio: %w", err)
	}
	m.cmd, m.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(m.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if resp, err := http.Get("http://" + m.Addr + "/minio/health/live"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-m.done:
			return fmt.Errorf("jepsen: minio exited during start-up (log %s)", filepath.Join(m.dir, "minio.log"))
		case <-time.After(100 * time.Millisecond):
		}
	}
	m.Stop()
	return fmt.Errorf("jepsen: minio not live on %s", m.Addr)
}

// Stop kills the process (data stays for a later Start).
func (m *MinIO) Stop() {
	if m.cmd == nil {
		return
	}
	select {
	case <-m.done:
	default:
		_ = m.cmd.Process.Signal(syscall.SIGKILL)
		<-m.done
	}
}

// ensure starts the process if it is not running.
func (m *MinIO) ensure(ctx context.Context) error {
	select {
	case <-m.done:
		return m.Start(ctx)
	default:
		return nil
	}
}
