package raft

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRecoveryFileRestoresAQuorum: a group whose other voters are gone for
// good has no leader and cannot remove them through Raft; a peers.json in
// the survivor's directory makes it the only voter on its next start,
// with every committed entry kept, and the file is consumed.
func TestRecoveryFileRestoresAQuorum(t *testing.T) {
	muxes := newMuxes(t, 3)
	nodes := newClusterNoCleanup(t, "meta", muxes, nil)
	for _, c := range []string{"a", "b", "c"} {
		proposeOK(t, nodes, c)
	}
	survivor := nodes[0]
	// A commit needs two of three: the survivor may not hold the last
	// entries yet (a CI run recovered [a d]). Recovery keeps what the
	// survivor has, so wait until it has everything.
	waitFor(t, 10*time.Second, "the survivor to apply every entry", func() bool {
		got, _ := survivor.fsm.snapshot()
		return slices.Equal(got, []string{"a", "b", "c"})
	})
	for _, n := range nodes {
		n.node.Close()
	}
	cfg := fastConfig(survivor.id, "meta", survivor.dir)

	// Without the file the survivor alone never elects a leader.
	alone := openTestNodeNoCleanup(t, cfg, muxes[0])
	time.Sleep(5 * cfg.ElectionTimeout)
	if alone.node.IsLeader() {
		t.Fatal("a lone member of a 3-voter group became leader")
	}
	alone.node.Close()

	peers := fmt.Sprintf(`[{"id":%q,"address":%q,"non_voter":false}]`, survivor.id, muxes[0].Addr().String())
	if err := os.WriteFile(filepath.Join(survivor.dir, RecoveryFile), []byte(peers), 0o644); err != nil {
		t.Fatal(err)
	}
	recovered := openTestNode(t, cfg, muxes[0])
	waitFor(t, 10*time.Second, "the survivor to lead", recovered.node.IsLeader)
	propose(t, recovered, "d")
	if got, _ := recovered.fsm.snapshot(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("FSM after recovery = %v", got)
	}
	servers, err := recovered.node.Servers()
	if err != nil || len(servers) != 1 || string(servers[0].ID) != survivor.id {
		t.Fatalf("configuration after recovery: %v %v", servers, err)
	}
	if _, err := os.Stat(filepath.Join(survivor.dir, RecoveryFile)); !os.IsNotExist(err) {
		t.Fatalf("%s not consumed: %v", RecoveryFile, err)
	}
	if _, err := os.Stat(filepath.Join(survivor.dir, RecoveryFile+".recovered")); err != nil {
		t.Fatal(err)
	}
}
