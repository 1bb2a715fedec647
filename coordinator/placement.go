package coordinator

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// liveNodesLocked returns the IDs of nodes that are up, sorted.
func (m *metaFSM) liveNodesLocked() []string {
	var out []string
	for id, n := range m.mu.Nodes {
		if n.State == NodeUp {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// placeLocked assigns replicas to every shard of a new collection: shard i
// gets R consecutive live nodes (in ID order) starting at the node that is
// the preferred leader of the fewest shards (ties broken from (collection
// ID + i) mod n), so preferred leaders, and with them replicas, spread
// across nodes. (Starting at (ID + i) mod n alone put every collection's
// leader on one node: each create allocates several IDs, so collection IDs
// share a residue.)
func (m *metaFSM) placeLocked(c *Collection) error {
	live := m.liveDataLocked()
	if len(live) == 0 {
		return fmt.Errorf("%w: no live data nodes to place shards on", ErrInvalid)
	}
	r := c.ReplicaNumber
	c.WantReplicas = r
	if r <= 0 {
		c.WantReplicas = 3
	}
	if r <= 0 || r > len(live) {
		r = min(max(r, 1), len(live))
		if c.ReplicaNumber <= 0 {
			r = min(3, len(live))
		}
	}
	c.ReplicaNumber = r
	c.Shards = make([]ShardPlacement, c.ShardsNum)
	leads := m.leaderLoadLocked()
	for i := range c.Shards {
		start := leastLoaded(live, leads, int((c.ID+int64(i))%int64(len(live))))
		leads[live[start]]++
		reps := make([]string, r)
		for j := range reps {
			reps[j] = live[(start+j)%len(live)]
		}
		c.Shards[i] = ShardPlacement{Replicas: reps, Initial: slices.Clone(reps)}
	}
	return nil
}

// leaderLoadLocked counts, per node, the shards it is the preferred leader
// of (the first replica).
func (m *metaFSM) leaderLoadLocked() map[string]int {
	load := map[string]int{}
	for _, c := range m.mu.Collections {
		for _, sp := range c.Shards {
			if len(sp.Replicas) > 0 {
				load[sp.Replicas[0]]++
			}
		}
	}
	return load
}

// leastLoaded returns the index in nodes of the node with the least load,
// scanning from index from (so ties go to the first from there).
func leastLoaded(nodes []string, load map[string]int, from int) int {
	best := from
	for k := 1; k < len(nodes); k++ {
		j := (from + k) % len(nodes)
		if load[nodes[j]] < load[nodes[best]] {
			best = j
		}
	}
	return best
}

// replaceNodeLocked moves every replica held by a node that is down,
// removed or no longer a data node to a live data node that holds no replica of that shard, choosing the
// least loaded (ties by ID). Shards with no candidate keep the replica,
// unless the node is up but no longer a data node (it leaves the voters).
func (m *metaFSM) replaceNodeLocked(id string) {
	// A live node that is no longer a data node leaves the voter set even
	// without a replacement (a down one stays: it may come back).
	n := m.mu.Nodes[id]
	drop := n != nil && n.State == NodeUp && !n.Has(RoleData)
	load := m.loadLocked()
	for _, name := range m.sortedCollectionsLocked() {
		c, owned := m.mu.Collections[name], false
		for i := range c.Shards {
			k := slices.Index(c.Shards[i].Replicas, id)
			if k < 0 {
				continue
			}
			cand := m.candidateLocked(c.Shards[i].Replicas, load)
			if cand == "" && !(drop && len(c.Shards[i].Replicas) > 1) {
				continue
			}
			if !owned {
				c, owned = m.ownLocked(c), true // copy on write
			}
			sp := &c.Shards[i]
			sp.Initial = nil
			load[id]--
			if cand == "" {
				sp.Replicas = slices.Delete(sp.Replicas, k, k+1)
				continue
			}
			sp.Replicas[k] = cand
			load[cand]++
		}
	}
}

func (m *metaFSM) candidateLocked(exclude []string, load map[string]int) string {
	best := ""
	for _, n := range m.liveDataLocked() {
		if slices.Contains(exclude, n) {
			continue
		}
		if best == "" || load[n] < load[best] {
			best = n
		}
	}
	return best
}

// loadLocked counts replicas per node.
func (m *metaFSM) loadLocked() map[string]int {
	load := map[string]int{}
	for _, c := range m.mu.Collections {
		for _, sp := range c.Shards {
			for _, n := range sp.Replicas {
				load[n]++
			}
		}
	}
	return load
}

func (m *metaFSM) sortedCollectionsLocked() []string {
	names := make([]string, 0, len(m.mu.Collections))
	for n := range m.mu.Collections {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// setNodeLocked registers a node or updates its addresses and state. A node
// going down or being removed hands its replicas to other nodes.
func (m *metaFSM) setNodeLocked(n *NodeInfo) result {
	if n == nil || n.ID == "" {
		return result{Err: fmt.Errorf("%w: node needs an ID", ErrInvalid)}
	}
	var roles []string
	if n.Roles != nil {
		var err error
		if roles, err = ParseRoles(strings.Join(n.Roles, ",")); err != nil {
			return result{Err: err}
		}
	}
	old, ok := m.mu.Nodes[n.ID]
	if !ok {
		old = &NodeInfo{ID: n.ID}
		m.mu.Nodes[n.ID] = old
	}
	if n.RaftAddr != "" {
		old.RaftAddr = n.RaftAddr
	}
	if n.HTTPAddr != "" {
		old.HTTPAddr = n.HTTPAddr
	}
	if n.State != "" {
		old.State = n.State
	}
	if roles != nil {
		old.Roles = roles
	}
	if old.State == NodeDown || old.State == NodeRemoved {
		m.replaceNodeLocked(n.ID)
		m.reassignLocked(n.ID)
	} else if !old.Has(RoleData) {
		m.replaceNodeLocked(n.ID) // restarted with other roles: its voters move
	}
	if old.State == NodeUp && !old.Has(RoleIndex) {
		m.reassignLocked(n.ID)
	}
	if old.State == NodeUp {
		m.growLocked()
	}
	m.placeQueriesLocked()
	return result{}
}

// growLocked adds replicas to shards placed on fewer nodes than their
// collection asked for (created while nodes were down or being removed),
// on the least-loaded live nodes that hold none of the shard: a shard
// left with two replicas would otherwise lose its quorum with the next
// node it loses. The shard leader adds the new replica as a non-voter and
// promotes it once caught up.
func (m *metaFSM) growLocked() {
	live := len(m.liveDataLocked())
	load := m.loadLocked()
	for _, name := range m.sortedCollectionsLocked() {
		c, owned := m.mu.Collections[name], false
		want := min(max(c.WantReplicas, c.ReplicaNumber), live)
		for i := range c.Shards {
			for len(c.Shards[i].Replicas) < want {
				cand := m.candidateLocked(c.Shards[i].Replicas, load)
				if cand == "" {
					break
				}
				if !owned {
					c, owned = m.ownLocked(c), true // copy on write
				}
				sp := &c.Shards[i]
				sp.Replicas = append(sp.Replicas, cand)
				sp.Initial = nil
				c.ReplicaNumber = max(c.ReplicaNumber, len(sp.Replicas))
				load[cand]++
			}
		}
	}
}
