//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// startCluster starts n `raftvec serve` processes that form one cluster,
// each with the extra flags.
func startCluster(t *testing.T, n int, extra ...string) []*proc {
	t.Helper()
	dir := t.TempDir()
	procs := make([]*proc, n)
	var join []string
	for i := range procs {
		procs[i] = &proc{t: t, dataDir: filepath.Join(dir, fmt.Sprintf("node-%d", i+1)), http: freeAddr(t), raft: freeAddr(t)}
		join = append(join, procs[i].raft)
	}
	for i, p := range procs {
		logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("node-%d.log", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		p.log = logf
		p.cmd = exec.Command(binary(t), "serve", "--node-id", fmt.Sprintf("node-%d", i+1), "--data-dir", p.dataDir,
			"--http-addr", p.http, "--raft-addr", p.raft, "--join", strings.Join(join, ","), "--bootstrap-expect", fmt.Sprint(n),
			"--raft-heartbeat-timeout", "300ms", "--raft-election-timeout", "300ms",
			"--allow-local-storage") // these tests check the Raft paths, not flushing
		p.cmd.Args = append(p.cmd.Args, extra...)
		p.cmd.Stdout, p.cmd.Stderr = logf, logf
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.kill(); logf.Close() })
	}
	for _, p := range procs {
		p.waitReady()
	}
	return procs
}

// TestClusterReadmeExamplesOnEveryNode runs the README's examples against
// each node of a 3-process cluster in turn: every node gives the same
// results.
func TestClusterReadmeExamplesOnEveryNode(t *testing.T) {
	procs := startCluster(t, 3)
	cmds := readmeExamples(t)
	var first map[string][]envelope
	for i, p := range procs {
		got := runExamples(t, p.http, cmds)
		checkReadmeResults(t, got)
		if i == 0 {
			first = got
			continue
		}
		for route, envs := range got {
			for k := range envs {
				if !reflect.DeepEqual(normalize(envs[k]), normalize(first[route][k])) {
					t.Fatalf("node %d, %s #%d: %s, node 1 gave %s", i+1, route, k, envs[k].Data, first[route][k].Data)
				}
			}
		}
	}
}

// normalize is a reply as compared across nodes: the examples create their
// database again on each node, so its ID differs.
func normalize(e envelope) string {
	return dbIDRE.ReplaceAllString(string(e.Data), `"dbID":0`) + fmt.Sprint(e.Code, e.Topks)
}

var dbIDRE = regexp.MustCompile(`"dbID":\d+`)
