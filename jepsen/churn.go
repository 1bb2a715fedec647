package jepsen

import (
	"fmt"
	"sort"
)

// Churn workload ops (Op.Key is the collection's name, unique per run):
//
//	create  collections/create of a fresh collection
//	insert  rows with never-reused ids (Op.IDs) into one collection
//	drop    collections/drop
//	read    the final read of a collection that was not dropped, after the
//	        last heal: Read "query" (it exists; Found = the attempted ids it
//	        holds, read at Strong) or "absent" (a Strong describe said it
//	        does not exist)
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
	Live          int `json:"live"`           // collections checked: no ok or info drop
	Read          int `json:"read"`           // live collections with an ok final read
	Attempted     int `json:"attempted"`      // distinct ids of any insert
	Acknowledged  int `json:"acknowledged"`   // distinct ids of an ok insert
	Checked       int `json:"checked"`        // acknowledged ids in live collections
	// Lost: acknowledged ids of live collections missing from their final
	// read (including every acknowledged id of a lost collection).
	Lost IDList `json:"lost"`
	// Unexpected: ids a final read returned that no insert into that
	// collection attempted.
	Unexpected IDList `json:"unexpected"`
	// FailedButPresent: ids whose every insert failed, yet read.
	FailedButPresent IDList `json:"failed_but_present"`
	// Recovered: ids with an info but no ok insert that were read.
	Recovered IDList `json:"recovered"`
	// Violations: one per offending collection: "lost-rows" (the final
	// read misses acknowledged rows), "lost-collection" (absent although
	// its create or an insert into it was acknowledged),
	// "unexpected-collection" (exists although its create failed) and
	// "unread" (a live collection without an ok final read).
	Violations ViolationList `json:"violations"`
	Malformed  int           `json:"malformed"`
}

// Valid reports whether no acknowledged row of a live collection was
// lost, nothing unexpected appeared, every live collection was read and
// every op was understood.
func (r ChurnResult) Valid() bool {
	return r.Lost.Count == 0 && r.Unexpected.Count == 0 && r.FailedButPresent.Count == 0 &&
		r.Violations.Count == 0 && r.Malformed == 0
}

// Summary is a one-line description.
func (r ChurnResult) Summary() string {
	s := fmt.Sprintf("churn: %d collections, created %d (%d unknown), dropped %d (%d unknown), %d live, %d read; "+
		"rows attempted %d, acknowledged %d, checked %d; lost %d, unexpected %d, failed-but-present %d, "+
		"recovered %d, collection violations %d",
		r.Collections, r.Created, r.CreateUnknown, r.Dropped, r.DropUnknown, r.Live, r.Read,
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
	ok, info, fail map[int64]bool // insert attempts per id
	final          *Op            // last ok final read by completion
}

// CheckChurn checks the churn ops in ops. Collections with an ok or info
// drop are not checked; every other collection must have an ok final
// read, which must hold each acknowledged id and nothing never attempted
// or definitely failed. A collection whose create is info may be absent
// unless an insert into it was acknowledged.
func CheckChurn(ops []Op) ChurnResult {
	var res ChurnResult
	colls := map[string]*churnColl{}
	get := func(name string) *churnColl {
		if colls[name] == nil {
			colls[name] = &churnColl{name: name, ok: map[int64]bool{}, info: map[int64]bool{}, fail: map[int64]bool{}}
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
			}
		case "drop":
			c.dropOK = c.dropOK || op.Type == TypeOK
			c.dropInfo = c.dropInfo || op.Type == TypeInfo
		case "read":
			if op.Type == TypeOK && (c.final == nil || op.CompleteNs >= c.final.CompleteNs) {
				o := op
				c.final = &o
			}
		}
	}
	names := make([]string, 0, len(colls))
	for name := range colls {
		names = append(names, name)
	}
	sort.Strings(names)
	lost, unexpected, fbp, recovered := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
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
			continue
		case c.dropInfo:
			res.DropUnknown++
			continue
		}
		res.Live++
		res.Checked += len(c.ok)
		c.check(&res, lost, unexpected, fbp, recovered)
	}
	res.Attempted, res.Acknowledged = len(attempted), len(acked)
	res.Lost, res.Unexpected = newIDList(lost), newIDList(unexpected)
	res.FailedButPresent, res.Recovered = newIDList(fbp), newIDList(recovered)
	return res
}

// check compares one live collection's final read with its inserts.
func (c *churnColl) check(res *ChurnResult, lost, unexpected, fbp, recovered map[int64]bool) {
	if c.final == nil {
		res.Violations.add(Violation{Kind: "unread", Op: *c.create,
			Detail: fmt.Sprintf("unread: collection %s was not dropped but has no ok final read", c.name)})
		return
	}
	res.Read++
	if c.final.Read == ChurnReadAbsent {
		if c.createOK || len(c.ok) > 0 {
			for id := range c.ok {
				lost[id] = true
			}
			res.Violations.add(Violation{Kind: "lost-collection", Op: *c.final,
				Detail: fmt.Sprintf("lost-collection: %s is gone (create %s, %d acknowledged rows), never dropped",
					c.name, c.create.Type, len(c.ok))})
		}
		return
	}
	if !c.createOK && !c.createInfo {
		res.Violations.add(Violation{Kind: "unexpected-collection", Op: *c.final,
			Detail: fmt.Sprintf("unexpected-collection: %s exists although its create failed: %s", c.name, c.create)})
	}
	found := toSet(c.final.Found)
	var missing []int64
	for id := range c.ok {
		if !found[id] {
			lost[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
		res.Violations.add(Violation{Kind: "lost-rows", Op: *c.final,
			Detail: fmt.Sprintf("lost-rows: collection %s: %d of %d acknowledged rows missing: %s",
				c.name, len(missing), len(c.ok), fmtIDs(missing))})
	}
	for id := range found {
		switch {
		case c.ok[id]:
		case c.info[id]:
			recovered[id] = true
		case c.fail[id]:
			fbp[id] = true
		default:
			unexpected[id] = true
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
