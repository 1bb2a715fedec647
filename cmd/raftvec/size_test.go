package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/raftvec/raftvec/server"
)

// sizeFields maps every size flag to the config field it sets.
var sizeFields = map[string]func(*server.Config) int64{
	"max-body-bytes":      func(c *server.Config) int64 { return c.MaxBodyBytes },
	"memory-limit":        func(c *server.Config) int64 { return c.MemoryLimit },
	"chunk-size":          func(c *server.Config) int64 { return c.Lifecycle.ChunkSize },
	"segment-seal-size":   func(c *server.Config) int64 { return c.Lifecycle.SealSize },
	"max-unflushed-bytes": func(c *server.Config) int64 { return c.Lifecycle.MaxBacklog },
	"segment-max-size":    func(c *server.Config) int64 { return c.Lifecycle.MaxSegmentSize },
}

// TestSizeFlagsTakeUnits sets every size flag of both server commands, as
// a flag and as its RAFTVEC_* variable, with the units the README writes.
func TestSizeFlagsTakeUnits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"300000000", 300000000},
		{"256KiB", 256 << 10},
		{"16MiB", 16 << 20},
		{"200MiB", 200 << 20},
		{"2GiB", 2 << 30},
		{"1.5GiB", 3 << 29},
		{"500KB", 500e3},
		{"300MB", 300e6},
		{"2GB", 2e9},
		{"16 mib", 16 << 20},
	} {
		for _, cmd := range []string{"standalone", "serve"} {
			for flag, field := range sizeFields {
				for _, viaEnv := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%s/%s/env=%v", cmd, flag, tc.in, viaEnv), func(t *testing.T) {
						cfg, err := parseServerFlags(t, cmd, flag, tc.in, viaEnv)
						if err != nil {
							t.Fatal(err)
						}
						if got := field(&cfg); got != tc.want {
							t.Errorf("got %d, want %d", got, tc.want)
						}
					})
				}
			}
		}
	}
}

// TestSizeFlagErrorsNameTheFlag checks that a bad size is refused with an
// error that names the flag (or the variable and the flag).
func TestSizeFlagErrorsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		flag, in string
		viaEnv   bool
		want     []string
	}{
		{"chunk-size", "16XB", false, []string{"--chunk-size", "not a size"}},
		{"chunk-size", "lots", true, []string{"RAFTVEC_CHUNK_SIZE", "--chunk-size", "not a size"}},
		{"max-body-bytes", "-1", false, []string{"--max-body-bytes", "negative"}},
		{"segment-seal-size", "1.5B", false, []string{"--segment-seal-size", "whole number"}},
		{"segment-max-size", "99999999TiB", true, []string{"RAFTVEC_SEGMENT_MAX_SIZE", "too large"}},
		{"memory-limit", "-2", false, []string{"--memory-limit", "not a size"}},
		{"max-unflushed-bytes", "", false, []string{"--max-unflushed-bytes", "not a size"}},
	} {
		for _, cmd := range []string{"standalone", "serve"} {
			t.Run(fmt.Sprintf("%s/%s/%q/env=%v", cmd, tc.flag, tc.in, tc.viaEnv), func(t *testing.T) {
				_, err := parseServerFlags(t, cmd, tc.flag, tc.in, tc.viaEnv)
				if err == nil {
					t.Fatal("accepted")
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
			})
		}
	}
}

// TestMemoryLimitNone keeps -1 ("no limit") for --memory-limit only.
func TestMemoryLimitNone(t *testing.T) {
	cfg, err := parseServerFlags(t, "standalone", "memory-limit", "-1", false)
	if err != nil || cfg.MemoryLimit != -1 {
		t.Fatalf("--memory-limit -1: %d, %v", cfg.MemoryLimit, err)
	}
}

// TestSizeDefaultsInHelp shows size defaults with units in --help.
func TestSizeDefaultsInHelp(t *testing.T) {
	for flag, want := range map[string]string{"chunk-size": "16MiB", "segment-seal-size": "122MiB", "max-body-bytes": "64MiB"} {
		if got := newStandaloneCmd().Flags().Lookup(flag).DefValue; got != want {
			t.Errorf("--%s default shown as %q, want %q", flag, got, want)
		}
	}
}

// parseServerFlags parses one flag of a server command, given on the
// command line or as its RAFTVEC_* variable, and loads the configuration
// as the command does (without starting anything).
func parseServerFlags(t *testing.T, cmd, flag, value string, viaEnv bool) (server.Config, error) {
	t.Helper()
	cfg := server.Default()
	fs := pflag.NewFlagSet(cmd, pflag.ContinueOnError)
	bindServerFlags(fs, &cfg)
	if cmd == "serve" {
		bindClusterFlags(fs, &cfg)
	}
	args := []string{"--node-id", "n1"}
	// Any chunk size or seal size passes Validate against the other one.
	if flag != "chunk-size" {
		args = append(args, "--chunk-size", "1KiB")
	}
	if flag != "segment-seal-size" {
		args = append(args, "--segment-seal-size", "1TiB")
	}
	if viaEnv {
		t.Setenv("RAFTVEC_"+strings.ToUpper(strings.ReplaceAll(flag, "-", "_")), value)
	} else {
		args = append(args, "--"+flag, value)
	}
	if cmd == "serve" {
		args = append(args, "--join", "127.0.0.1:1", "--allow-local-storage")
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	return cfg, loadConfig(fs, &cfg, "")
}
