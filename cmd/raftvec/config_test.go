package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/raftvec/raftvec/server"
)

// TestConfigPrecedence checks flags > environment > file > defaults.
func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "raftvec.yaml")
	err := os.WriteFile(file, []byte("data_dir: /from/file\nhttp_addr: 127.0.0.1:1111\nraft_addr: 127.0.0.1:2222\nraft:\n  election_timeout: 3s\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RAFTVEC_HTTP_ADDR", "127.0.0.1:3333")
	t.Setenv("RAFTVEC_RAFT_ADDR", "127.0.0.1:4444")
	cfg := server.Default()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	bindServerFlags(fs, &cfg)
	if err := fs.Parse([]string{"--raft-addr", "127.0.0.1:5555"}); err != nil {
		t.Fatal(err)
	}
	if err := loadConfig(fs, &cfg, file); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"data dir (file)":     {cfg.DataDir, "/from/file"},
		"http addr (env)":     {cfg.HTTPAddr, "127.0.0.1:3333"},
		"raft addr (flag)":    {cfg.RaftAddr, "127.0.0.1:5555"},
		"election (file)":     {cfg.Raft.ElectionTimeout.String(), (3 * time.Second).String()},
		"heartbeat (default)": {cfg.Raft.HeartbeatTimeout.String(), server.Default().Raft.HeartbeatTimeout.String()},
		"node id (default)":   {cfg.NodeID, "node-1"},
	}
	for name, gw := range want {
		if gw[0] != gw[1] {
			t.Errorf("%s: got %q, want %q", name, gw[0], gw[1])
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]func(t *testing.T) error{
		"bad env value": func(t *testing.T) error {
			t.Setenv("RAFTVEC_MAX_BODY_BYTES", "lots")
			cfg := server.Default()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			bindServerFlags(fs, &cfg)
			return loadConfig(fs, &cfg, "")
		},
		"missing file": func(t *testing.T) error {
			cfg := server.Default()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			bindServerFlags(fs, &cfg)
			return loadConfig(fs, &cfg, filepath.Join(t.TempDir(), "nope.yaml"))
		},
		"invalid value": func(t *testing.T) error {
			cfg := server.Default()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			bindServerFlags(fs, &cfg)
			if err := fs.Parse([]string{"--data-dir", ""}); err != nil {
				t.Fatal(err)
			}
			return loadConfig(fs, &cfg, "")
		},
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			if err := fn(t); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}
