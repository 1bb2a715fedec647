package server

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  string // part of the error; "" when it parses
	}{
		{"1024", 1024, ""},
		{"0", 0, ""},
		{"16MiB", 16 << 20, ""},
		{"256KiB", 256 << 10, ""},
		{"8 GiB", 8 << 30, ""},
		{"2TiB", 2 << 40, ""},
		{"1.5GiB", 3 << 29, ""},
		{"0.5KiB", 512, ""},
		{"2GB", 2e9, ""},
		{"300MB", 300e6, ""},
		{"500KB", 500e3, ""},
		{"1TB", 1e12, ""},
		{"10B", 10, ""},
		{"16mib", 16 << 20, ""},
		{" 4 MB ", 4e6, ""},
		{"-1", -1, ""},
		{"-2", 0, "not a size"},
		{"-1MiB", 0, "not a size"},
		{"lots", 0, "not a size"},
		{"MiB", 0, "not a size"},
		{"", 0, "not a size"},
		{"16XB", 0, "not a size"},
		{"1e3", 0, "not a size"},
		{"inf", 0, "not a size"},
		{"0x10", 0, "not a size"},
		{"1.5B", 0, "whole number"},
		{"0.1KiB", 0, "whole number"},
		{"9223372036854775807", 1<<63 - 1, ""},
		{"9223372036854775808", 0, "too large"},
		{"8388608TiB", 0, "too large"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			switch {
			case tc.bad == "" && (err != nil || got != tc.want):
				t.Fatalf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
				t.Fatalf("ParseSize(%q) = %d, %v; want an error saying %q", tc.in, got, err, tc.bad)
			}
		})
	}
}

// TestLoadFileSizes reads sizes with units from a YAML configuration.
func TestLoadFileSizes(t *testing.T) {
	cfg := Default()
	file := writeFile(t, "max_body_bytes: 1MiB\nmemory_limit: -1\ndebug_addr: 127.0.0.1:6060\n"+
		"lifecycle:\n  chunk_size: 256KiB\n  segment_seal_size: \"64 MB\"\n  max_unflushed_bytes: 2GiB\n  segment_max_size: 4096\n"+
		"  gc_interval: 5s\n")
	if err := cfg.LoadFile(file); err != nil {
		t.Fatal(err)
	}
	lc := cfg.Lifecycle
	for name, gw := range map[string][2]int64{
		"max_body_bytes":      {cfg.MaxBodyBytes, 1 << 20},
		"memory_limit":        {cfg.MemoryLimit, -1},
		"chunk_size":          {lc.ChunkSize, 256 << 10},
		"segment_seal_size":   {lc.SealSize, 64e6},
		"max_unflushed_bytes": {lc.MaxBacklog, 2 << 30},
		"segment_max_size":    {lc.MaxSegmentSize, 4096},
		"gc_interval (s)":     {int64(lc.GCInterval.Seconds()), 5},
	} {
		if gw[0] != gw[1] {
			t.Errorf("%s = %d, want %d", name, gw[0], gw[1])
		}
	}
	if cfg.DebugAddr != "127.0.0.1:6060" {
		t.Errorf("debug_addr = %q", cfg.DebugAddr)
	}
	bad := Default()
	err := bad.LoadFile(writeFile(t, "lifecycle:\n  chunk_size: lots\n"))
	if err == nil || !strings.Contains(err.Error(), "lifecycle.chunk_size (line 2)") {
		t.Fatalf("a bad size: %v, want an error naming lifecycle.chunk_size at line 2", err)
	}
	empty := Default()
	if err := empty.LoadFile(writeFile(t, "")); err != nil || empty.MaxBodyBytes != Default().MaxBodyBytes {
		t.Fatalf("an empty file: %v", err)
	}
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raftvec.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestClusterNeedsSharedStorage: a cluster node with node-local object
// storage is refused, naming the flags to set, unless the tests' opt-out
// is given.
func TestClusterNeedsSharedStorage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		join    []string
		storage string
		allow   bool
		ok      bool
	}{
		{"standalone, local storage", nil, "local", false, true},
		{"cluster, local storage", []string{"127.0.0.1:1"}, "local", false, false},
		{"cluster, local storage, opted out", []string{"127.0.0.1:1"}, "local", true, true},
		{"cluster, MinIO", []string{"127.0.0.1:1"}, "minio", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			cfg.Cluster.Join, cfg.Cluster.AllowLocalStorage = tc.join, tc.allow
			cfg.Storage.Kind, cfg.Storage.Endpoint = tc.storage, "127.0.0.1:9000"
			err := cfg.Validate()
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, want := range []string{"--storage minio", "--minio-endpoint", "--allow-local-storage"} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v does not name %s", err, want)
				}
			}
		})
	}
}

// TestDebugAddrServesPprof: --debug-addr serves the profiler on its own
// port for as long as the node runs, and nothing once it stopped; without
// it there is no such port.
func TestDebugAddrServesPprof(t *testing.T) {
	if s := startTest(t, filepath.Join(t.TempDir(), "data")); s.DebugAddr() != "" {
		t.Fatalf("debug address %q without --debug-addr", s.DebugAddr())
	}
	cfg := testConfig(filepath.Join(t.TempDir(), "data"))
	cfg.DebugAddr = "127.0.0.1:0"
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	addr := s.DebugAddr()
	for path, want := range map[string]string{
		"/debug/pprof/":                  "goroutine",
		"/debug/pprof/goroutine?debug=1": "goroutine profile",
		"/debug/pprof/cmdline":           "",
	} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("%s: HTTP %d, body %.200q, want %q", path, resp.StatusCode, body, want)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatalf("the debug port %s still accepts connections after Stop", addr)
	}
}
