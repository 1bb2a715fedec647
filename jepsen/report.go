package jepsen

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// RunMeta describes a run; the harness fills it in.
type RunMeta struct {
	Workloads    []string                     `json:"workloads"`
	Fault        string                       `json:"fault"`
	Seed         int64                        `json:"seed"`
	Nodes        int                          `json:"nodes"`
	QueryNodes   int                          `json:"queryNodes,omitempty"`
	Duration     time.Duration                `json:"duration_ns"`
	StateHashes  map[string]map[string]string `json:"state_hashes,omitempty"` // group -> node -> hash
	HashesEqual  bool                         `json:"hashes_equal"`
	FinalWriteOK bool                         `json:"final_write_ok"`
	Notes        []string                     `json:"notes,omitempty"`
}

// Counts are the headline anomaly counts of a run. Lost = set lost +
// delete lost-before-delete + churn lost; Unexpected and Recovered = set's
// + churn's; Stale = session read-your-writes + monotonic
// violations (register stale reads show as a non-Ok linearizability result).
type Counts struct {
	Lost        int `json:"lost"`
	Unexpected  int `json:"unexpected"`
	Recovered   int `json:"recovered"`
	Stale       int `json:"stale"`
	Resurrected int `json:"resurrected"`
}

// Report combines run metadata, statistics and checker results.
type Report struct {
	Meta      RunMeta         `json:"meta"`
	Workloads []string        `json:"workloads"` // checked: meta's and the history's
	Stats     Stats           `json:"stats"`
	Register  *RegisterResult `json:"register,omitempty"`
	Set       *SetResult      `json:"set,omitempty"`
	Import    *SetResult      `json:"import,omitempty"`
	TTL       *SetResult      `json:"ttl,omitempty"`
	Delete    *DeleteResult   `json:"delete,omitempty"`
	Session   *SessionResult  `json:"session,omitempty"`
	Churn     *ChurnResult    `json:"churn,omitempty"`
	// UnknownWorkloads are workloads no checker knows; they fail the run.
	UnknownWorkloads []string `json:"unknown_workloads,omitempty"`
}

// Analyze runs every checker whose workload is named in meta.Workloads or
// appears in ops ("insert-set" is an alias of "set"), and computes stats.
func Analyze(meta RunMeta, ops []Op, linTimeout time.Duration) *Report {
	r := &Report{Meta: meta, Stats: ComputeStats(ops), Workloads: runWorkloads(meta, ops)}
	for _, w := range r.Workloads {
		switch w {
		case WorkloadRegister:
			res := CheckRegister(ops, linTimeout)
			r.Register = &res
		case WorkloadSet:
			res := CheckSet(ops)
			r.Set = &res
		case WorkloadImport:
			res := CheckInsertSet(ops, WorkloadImport)
			r.Import = &res
		case WorkloadTTL:
			res := CheckInsertSet(ops, WorkloadTTL)
			r.TTL = &res
		case WorkloadDelete:
			res := CheckDelete(ops)
			r.Delete = &res
		case WorkloadSession:
			res := CheckSession(ops)
			r.Session = &res
		case WorkloadChurn:
			res := CheckChurn(ops)
			r.Churn = &res
		default:
			r.UnknownWorkloads = append(r.UnknownWorkloads, w)
		}
	}
	return r
}

// runWorkloads is the sorted union of meta's and the history's workloads.
func runWorkloads(meta RunMeta, ops []Op) []string {
	set := make(map[string]bool)
	for _, w := range meta.Workloads {
		if w == "insert-set" {
			w = WorkloadSet
		}
		set[w] = true
	}
	for _, op := range ops {
		set[op.Workload] = true
	}
	delete(set, WorkloadNemesis)
	out := make([]string, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// Counts sums the anomaly counts of the checkers that ran.
func (r *Report) Counts() Counts {
	var c Counts
	for _, s := range []*SetResult{r.Set, r.Import, r.TTL} {
		if s != nil {
			c.Lost += s.Lost.Count
			c.Unexpected += s.Unexpected.Count
			c.Recovered += s.Recovered.Count
		}
	}
	if r.Delete != nil {
		c.Lost += r.Delete.LostBeforeDelete.Count
		c.Resurrected += r.Delete.Resurrected.Count
	}
	if r.Session != nil {
		c.Stale += r.Session.Stale()
	}
	if r.Churn != nil {
		c.Lost += r.Churn.Lost.Count
		c.Unexpected += r.Churn.Unexpected.Count
		c.Recovered += r.Churn.Recovered.Count
	}
	return c
}

// Failures lists every reason the run fails; empty when it passes.
func (r *Report) Failures() []string {
	var f []string
	for _, c := range r.checks() {
		if !c.valid {
			f = append(f, c.summary)
		}
	}
	for _, w := range r.UnknownWorkloads {
		f = append(f, fmt.Sprintf("workload %q has no checker", w))
	}
	if !r.Meta.HashesEqual || !hashesAgree(r.Meta.StateHashes) {
		f = append(f, "replica state hashes differ")
	}
	if !r.Meta.FinalWriteOK {
		f = append(f, "final write after heal did not succeed")
	}
	return f
}

// Valid reports whether every checker passed, the state hashes are equal
// and the final write succeeded.
func (r *Report) Valid() bool { return len(r.Failures()) == 0 }

// Result is "PASS" or "FAIL".
func (r *Report) Result() string {
	if r.Valid() {
		return "PASS"
	}
	return "FAIL"
}

// hashesAgree reports whether every group's nodes have one hash.
func hashesAgree(h map[string]map[string]string) bool {
	for _, nodes := range h {
		first, seen := "", false
		for _, hash := range nodes {
			if seen && hash != first {
				return false
			}
			first, seen = hash, true
		}
	}
	return true
}

type check struct {
	valid   bool
	summary string
	lists   []namedList
}

type namedList struct {
	name  string
	ids   *IDList
	items *ViolationList
}

// checks returns the results of the checkers that ran, in a fixed order.
func (r *Report) checks() []check {
	var cs []check
	if r.Register != nil {
		cs = append(cs, check{r.Register.Valid(), r.Register.Summary(),
			[]namedList{{name: "not linearizable", items: &r.Register.Suspects}}})
	}
	for _, s := range []*SetResult{r.Set, r.Import, r.TTL} {
		if s != nil {
			cs = append(cs, check{s.Valid(), s.Summary(), []namedList{
				{name: "lost", ids: &s.Lost}, {name: "unexpected", ids: &s.Unexpected},
				{name: "failed-but-present", ids: &s.FailedButPresent},
				{name: "recovered", ids: &s.Recovered}, {name: "search-missing", ids: &s.SearchMissing}}})
		}
	}
	if d := r.Delete; d != nil {
		cs = append(cs, check{d.Valid(), d.Summary(), []namedList{
			{name: "resurrected", items: &d.Resurrected},
			{name: "lost-before-delete", items: &d.LostBeforeDelete}}})
	}
	if s := r.Session; s != nil {
		cs = append(cs, check{s.Valid(), s.Summary(), []namedList{
			{name: "read-your-writes", items: &s.ReadYourWrites},
			{name: "monotonic", items: &s.Monotonic}, {name: "phantom", items: &s.Phantom}}})
	}
	if c := r.Churn; c != nil {
		cs = append(cs, check{c.Valid(), c.Summary(), []namedList{
			{name: "lost", ids: &c.Lost}, {name: "unexpected", ids: &c.Unexpected},
			{name: "failed-but-present", ids: &c.FailedButPresent}, {name: "recovered", ids: &c.Recovered},
			{name: "collections", items: &c.Violations}}})
	}
	return cs
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	type plain Report // no methods, so no recursion
	out := struct {
		*plain
		Counts   Counts   `json:"counts"`
		Failures []string `json:"failures,omitempty"`
		Result   string   `json:"result"`
	}{(*plain)(r), r.Counts(), r.Failures(), r.Result()}
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("jepsen: write report json: %w", err)
	}
	return nil
}

// joinSorted renders map keys in order as "k=v k=v".
func joinSorted(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}

// textWriter remembers the first write error.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) f(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format+"\n", args...)
	}
}

// WriteText writes a readable report ending with "RESULT: PASS" or
// "RESULT: FAIL" on its own line.
func (r *Report) WriteText(w io.Writer) error {
	t := &textWriter{w: w}
	m, o := r.Meta, r.Stats.Overall
	t.f("== raftvec jepsen run ==")
	t.f("workloads   %s", strings.Join(r.Workloads, ", "))
	t.f("fault       %s", m.Fault)
	t.f("seed        %d", m.Seed)
	if m.QueryNodes > 0 {
		t.f("nodes       %d + %d query-only", m.Nodes, m.QueryNodes)
	} else {
		t.f("nodes       %d", m.Nodes)
	}
	t.f("duration    %s", m.Duration)
	t.f("ops         attempted %d  ok %d  fail %d  info %d", o.Attempted, o.OK, o.Fail, o.Info)
	t.f("latency     p50 %s  p99 %s", o.P50, o.P99)
	t.f("throughput  before %s  during %s  between %s  after %s", o.Before, o.During, o.Between, o.After)
	for _, ws := range r.Stats.Workloads {
		t.f("  %-9s attempted %d  ok %d  fail %d  info %d  p50 %s  p99 %s  before %.1f/s  during %.1f/s  after %.1f/s",
			ws.Workload, ws.Attempted, ws.OK, ws.Fail, ws.Info, ws.P50, ws.P99,
			ws.Before.Throughput, ws.During.Throughput, ws.After.Throughput)
	}
	r.writeWindows(t)
	r.writeChecks(t)
	c := r.Counts()
	t.f("counts      lost %d  unexpected %d  recovered %d  stale %d  resurrected %d",
		c.Lost, c.Unexpected, c.Recovered, c.Stale, c.Resurrected)
	r.writeEnd(t)
	if t.err != nil {
		return fmt.Errorf("jepsen: write report: %w", t.err)
	}
	return nil
}

func (r *Report) writeWindows(t *textWriter) {
	t.f("fault windows (%d)", len(r.Stats.Windows))
	for _, w := range r.Stats.Windows {
		healed := ""
		if !w.Healed {
			healed = " (never healed)"
		}
		t.f("  [%s, %s] %s%s", fmtNs(w.StartNs), fmtNs(w.EndNs), w.Fault, healed)
	}
}

func (r *Report) writeChecks(t *textWriter) {
	t.f("checks")
	for _, c := range r.checks() {
		mark := "PASS"
		if !c.valid {
			mark = "FAIL"
		}
		t.f("  [%s] %s", mark, c.summary)
		for _, l := range c.lists {
			writeList(t, l)
		}
	}
}

func writeList(t *textWriter, l namedList) {
	if l.ids != nil && l.ids.Count > 0 {
		t.f("      %s: %s", l.name, l.ids)
	}
	if l.items == nil || l.items.Count == 0 {
		return
	}
	t.f("      %s: %d", l.name, l.items.Count)
	for _, v := range l.items.Items {
		t.f("        %s — %s", v.Op, v.Detail)
	}
	if more := l.items.Count - len(l.items.Items); more > 0 {
		t.f("        … and %d more", more)
	}
}

func (r *Report) writeEnd(t *textWriter) {
	if reg := r.Register; reg != nil {
		t.f("linearizability  %s in %s (timeout %s)", reg.Result, reg.Elapsed.Round(time.Microsecond), reg.Timeout)
	} else {
		t.f("linearizability  not checked (no register workload)")
	}
	eq := "equal"
	if !r.Meta.HashesEqual || !hashesAgree(r.Meta.StateHashes) {
		eq = "DIFFER"
	}
	t.f("state hashes     %s", eq)
	groups := make([]string, 0, len(r.Meta.StateHashes))
	for g := range r.Meta.StateHashes {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		t.f("  %s: %s", g, joinSorted(r.Meta.StateHashes[g]))
	}
	t.f("final write      %s", map[bool]string{true: "ok", false: "FAILED"}[r.Meta.FinalWriteOK])
	for _, n := range r.Meta.Notes {
		t.f("note: %s", n)
	}
	for _, f := range r.Failures() {
		t.f("failure: %s", f)
	}
	if !r.Valid() {
		t.f("replay with seed %d", r.Meta.Seed)
	}
	t.f("RESULT: %s", r.Result())
}
