package jepsen

import (
	"fmt"
	"math"
	"sort"
)

// Churn workload ops (Op.Key is the collection's name, unique per run):
//
//	create  collections/create of a fresh collection
//	insert  rows with never-reused ids (Op.IDs) into one collection
//	drop    collections/drop
//	read    a Strong read of the ids attempted in one collection (Op.IDs):
//	        Read "query" (it exists; Found = the ids it holds) or
//	        "absent" (a Strong describe said it does not exist). Workers
//	        read before a drop and now and then; after the last heal every
//	        collection with no drop that may have happened is read.
const (
	ChurnReadQuery  = "query"
	ChurnReadAbsent = "absent"
)

// ChurnResult is the outcome of the collection-churn check.
type ChurnResult struct {
	Collections   int `json:"collections"`    // distinct collections with a create
	Created       int `json:"created"`        // ok creates
	CreateUnknown int `json:"create_unknown"` // info creates
	Dropped       int `json:"dropped"`        // collections with an ok drop
	DropUnknown   int `json:"drop_unknown"`   // collections with an info drop and no ok one
	Live          int `json:"live"`           // collections with no ok or info drop
	Read          int `json:"read"`           // live collections with an ok final read
	Reads         int `json:"reads"`          // ok reads checked (before any drop of their collection)
	Attempted     int `json:"attempted"`      // distinct ids of any insert
	Acknowledged  int `json:"acknowledged"`   // distinct ids of an ok insert
	Checked       int `json:"checked"`        // acknowledged ids in live collections
	// Lost: acknowledged ids missing from a read that must hold them
	// (including every acknowledged id of a lost collection).
	Lost IDList `json:"lost"`
	// Unexpected: ids a read returned that no insert into that collection
	// attempted.
	Unexpected IDList `json:"unexpected"`
	// FailedButPresent: ids whose every insert failed, yet read.
	FailedButPresent IDList `json:"failed_but_present"`
	// Recovered: ids with an info but no ok insert that were read.
	Recovered IDList `json:"recovered"`
	// Violations: one per offending read or collection: "lost-rows" (a
	// read misses acknowledged rows), "lost-collection" (absent although
	// its create or an insert into it was acknowledged, and no drop was
	// invoked before the read completed), "unexpected-collection" (exists
	// although its create failed) and "unread" (a live collection without
	// an ok read after its last insert).
	Violations ViolationList `json:"violations"`
	Malformed  int           `json:"malformed"`
}

// Valid reports whether no acknowledged row was lost before a drop of its
// collection, nothing unexpected appeared, every live collection was read
// at the end and every op was understood.
func (r ChurnResult) Valid() bool {
	return r.Lost.Count == 0 && r.Unexpected.Count == 0 && r.FailedButPresent.Count == 0 &&
		r.Violations.Count == 0 && r.Malformed == 0
}

// Summary is a one-line description.
func (r ChurnResult) Summary() string {
	s := fmt.Sprintf("churn: %d collections, created %d (%d unknown), dropped %d (%d unknown), %d live, %d read "+
		"at the end, %d reads; rows attempted %d, acknowledged %d, checked at the end %d; lost %d, unexpected %d, "+
		"failed-but-present %d, recovered %d, collection violations %d",
		r.Collections, r.Created, r.CreateUnknown, r.Dropped, r.DropUnknown, r.Live, r.Read, r.Reads,
		r.Attempted, r.Acknowledged, r.Checked, r.Lost.Count, r.Unexpected.Count, r.FailedButPresent.Count,
		r.Recovered.Count, r.Violations.Count)
	if r.Malformed > 0 {
		s += fmt.Sprintf(", %d malformed ops", r.Malformed)
	}
	return s
}

// churnColl is what happened to one collection.
type churnColl struct {
	name           string
	create         *Op // the create attempt (the first if several)
	createOK       bool
	createInfo     bool
	dropOK         bool
	dropInfo       bool
	firstDrop      int64           // earliest invoke of an ok or info drop
	ok, info, fail map[int64]bool  // insert attempts per id
	acked          map[int64]int64 // id -> earliest completion of an ok insert
	lastInsert     int64           // latest completion of an ok or info insert
	reads          []Op            // ok reads
}

// CheckChurn checks the churn ops in ops. Every ok read of a collection
// that completed before any ok or info drop of it was invoked must hold
// each id whose ok insert completed before the read was invoked (and, if
// its create or such an insert was acknowledged, must find the collection);
// no read may hold an id never attempted in that collection or whose every
// insert failed. A collection with no ok or info drop must have an ok read
// invoked after its last insert completed (the final read). A collection
// whose create is info may be absent unless an insert into it was
// acknowledged.
func CheckChurn(ops []Op) ChurnResult {
	var res ChurnResult
	colls := map[string]*churnColl{}
	get := func(name string) *churnColl {
		if colls[name] == nil {
			colls[name] = &churnColl{name: name, ok: map[int64]bool{}, info: map[int64]bool{}, fail: map[int64]bool{},
				acked: map[int64]int64{}, firstDrop: math.MaxInt64}
		}
		return colls[name]
	}
	for _, op := range workloadOps(ops, WorkloadChurn) {
		if !validChurnOp(op) {
			res.Malformed++
			continue
		}
		c := get(op.Key)
		switch op.F {
		case "create":
			if c.create == nil {
				o := op
				c.create = &o
			}
			c.createOK = c.createOK || op.Type == TypeOK
			c.createInfo = c.createInfo || op.Type == TypeInfo
		case "insert":
			m := map[string]map[int64]bool{TypeOK: c.ok, TypeInfo: c.info, TypeFail: c.fail}[op.Type]
			for _, id := range op.IDs {
				m[id] = true
				if t, seen := c.acked[id]; op.Type == TypeOK && (!seen || op.CompleteNs < t) {
					c.acked[id] = op.CompleteNs
				}
			}
			if op.Type != TypeFail {
				c.lastInsert = max(c.lastInsert, op.CompleteNs)
			}
		case "drop":
			c.dropOK = c.dropOK || op.Type == TypeOK
			c.dropInfo = c.dropInfo || op.Type == TypeInfo
			if op.Type != TypeFail {
				c.firstDrop = min(c.firstDrop, op.InvokeNs)
			}
		case "read":
			if op.Type == TypeOK {
				c.reads = append(c.reads, op)
			}
		}
	}
	names := make([]string, 0, len(colls))
	for name := range colls {
		names = append(names, name)
	}
	sort.Strings(names)
	sets := churnSets{lost: map[int64]bool{}, unexpected: map[int64]bool{}, fbp: map[int64]bool{}, recovered: map[int64]bool{}}
	attempted, acked := map[int64]bool{}, map[int64]bool{}
	for _, name := range names {
		c := colls[name]
		if c.create == nil { // ops on a collection the history never created
			res.Malformed++
			continue
		}
		res.Collections++
		if c.createOK {
			res.Created++
		} else if c.createInfo {
			res.CreateUnknown++
		}
		for id := range union(c.ok, c.info, c.fail) {
			attempted[id] = true
		}
		for id := range c.ok {
			acked[id] = true
		}
		switch {
		case c.dropOK:
			res.Dropped++
		case c.dropInfo:
			res.DropUnknown++
		default:
			res.Live++
			res.Checked += len(c.ok)
			c.checkFinal(&res)
		}
		for _, r := range c.reads {
			c.checkRead(&res, &sets, r)
		}
	}
	res.Attempted, res.Acknowledged = len(attempted), len(acked)
	res.Lost, res.Unexpected = newIDList(sets.lost), newIDList(sets.unexpected)
	res.FailedButPresent, res.Recovered = newIDList(sets.fbp), newIDList(sets.recovered)
	return res
}

type churnSets struct{ lost, unexpected, fbp, recovered map[int64]bool }

// checkFinal requires a live collection to have an ok read invoked after
// its last ok or info insert completed.
func (c *churnColl) checkFinal(res *ChurnResult) {
	for _, r := range c.reads {
		if r.InvokeNs > c.lastInsert {
			res.Read++
			return
		}
	}
	res.Violations.add(Violation{Kind: "unread", Op: *c.create,
		Detail: fmt.Sprintf("unread: collection %s was not dropped but has no ok read after its last insert", c.name)})
}

// checkRead checks one ok read of the collection.
func (c *churnColl) checkRead(res *ChurnResult, sets *churnSets, r Op) {
	if r.CompleteNs >= c.firstDrop {
		return // a drop may have happened before the read
	}
	res.Reads++
	var due []int64 // ids acknowledged before the read was invoked
	for id, t := range c.acked {
		if t < r.InvokeNs {
			due = append(due, id)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i] < due[j] })
	if r.Read == ChurnReadAbsent {
		created := c.createOK && c.create.CompleteNs < r.InvokeNs
		if created || len(due) > 0 {
			for _, id := range due {
				sets.lost[id] = true
			}
			res.Violations.add(Violation{Kind: "lost-collection", Op: r,
				Detail: fmt.Sprintf("lost-collection: %s is gone (create %s, %d rows acknowledged before the read), "+
					"no drop invoked", c.name, c.create.Type, len(due))})
		}
		return
	}
	if !c.createOK && !c.createInfo {
		res.Violations.add(Violation{Kind: "unexpected-collection", Op: r,
			Detail: fmt.Sprintf("unexpected-collection: %s exists although its create failed: %s", c.name, c.create)})
	}
	found := toSet(r.Found)
	var missing []int64
	for _, id := range due {
		if !found[id] {
			sets.lost[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		res.Violations.add(Violation{Kind: "lost-rows", Op: r,
			Detail: fmt.Sprintf("lost-rows: collection %s: %d of %d rows acknowledged before the read missing: %s",
				c.name, len(missing), len(due), fmtIDs(missing))})
	}
	for id := range found {
		switch {
		case c.ok[id]:
		case c.info[id]:
			sets.recovered[id] = true
		case c.fail[id]:
			sets.fbp[id] = true
		default:
			sets.unexpected[id] = true
		}
	}
}

func validChurnOp(op Op) bool {
	if op.Key == "" || !validType(op.Type) {
		return false
	}
	switch op.F {
	case "create", "drop":
		return true
	case "insert":
		return len(op.IDs) > 0
	case "read":
		return op.Read == ChurnReadQuery || op.Read == ChurnReadAbsent
	}
	return false
}
