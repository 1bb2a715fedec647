package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runBenchIndex runs `bench index` with args through the bench command (so
// the registration and the flags shadowing bench's are exercised) and
// returns its output.
func runBenchIndex(t *testing.T, args ...string) string {
	t.Helper()
	cmd := newBenchCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"index"}, args...))
	if err := cmd.Execute(); err != nil {
		t.Fatalf("bench index %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

var resultLine = regexp.MustCompile(`(?m)^(ef=\d+|nprobe=\d+|flat)\s+recall@(\d+)=([0-9.]+)\s+QPS=(\d+) \(single thread\)\s+p50=(\d+)µs\s+p99=(\d+)µs$`)

type benchResult struct {
	recall       float64
	k            int
	qps          float64
	p50us, p99us int
}

// parseResults maps each line's label ("ef=64", "nprobe=4", "flat") to its
// parsed numbers.
func parseResults(t *testing.T, out string) map[string]benchResult {
	t.Helper()
	res := map[string]benchResult{}
	for _, m := range resultLine.FindAllStringSubmatch(out, -1) {
		var r benchResult
		var err error
		r.k, _ = strconv.Atoi(m[2])
		if r.recall, err = strconv.ParseFloat(m[3], 64); err != nil {
			t.Fatalf("recall %q: %v", m[3], err)
		}
		r.qps, _ = strconv.ParseFloat(m[4], 64)
		r.p50us, _ = strconv.Atoi(m[5])
		r.p99us, _ = strconv.Atoi(m[6])
		if r.recall < 0 || r.recall > 1 || r.qps <= 0 || r.p50us > r.p99us {
			t.Fatalf("implausible line %q", m[0])
		}
		res[m[1]] = r
	}
	return res
}

func TestBenchIndexHNSWSynthetic(t *testing.T) {
	out := runBenchIndex(t, "--dataset", "synthetic", "--n", "2000", "--dim", "16", "--clusters", "10",
		"--queries", "200", "--index", "HNSW", "--M", "16", "--efc", "100", "--ef", "8,64", "--k", "10")
	t.Log("\n" + out)
	res := parseResults(t, out)
	if len(res) != 2 {
		t.Fatalf("want 2 result lines (ef=8, ef=64), got %v", res)
	}
	r64, ok := res["ef=64"]
	if !ok {
		t.Fatalf("no ef=64 line")
	}
	if r64.k != 10 || r64.recall < 0.9 {
		t.Fatalf("ef=64: recall@%d = %.4f, want >= 0.9 at k=10", r64.k, r64.recall)
	}
	if r8 := res["ef=8"]; r8.recall > r64.recall {
		t.Fatalf("recall fell when ef grew: ef=8 %.4f, ef=64 %.4f", r8.recall, r64.recall)
	}
	for _, want := range []string{"data set: synthetic-2000-16-c10-s1: 2000 base × 16 dims, 200 queries", "kernels: ", "build ", "memory/vector: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestBenchIndexIVFAndFlat(t *testing.T) {
	for _, metric := range []string{"L2", "IP", "COSINE"} {
		t.Run(metric, func(t *testing.T) {
			args := []string{"--dataset", "synthetic", "--n", "2000", "--dim", "16", "--clusters", "10", "--queries", "100", "--metric", metric}
			ivf := parseResults(t, runBenchIndex(t, append(args, "--index", "IVF_FLAT", "--nlist", "16", "--nprobe", "1,16")...))
			if r := ivf["nprobe=16"]; r.recall != 1 {
				t.Fatalf("IVF_FLAT probing every list: recall %.4f, want 1 (%v)", r.recall, ivf)
			}
			if r := ivf["nprobe=1"]; r.recall <= 0 || r.recall >= 1 {
				t.Fatalf("IVF_FLAT nprobe=1: recall %.4f, want in (0, 1)", r.recall)
			}
			flat := parseResults(t, runBenchIndex(t, append(args, "--index", "FLAT")...))
			if r, ok := flat["flat"]; !ok || r.recall != 1 {
				t.Fatalf("FLAT recall %v", flat)
			}
		})
	}
}

// TestBenchIndexFiles writes a data set with --write-dir and benchmarks the
// files, with and without the written ground truth.
func TestBenchIndexFiles(t *testing.T) {
	dir := t.TempDir()
	out := runBenchIndex(t, "--dataset", "synthetic", "--n", "1000", "--dim", "8", "--queries", "50",
		"--index", "FLAT", "--write-dir", dir)
	if parseResults(t, out)["flat"].recall != 1 {
		t.Fatalf("FLAT recall below 1:\n%s", out)
	}
	prefix := filepath.Join(dir, "synthetic-1000-8-c100-s1")
	for _, suffix := range []string{"_base.fvecs", "_query.fvecs", "_groundtruth.ivecs"} {
		if _, err := os.Stat(prefix + suffix); err != nil {
			t.Fatal(err)
		}
	}
	files := []string{"--base", prefix + "_base.fvecs", "--query", prefix + "_query.fvecs"}
	for _, extra := range [][]string{{"--gt", prefix + "_groundtruth.ivecs"}, nil} {
		args := append(append(append([]string{}, files...), extra...), "--index", "HNSW", "--ef", "100")
		out := runBenchIndex(t, args...)
		if r := parseResults(t, out)["ef=100"]; r.recall < 0.95 {
			t.Fatalf("HNSW ef=100 over the written files: recall %.4f\n%s", r.recall, out)
		}
		if strings.Contains(out, "ground truth: exact") != (extra == nil) {
			t.Fatalf("ground truth computed iff --gt missing:\n%s", out)
		}
	}
}

func TestBenchIndexBadFlags(t *testing.T) {
	tests := [][]string{
		{},                                    // no data set
		{"--dataset", "mnist", "--base", "x"}, // both
		{"--dataset", "nope"},                 // unknown
		{"--dataset", "synthetic", "--index", "PQ"},
		{"--dataset", "synthetic", "--metric", "HAMMING"},
		{"--base", "b.fvecs"}, // no --query
		{"--dataset", "synthetic", "--n", "100", "--dim", "4", "--queries", "5", "--k", "0"},
		{"--dataset", "synthetic", "--n", "100", "--dim", "4", "--queries", "5", "--ef", "0"},
	}
	for _, args := range tests {
		cmd := newBenchCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(append([]string{"index"}, args...))
		if err := cmd.Execute(); err == nil {
			t.Errorf("bench index %v: no error", args)
		}
	}
}
