package jepsen

import (
	"fmt"
	"sort"
)

// SessionResult is the outcome of the session-guarantees check.
type SessionResult struct {
	Writes  int `json:"writes"` // ok writes
	Reads   int `json:"reads"`  // ok reads
	Clients int `json:"clients"`
	Keys    int `json:"keys"`
	// ReadYourWrites: ok reads that missed the client's own acknowledged
	// write (nil or a smaller value).
	ReadYourWrites ViolationList `json:"read_your_writes"`
	// Monotonic: ok reads that went back before a value the client had
	// already read.
	Monotonic ViolationList `json:"monotonic"`
	// Phantom: ok reads of a value no write of that key attempted.
	Phantom   ViolationList `json:"phantom"`
	Malformed int           `json:"malformed"`
}

// Valid reports whether read-your-writes and monotonic reads held and no
// read returned a value never written.
func (r SessionResult) Valid() bool {
	return r.ReadYourWrites.Count == 0 && r.Monotonic.Count == 0 &&
		r.Phantom.Count == 0 && r.Malformed == 0
}

// Stale is the number of reads that broke a session guarantee.
func (r SessionResult) Stale() int { return r.ReadYourWrites.Count + r.Monotonic.Count }

// Summary is a one-line description.
func (r SessionResult) Summary() string {
	s := fmt.Sprintf("session: %d writes, %d reads, %d clients, %d keys; read-your-writes %d, monotonic %d, phantom %d",
		r.Writes, r.Reads, r.Clients, r.Keys, r.ReadYourWrites.Count, r.Monotonic.Count, r.Phantom.Count)
	if r.Malformed > 0 {
		s += fmt.Sprintf(", %d malformed ops", r.Malformed)
	}
	return s
}

type sessionKey struct {
	client int
	key    string
}

// sessionGroup is one client's ops on one key.
type sessionGroup struct {
	writes []Op // ok writes
	reads  []Op // ok reads
}

// CheckSession checks the session ops in ops.
func CheckSession(ops []Op) SessionResult {
	var res SessionResult
	groups := make(map[sessionKey]*sessionGroup)
	written := make(map[string]map[int64]bool) // key -> values attempted
	clients, keys := map[int]bool{}, map[string]bool{}
	for _, op := range workloadOps(ops, WorkloadSession) {
		if !validSessionOp(op) {
			res.Malformed++
			continue
		}
		clients[op.Client], keys[op.Key] = true, true
		if op.F == "write" {
			if written[op.Key] == nil {
				written[op.Key] = map[int64]bool{}
			}
			written[op.Key][*op.Value] = true
		}
		if op.Type != TypeOK {
			continue
		}
		k := sessionKey{op.Client, op.Key}
		if groups[k] == nil {
			groups[k] = &sessionGroup{}
		}
		g := groups[k]
		if op.F == "write" {
			res.Writes++
			g.writes = append(g.writes, op)
		} else {
			res.Reads++
			g.reads = append(g.reads, op)
		}
	}
	res.Clients, res.Keys = len(clients), len(keys)
	for _, k := range sortedSessionKeys(groups) {
		groups[k].check(&res, written[k.key])
	}
	return res
}

func validSessionOp(op Op) bool {
	switch op.F {
	case "write":
		return op.Value != nil && validType(op.Type)
	case "read":
		return validType(op.Type)
	}
	return false
}

func sortedSessionKeys(m map[sessionKey]*sessionGroup) []sessionKey {
	ks := make([]sessionKey, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].client != ks[j].client {
			return ks[i].client < ks[j].client
		}
		return ks[i].key < ks[j].key
	})
	return ks
}

// check sweeps the reads in invoke order, keeping the largest value
// acknowledged by a write, and seen by a read, that completed before each
// read was invoked.
func (g *sessionGroup) check(res *SessionResult, written map[int64]bool) {
	writes := byCompletion(g.writes)
	prior := byCompletion(g.reads)
	reads := append([]Op(nil), g.reads...)
	SortOps(reads)
	var acked, seen *Op
	wi, pi := 0, 0
	for _, r := range reads {
		for ; wi < len(writes) && writes[wi].CompleteNs < r.InvokeNs; wi++ {
			acked = larger(acked, &writes[wi])
		}
		for ; pi < len(prior) && prior[pi].CompleteNs < r.InvokeNs; pi++ {
			seen = larger(seen, &prior[pi])
		}
		if acked != nil && below(r.Value, *acked.Value) {
			res.ReadYourWrites.add(Violation{Kind: "read-your-writes", Op: r,
				Detail: fmt.Sprintf("own write of %d acknowledged before: %s", *acked.Value, *acked)})
		}
		if seen != nil && below(r.Value, *seen.Value) {
			res.Monotonic.add(Violation{Kind: "monotonic-reads", Op: r,
				Detail: fmt.Sprintf("already read %d: %s", *seen.Value, *seen)})
		}
		if r.Value != nil && !written[*r.Value] {
			res.Phantom.add(Violation{Kind: "phantom", Op: r,
				Detail: fmt.Sprintf("value %d was never written to key %q", *r.Value, r.Key)})
		}
	}
}

func byCompletion(ops []Op) []Op {
	out := append([]Op(nil), ops...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CompleteNs < out[j].CompleteNs })
	return out
}

// larger returns whichever op has the larger non-nil Value.
func larger(cur, cand *Op) *Op {
	if cand.Value == nil {
		return cur
	}
	if cur == nil || *cand.Value > *cur.Value {
		return cand
	}
	return cur
}

// below reports whether a read value (nil = absent) is older than v.
func below(read *int64, v int64) bool { return read == nil || *read < v }
