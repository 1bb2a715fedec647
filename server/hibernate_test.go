package server

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/shards"
)

// sleepy makes idle shard groups go to sleep after a second.
func sleepy(c *Config) {
	c.Lifecycle.HibernateAfter = time.Second
	c.Lifecycle.SealIdle = time.Second
}

// asleepEverywhere reports whether group is asleep on every running node,
// with its marker on disk.
func (tc *testCluster) asleepEverywhere(group string) bool {
	for i, s := range tc.nodes {
		if s == nil {
			continue
		}
		if !slices.Contains(s.Host().Sleeping(), group) {
			return false
		}
		if _, err := os.Stat(filepath.Join(tc.cfgs[i].DataDir, "shards", group, "HIBERNATED")); err != nil {
			return false
		}
	}
	return true
}

// openOn counts the nodes on which group is open.
func (tc *testCluster) openOn(group string) int {
	n := 0
	for _, s := range tc.nodes {
		if s == nil {
			continue
		}
		for _, r := range s.Host().Replicas() {
			if r.Name == group {
				n++
			}
		}
	}
	return n
}

// sleepingCollection creates a one-shard collection with rows through
// node 0 and waits until its group is asleep on every node; it returns the
// group's name.
func (tc *testCluster) sleepingCollection(name string, rows int) string {
	tc.t.Helper()
	tc.client(0).ok("collections/create", map[string]any{"collectionName": name, "dimension": 2})
	tc.client(0).ok("entities/insert", map[string]any{"collectionName": name, "data": rowsFrom(0, rows)})
	coll, err := tc.nodes[0].Coordinator().Collection(name)
	if err != nil {
		tc.t.Fatal(err)
	}
	group := shards.GroupName(coll.ID, 0)
	waitFor(tc.t, 40*time.Second, func() bool { return tc.asleepEverywhere(group) })
	return group
}

// TestClusterIdleShardGroupsSleepAndWake: an idle replicated shard group is
// closed on every replica (no goroutine, no RPC), stays closed across a
// restart, and the next write or read through any node opens it on every
// replica with nothing lost.
func TestClusterIdleShardGroupsSleepAndWake(t *testing.T) {
	tc := newCluster(t, 3, 3, sleepy)
	group := tc.sleepingCollection("z", 100)
	if n := tc.openOn(group); n != 0 {
		t.Fatalf("group asleep but open on %d nodes", n)
	}
	if st := tc.client(1).getJSON("/v1/cluster/status"); !strings.Contains(st, `"group":"`+group+`","node":"node-2","state":"Asleep"`) {
		t.Fatalf("status does not show %s asleep on node-2: %s", group, st)
	}

	// A write through a node that must forward it wakes the group.
	tc.client(1).ok("entities/insert", map[string]any{"collectionName": "z", "data": rowsFrom(100, 100)})
	if n := tc.client(2).countAt("z", "Strong"); n != 200 {
		t.Fatalf("after waking: %d rows, want 200", n)
	}
	waitFor(t, 10*time.Second, func() bool { return tc.openOn(group) == 3 })

	// Asleep again, a restarted node keeps it closed; a read wakes it.
	waitFor(t, 40*time.Second, func() bool { return tc.asleepEverywhere(group) })
	if err := tc.nodes[2].Stop(); err != nil {
		t.Fatal(err)
	}
	if err := tc.start(2); err != nil {
		t.Fatal(err)
	}
	if !tc.asleepEverywhere(group) {
		t.Fatal("a restart opened a sleeping group")
	}
	if n := tc.client(2).countAt("z", "Strong"); n != 200 {
		t.Fatalf("after a restart and waking: %d rows, want 200", n)
	}
	waitFor(t, 10*time.Second, func() bool { return tc.openOn(group) == 3 })
}

// TestSleepingGroupWakesOnMetadataChange: a change of a collection's
// metadata (here a new partition) opens its sleeping shard group, which
// then acts on it.
func TestSleepingGroupWakesOnMetadataChange(t *testing.T) {
	tc := newCluster(t, 1, 1, sleepy)
	c := tc.client(0)
	group := tc.sleepingCollection("m", 50)
	c.ok("partitions/create", map[string]any{"collectionName": "m", "partitionName": "p2"})
	waitFor(t, 10*time.Second, func() bool { return tc.openOn(group) == 1 })
	if n := c.countAt("m", "Strong"); n != 50 {
		t.Fatalf("%d rows, want 50", n)
	}
}

// TestSleepingReplicasWakeForAPeerThatMissedTheSleep: a replica that comes
// back without its marker (it missed the sleep) campaigns; its vote
// requests reach the sleeping peers, which open their replicas, and the
// group elects a leader, serves, and sleeps again.
func TestSleepingReplicasWakeForAPeerThatMissedTheSleep(t *testing.T) {
	tc := newCluster(t, 3, 3, sleepy)
	group := tc.sleepingCollection("k", 10)
	time.Sleep(4 * time.Second) // past the grace after sleeping, in which knocks are ignored
	tc.kill(1)
	if err := os.Remove(filepath.Join(tc.cfgs[1].DataDir, "shards", group, "HIBERNATED")); err != nil {
		t.Fatal(err)
	}
	if err := tc.start(1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, func() bool { return tc.openOn(group) == 3 })
	if n := tc.client(1).countAt("k", "Eventually"); n != 10 {
		t.Fatalf("%d rows on the replica that missed the sleep, want 10", n)
	}
	waitFor(t, 40*time.Second, func() bool { return tc.asleepEverywhere(group) })
}
