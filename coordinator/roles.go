package coordinator

import (
	"fmt"
	"slices"
	"strings"
)

// Node roles (README "Node roles"). A node runs any non-empty subset.
const (
	// RoleData nodes hold the voting replicas of shards: the write quorum,
	// flushing, sealing and lifecycle planning, and the metadata group.
	RoleData = "data"
	// RoleQuery nodes hold query replicas: non-voting members that receive
	// the log, load sealed segments and index files from object storage
	// and serve reads.
	RoleQuery = "query"
	// RoleIndex nodes run index builds and compactions.
	RoleIndex = "index"
)

// AllRoles is what a node runs when given no roles (standalone).
var AllRoles = []string{RoleData, RoleQuery, RoleIndex}

// ParseRoles reads a comma-separated role list ("data,query"), sorted and
// without duplicates; an empty string means all roles.
func ParseRoles(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(AllRoles), nil
	}
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.ToLower(strings.TrimSpace(r))
		if !slices.Contains(AllRoles, r) {
			return nil, fmt.Errorf("%w: unknown node role %q (roles are data, query, index)", ErrInvalid, r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Has reports whether the node runs a role (a node without roles runs all).
func (n *NodeInfo) Has(role string) bool {
	return len(n.Roles) == 0 || slices.Contains(n.Roles, role)
}

// queryOnly reports whether a node hosts query replicas: it has the query
// role and not the data role (a data node serves reads from its voters).
func (n *NodeInfo) queryOnly() bool { return n.Has(RoleQuery) && !n.Has(RoleData) }

// liveWithLocked returns the IDs of live nodes that pass keep, sorted.
func (m *metaFSM) liveWithLocked(keep func(*NodeInfo) bool) []string {
	var out []string
	for _, id := range m.liveNodesLocked() {
		if keep(m.mu.Nodes[id]) {
			out = append(out, id)
		}
	}
	return out
}

// liveDataLocked returns the live data nodes, sorted.
func (m *metaFSM) liveDataLocked() []string {
	return m.liveWithLocked(func(n *NodeInfo) bool { return n.Has(RoleData) })
}

// WantQueries is how many query replicas each shard of c should have.
func (c *Collection) WantQueries() int {
	if c.Released {
		return 0
	}
	return max(c.QueryReplicas, 1)
}

// placeQueriesLocked makes every shard's query replicas follow its
// collection's WantQueries over the live query-only nodes that hold no
// voter of the shard: replicas on nodes still eligible stay, extra ones go,
// missing ones are added on the nodes with the fewest query replicas (ties
// by ID). Shards that cannot get enough keep what they can.
func (m *metaFSM) placeQueriesLocked() {
	nodes := m.liveWithLocked((*NodeInfo).queryOnly)
	load := map[string]int{}
	for _, c := range m.mu.Collections {
		for _, sp := range c.Shards {
			for _, n := range sp.Queries {
				load[n]++
			}
		}
	}
	for _, name := range m.sortedCollectionsLocked() {
		c, owned := m.mu.Collections[name], false
		for i := range c.Shards {
			q := nextQueries(c.Shards[i], nodes, c.WantQueries(), load)
			if slices.Equal(q, c.Shards[i].Queries) {
				continue
			}
			if !owned {
				c, owned = m.ownLocked(c), true // copy on write
			}
			c.Shards[i].Queries = q
		}
	}
}

// nextQueries computes one shard's query replicas (see placeQueriesLocked),
// updating load for the replicas it adds or drops.
func nextQueries(sp ShardPlacement, nodes []string, want int, load map[string]int) []string {
	eligible := func(n string) bool { return slices.Contains(nodes, n) && !slices.Contains(sp.Replicas, n) }
	var out []string
	for _, n := range sp.Queries {
		if eligible(n) && len(out) < want {
			out = append(out, n)
		} else {
			load[n]--
		}
	}
	for len(out) < want {
		best := ""
		for _, n := range nodes {
			if eligible(n) && !slices.Contains(out, n) && (best == "" || load[n] < load[best]) {
				best = n
			}
		}
		if best == "" {
			break
		}
		out = append(out, best)
		load[best]++
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
