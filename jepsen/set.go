package jepsen

import "fmt"

// SetResult is the outcome of the insert-set check.
type SetResult struct {
	Workload     string `json:"workload"`     // set, import or ttl
	Attempted    int    `json:"attempted"`    // distinct ids of any insert
	Acknowledged int    `json:"acknowledged"` // distinct ids of an ok insert
	FinalRead    bool   `json:"final_read"`   // an ok final-read exists
	FinalCount   int    `json:"final_count"`  // distinct ids it returned
	Searches     int    `json:"searches"`     // ok searches
	// Lost: acknowledged ids missing from the final read.
	Lost IDList `json:"lost"`
	// Unexpected: final ids never attempted.
	Unexpected IDList `json:"unexpected"`
	// FailedButPresent: ids whose every insert failed, yet in the final read.
	FailedButPresent IDList `json:"failed_but_present"`
	// Recovered: ids with info but no ok insert present in the final read.
	Recovered IDList `json:"recovered"`
	// SearchMissing: acknowledged ids an ok search for them did not return.
	SearchMissing IDList `json:"search_missing"`
	Malformed     int    `json:"malformed"`
}

// Valid reports whether no acknowledged id was lost, nothing unexpected or
// failed-but-present appeared, every search found its id, and a final read
// exists.
func (r SetResult) Valid() bool {
	return r.FinalRead && r.Lost.Count == 0 && r.Unexpected.Count == 0 &&
		r.FailedButPresent.Count == 0 && r.SearchMissing.Count == 0 && r.Malformed == 0
}

// Summary is a one-line description.
func (r SetResult) Summary() string {
	if !r.FinalRead {
		return fmt.Sprintf("%s: no ok final-read (%d attempted, %d acknowledged)",
			r.Workload, r.Attempted, r.Acknowledged)
	}
	s := fmt.Sprintf("%s: %d attempted, %d acknowledged, %d final; lost %d, unexpected %d, "+
		"failed-but-present %d, recovered %d, search-missing %d of %d searches",
		r.Workload, r.Attempted, r.Acknowledged, r.FinalCount, r.Lost.Count, r.Unexpected.Count,
		r.FailedButPresent.Count, r.Recovered.Count, r.SearchMissing.Count, r.Searches)
	if r.Malformed > 0 {
		s += fmt.Sprintf(", %d malformed ops", r.Malformed)
	}
	return s
}

// setState collects, per id, the types of its insert attempts.
type setState struct {
	ok, info, fail map[int64]bool
	final          map[int64]bool
	missing        map[int64]bool
	res            SetResult
}

// setWorkloads are the workloads CheckInsertSet checks: ids that are
// inserted once each, then read back at the end.
var setWorkloads = []string{WorkloadSet, WorkloadImport, WorkloadTTL}

// CheckSet checks the set ops in ops. The last ok final-read (by completion
// time) is the final state.
func CheckSet(ops []Op) SetResult { return CheckInsertSet(ops, WorkloadSet) }

// CheckInsertSet checks one set workload's ops (set, import or ttl): an
// "insert" op names the ids it brought in, by insert request or by import
// job.
func CheckInsertSet(ops []Op, workload string) SetResult {
	s := &setState{ok: map[int64]bool{}, info: map[int64]bool{}, fail: map[int64]bool{},
		missing: map[int64]bool{}, res: SetResult{Workload: workload}}
	set := workloadOps(ops, workload)
	for _, op := range set {
		s.observe(op)
	}
	if final, ok := lastFinalRead(set, workload); ok {
		s.final = toSet(final.Found)
	}
	for _, op := range set {
		if op.F == "search" && op.Type == TypeOK {
			s.search(op)
		}
	}
	return s.result()
}

func (s *setState) observe(op Op) {
	switch op.F {
	case "insert":
		m := map[string]map[int64]bool{TypeOK: s.ok, TypeInfo: s.info, TypeFail: s.fail}[op.Type]
		if len(op.IDs) == 0 || m == nil {
			s.res.Malformed++
			return
		}
		for _, id := range op.IDs {
			m[id] = true
		}
	case "final-read":
	case "search":
		if len(op.IDs) == 0 {
			s.res.Malformed++
		}
	default:
		s.res.Malformed++
	}
}

func (s *setState) search(op Op) {
	s.res.Searches++
	found := toSet(op.Found)
	for _, id := range op.IDs {
		if s.ok[id] && !found[id] {
			s.missing[id] = true
		}
	}
}

func (s *setState) result() SetResult {
	r := s.res
	attempted := union(s.ok, s.info, s.fail)
	r.Attempted, r.Acknowledged = len(attempted), len(s.ok)
	r.FinalRead, r.FinalCount = s.final != nil, len(s.final)
	lost, unexpected, fbp, recovered := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	if r.FinalRead {
		for id := range s.ok {
			if !s.final[id] {
				lost[id] = true
			}
		}
		for id := range s.final {
			switch {
			case !attempted[id]:
				unexpected[id] = true
			case s.ok[id]:
			case s.info[id]:
				recovered[id] = true
			default:
				fbp[id] = true
			}
		}
	}
	r.Lost, r.Unexpected = newIDList(lost), newIDList(unexpected)
	r.FailedButPresent, r.Recovered = newIDList(fbp), newIDList(recovered)
	r.SearchMissing = newIDList(s.missing)
	return r
}

func toSet(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func union(sets ...map[int64]bool) map[int64]bool {
	m := make(map[int64]bool)
	for _, s := range sets {
		for id := range s {
			m[id] = true
		}
	}
	return m
}
