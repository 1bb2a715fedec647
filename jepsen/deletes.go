package jepsen

import (
	"fmt"
	"math"
)

// DeleteResult is the outcome of the delete check.
type DeleteResult struct {
	Inserts     int            `json:"inserts"` // ok inserts
	Deletes     int            `json:"deletes"` // ok deletes
	Reads       int            `json:"reads"`   // ok reads
	ReadsByKind map[string]int `json:"reads_by_kind,omitempty"`
	// Resurrected: ok reads that found an id whose ok delete had completed
	// before the read was invoked, with no insert that could explain it.
	Resurrected ViolationList `json:"resurrected"`
	// LostBeforeDelete: ok reads invoked after an ok insert completed and
	// completed before any delete was invoked that did not find the id.
	LostBeforeDelete ViolationList `json:"lost_before_delete"`
	Malformed        int           `json:"malformed"`
}

// Valid reports whether no deleted id came back and no acknowledged insert
// was invisible before its delete.
func (r DeleteResult) Valid() bool {
	return r.Resurrected.Count == 0 && r.LostBeforeDelete.Count == 0 && r.Malformed == 0
}

// Summary is a one-line description.
func (r DeleteResult) Summary() string {
	s := fmt.Sprintf("delete: %d inserts, %d deletes, %d reads %v; resurrected %d, lost-before-delete %d",
		r.Inserts, r.Deletes, r.Reads, r.ReadsByKind, r.Resurrected.Count, r.LostBeforeDelete.Count)
	if r.Malformed > 0 {
		s += fmt.Sprintf(", %d malformed ops", r.Malformed)
	}
	return s
}

// idHistory is what happened to one id.
type idHistory struct {
	inserts []Op // ok and info
	deletes []Op // ok
	// firstDelete is the earliest invoke of an ok or info delete.
	firstDelete int64
}

// CheckDelete checks the delete ops in ops.
func CheckDelete(ops []Op) DeleteResult {
	res := DeleteResult{ReadsByKind: map[string]int{}}
	ids := make(map[int64]*idHistory)
	get := func(id int64) *idHistory {
		if ids[id] == nil {
			ids[id] = &idHistory{firstDelete: math.MaxInt64}
		}
		return ids[id]
	}
	var reads []Op
	for _, op := range workloadOps(ops, WorkloadDelete) {
		if !validDeleteOp(op) {
			res.Malformed++
			continue
		}
		if op.Type == TypeFail {
			continue
		}
		switch op.F {
		case "insert":
			res.Inserts += countOK(op)
			for _, id := range op.IDs {
				get(id).inserts = append(get(id).inserts, op)
			}
		case "delete":
			res.Deletes += countOK(op)
			for _, id := range op.IDs {
				h := get(id)
				h.firstDelete = min(h.firstDelete, op.InvokeNs)
				if op.Type == TypeOK {
					h.deletes = append(h.deletes, op)
				}
			}
		case "read":
			if op.Type == TypeOK {
				res.Reads++
				res.ReadsByKind[op.Read]++
				reads = append(reads, op)
			}
		}
	}
	for _, r := range reads {
		checkDeleteRead(&res, r, ids)
	}
	return res
}

func validDeleteOp(op Op) bool {
	switch op.F {
	case "insert", "delete":
		return len(op.IDs) > 0 && validType(op.Type)
	case "read":
		return (op.Read == "get" || op.Read == "query" || op.Read == "search") && validType(op.Type)
	}
	return false
}

func validType(t string) bool { return t == TypeOK || t == TypeInfo || t == TypeFail }

func countOK(op Op) int {
	if op.Type == TypeOK {
		return 1
	}
	return 0
}

// checkDeleteRead checks one ok read against every id it asked for or found.
func checkDeleteRead(res *DeleteResult, r Op, ids map[int64]*idHistory) {
	found := toSet(r.Found)
	for _, id := range sortedIDs(union(toSet(r.IDs), found)) {
		h := ids[id]
		if h == nil {
			continue
		}
		if found[id] {
			if d, ok := lastDeleteBefore(h, r); ok && !insertExplains(h, d, r) {
				res.Resurrected.add(Violation{Kind: "resurrected", Op: r,
					Detail: fmt.Sprintf("id %d found after its delete completed: %s", id, d)})
			}
			continue
		}
		if i, ok := insertAckedBefore(h, r); ok && r.CompleteNs < h.firstDelete {
			res.LostBeforeDelete.add(Violation{Kind: "lost-before-delete", Op: r,
				Detail: fmt.Sprintf("id %d not found after its insert completed: %s", id, i)})
		}
	}
}

// lastDeleteBefore returns the latest-invoked ok delete of the id that
// completed before r was invoked.
func lastDeleteBefore(h *idHistory, r Op) (Op, bool) {
	var best Op
	ok := false
	for _, d := range h.deletes {
		if d.CompleteNs < r.InvokeNs && (!ok || d.InvokeNs > best.InvokeNs) {
			best, ok = d, true
		}
	}
	return best, ok
}

// insertExplains reports whether some ok or info insert could have taken
// effect after delete d and before read r: it was invoked before r
// completed, and either its outcome is unknown (it may land at any time
// after its invoke) or it completed after d was invoked.
func insertExplains(h *idHistory, d, r Op) bool {
	for _, i := range h.inserts {
		if i.InvokeNs <= r.CompleteNs && (i.Type == TypeInfo || i.CompleteNs >= d.InvokeNs) {
			return true
		}
	}
	return false
}

// insertAckedBefore returns an ok insert of the id that completed before r
// was invoked.
func insertAckedBefore(h *idHistory, r Op) (Op, bool) {
	for _, i := range h.inserts {
		if i.Type == TypeOK && i.CompleteNs < r.InvokeNs {
			return i, true
		}
	}
	return Op{}, false
}
