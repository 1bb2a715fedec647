package jepsen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"
)

// Fault families (ClusterConfig-independent names used on the command
// line and in reports).
const (
	FaultPartitionLeader = "partition-leader" // isolate the register shard's leader
	FaultPartitionRandom = "partition-random" // random majority/minority split
	FaultLinks           = "links"            // delay and drop on every peer link
	FaultPause           = "pause"            // SIGSTOP the leader or a follower
	FaultKill            = "kill"             // kill -9 one node or all, then restart
	FaultSnapshot        = "snapshot-isolate" // isolate a follower until it needs a snapshot
	FaultMinIO           = "minio-stop"       // object storage down during flushes
	FaultMembership      = "membership"       // remove a node, re-add it with fresh data
	FaultQueryNode       = "query-node"       // kill, isolate or pause a query node, or release a collection (needs query nodes)
	FaultMixed           = "mixed"            // a random family per window
	FaultNone            = "none"             // no faults (baseline)
)

// Families lists every fault family, in the order the quick suite runs
// them.
var Families = []string{FaultPartitionLeader, FaultPartitionRandom, FaultLinks, FaultPause, FaultKill,
	FaultSnapshot, FaultMinIO, FaultMembership}

// ValidFault reports whether name is a fault family, "mixed" or "none".
func ValidFault(name string) bool {
	for _, f := range Families {
		if f == name {
			return true
		}
	}
	return name == FaultMixed || name == FaultNone || name == FaultQueryNode
}

// Nemesis injects and heals faults on a cluster. It is driven by one
// goroutine (Run); its RNG is seeded from the run's seed.
type Nemesis struct {
	cl     *Cluster
	rng    *rand.Rand
	client *http.Client
	// leaderOf returns the node leading the register workload's shard.
	leaderOf func(ctx context.Context) *Node
	// releasable are the workload collections FaultQueryNode may release.
	releasable []string
}

// heal undoes one injected fault.
type heal func(ctx context.Context) error

// inject starts one fault of the family and returns its description and
// how to heal it.
func (nm *Nemesis) inject(ctx context.Context, family string) (string, heal, error) {
	switch family {
	case FaultPartitionLeader:
		l := nm.leaderOrRandom(ctx)
		return "isolate leader " + l.ID, nm.healPartition, nm.partition(ctx, []*Node{l}, nm.others(l))
	case FaultPartitionRandom:
		nodes := nm.shuffled()
		k := 1 + nm.rng.IntN(max(1, (len(nodes)-1)/2))
		return fmt.Sprintf("partition %s | %s", ids(nodes[:k]), ids(nodes[k:])), nm.healPartition, nm.partition(ctx, nodes[:k], nodes[k:])
	case FaultLinks:
		delay, drop := 20+nm.rng.IntN(130), 0.01+nm.rng.Float64()*0.05
		return fmt.Sprintf("links delay %dms drop %.2f", delay, drop), nm.healPartition, nm.degrade(ctx, delay, drop)
	case FaultPause:
		n := nm.pick(ctx)
		return "SIGSTOP " + n.ID, func(context.Context) error { return nm.cl.Pause(n, false) }, nm.cl.Pause(n, true)
	case FaultKill:
		return nm.kill(ctx)
	case FaultSnapshot:
		return nm.snapshotIsolate(ctx)
	case FaultMinIO:
		nm.cl.MinIO.Stop()
		return "MinIO stopped", func(ctx context.Context) error { return nm.cl.MinIO.Start(ctx) }, nil
	case FaultMembership:
		return nm.membership(ctx)
	case FaultQueryNode:
		return nm.queryNode(ctx)
	}
	return "", nil, fmt.Errorf("jepsen: unknown fault %q", family)
}

func ids(ns []*Node) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.ID
	}
	return strings.Join(s, ",")
}

func (nm *Nemesis) shuffled() []*Node {
	nodes := append([]*Node(nil), nm.cl.Nodes...)
	nm.rng.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	return nodes
}

func (nm *Nemesis) others(n *Node) []*Node {
	var out []*Node
	for _, m := range nm.cl.Nodes {
		if m != n {
			out = append(out, m)
		}
	}
	return out
}

func (nm *Nemesis) leaderOrRandom(ctx context.Context) *Node {
	if l := nm.leaderOf(ctx); l != nil {
		return l
	}
	return nm.cl.Nodes[nm.rng.IntN(len(nm.cl.Nodes))]
}

// pick returns the leader or a random follower, with equal chance.
func (nm *Nemesis) pick(ctx context.Context) *Node {
	if nm.rng.IntN(2) == 0 {
		return nm.leaderOrRandom(ctx)
	}
	return nm.cl.Nodes[nm.rng.IntN(len(nm.cl.Nodes))]
}

// setFaults replaces one node's fault table.
func (nm *Nemesis) setFaults(ctx context.Context, n *Node, spec any) error {
	b, _ := json.Marshal(spec)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.HTTP+"/v1/test/faults", strings.NewReader(string(b)))
	resp, err := nm.client.Do(req)
	if err != nil {
		return fmt.Errorf("jepsen: faults on %s: %w", n.ID, err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Code != 0 {
		return fmt.Errorf("jepsen: faults on %s: code %d %s %v", n.ID, env.Code, env.Message, err)
	}
	return nil
}

// partition cuts every link between the two sides, at both ends.
func (nm *Nemesis) partition(ctx context.Context, a, b []*Node) error {
	for _, side := range [][2][]*Node{{a, b}, {b, a}} {
		var blocked []string
		for _, n := range side[1] {
			blocked = append(blocked, n.Raft)
		}
		for _, n := range side[0] {
			if err := nm.setFaults(ctx, n, map[string]any{"blocked": blocked}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (nm *Nemesis) degrade(ctx context.Context, delayMs int, drop float64) error {
	for _, n := range nm.cl.Nodes {
		links := map[string]any{}
		for _, m := range nm.others(n) {
			links[m.Raft] = map[string]any{"delayMs": delayMs, "drop": drop}
		}
		if err := nm.setFaults(ctx, n, map[string]any{"links": links}); err != nil {
			return err
		}
	}
	return nil
}

// healPartition clears every live node's fault table.
func (nm *Nemesis) healPartition(ctx context.Context) error {
	var first error
	for _, n := range nm.cl.Nodes {
		if n.Alive() && !n.paused {
			if err := nm.setFaults(ctx, n, map[string]any{}); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// kill kills one node, or (one time in three) all of them; heal restarts.
func (nm *Nemesis) kill(ctx context.Context) (string, heal, error) {
	victims := []*Node{nm.pick(ctx)}
	if nm.rng.IntN(3) == 0 {
		victims = nm.cl.Nodes
	}
	for _, n := range victims {
		nm.cl.Kill(n)
	}
	return "kill -9 " + ids(victims), func(ctx context.Context) error { return nm.cl.Restart(ctx, victims...) }, nil
}

// snapshotIsolate isolates a follower, lets the others write on, then has
// them snapshot (which truncates their logs to 64 trailing entries), so
// the follower catches up by installing a snapshot once healed.
func (nm *Nemesis) snapshotIsolate(ctx context.Context) (string, heal, error) {
	l := nm.leaderOf(ctx)
	var f *Node
	for _, n := range nm.shuffled() {
		if n != l {
			f = n
			break
		}
	}
	if err := nm.partition(ctx, []*Node{f}, nm.others(f)); err != nil {
		return "", nil, err
	}
	return "isolate " + f.ID + " until it needs a snapshot", func(ctx context.Context) error {
		for _, n := range nm.others(f) {
			_ = nm.post(ctx, n, "/v1/test/snapshot")
		}
		return nm.healPartition(ctx)
	}, nil
}

func (nm *Nemesis) post(ctx context.Context, n *Node, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+n.HTTP+path, strings.NewReader("{}"))
	resp, err := nm.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// membership removes a node other than the metadata leader; heal wipes
// its data and starts it again with --join, which adds it back.
func (nm *Nemesis) membership(ctx context.Context) (string, heal, error) {
	var victim, via *Node
	for _, n := range nm.shuffled() {
		if victim == nil && !nm.isMetaLeader(ctx, n) {
			victim = n
		} else if via == nil {
			via = n
		}
	}
	if victim == nil || via == nil {
		return "", nil, fmt.Errorf("jepsen: membership: no node to remove")
	}
	body := fmt.Sprintf(`{"nodeID":%q}`, victim.ID)
	c := NewClient(10 * time.Second)
	r := c.callPath(ctx, via.HTTP, "/v1/cluster/nodes/remove", body)
	desc := "remove " + victim.ID + " (" + r.Type + ")"
	return desc, func(ctx context.Context) error {
		nm.cl.Kill(victim)
		if err := os.RemoveAll(victim.DataDir); err != nil {
			return err
		}
		return nm.cl.Restart(ctx, victim)
	}, nil
}

func (nm *Nemesis) isMetaLeader(ctx context.Context, n *Node) bool {
	c := NewClient(3 * time.Second)
	r := c.get(ctx, n.HTTP, "/v1/cluster/status")
	var st struct {
		MetaLeader string `json:"metaLeader"`
	}
	_ = json.Unmarshal(r.Data, &st)
	return r.Type != TypeOK || st.MetaLeader == n.Raft
}
