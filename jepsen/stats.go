package jepsen

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Window is one fault window: from a nemesis start's invoke to the
// matching stop's completion (or the end of the history if never healed).
type Window struct {
	Fault   string `json:"fault"`
	StartNs int64  `json:"start_ns"`
	EndNs   int64  `json:"end_ns"`
	Healed  bool   `json:"healed"`
}

// Phase is the throughput of ok ops completed in one part of the run.
type Phase struct {
	OK         int     `json:"ok"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"ops_per_s"` // 0 when Seconds is 0
}

// WorkloadStats are the counts, latencies and throughput of one workload
// (or of all client ops).
type WorkloadStats struct {
	Workload  string        `json:"workload"`
	Attempted int           `json:"attempted"`
	OK        int           `json:"ok"`
	Fail      int           `json:"fail"`
	Info      int           `json:"info"`
	P50       time.Duration `json:"p50_ns"` // of ok ops
	P99       time.Duration `json:"p99_ns"`
	Before    Phase         `json:"before"`  // before the first fault
	During    Phase         `json:"during"`  // inside fault windows
	Between   Phase         `json:"between"` // healed gaps between windows
	After     Phase         `json:"after"`   // after the last heal
}

// Stats are per-workload and overall figures of a history.
type Stats struct {
	Overall   WorkloadStats   `json:"overall"`
	Workloads []WorkloadStats `json:"workloads"` // sorted by name
	Windows   []Window        `json:"windows"`
	StartNs   int64           `json:"start_ns"` // first client invoke
	EndNs     int64           `json:"end_ns"`   // last client completion
}

// FaultWindows pairs nemesis start/stop events in time order. A stop
// closes the open window with the same Fault, else the oldest open one;
// windows never stopped end at the end of the history.
func FaultWindows(ops []Op) []Window {
	nem := workloadOps(ops, WorkloadNemesis)
	var done, open []Window
	for _, op := range nem {
		switch op.F {
		case "start":
			open = append(open, Window{Fault: op.Fault, StartNs: op.InvokeNs})
		case "stop":
			if len(open) == 0 {
				continue
			}
			i := 0
			for j, w := range open {
				if w.Fault == op.Fault {
					i = j
					break
				}
			}
			w := open[i]
			w.EndNs, w.Healed = op.CompleteNs, true
			done = append(done, w)
			open = append(open[:i], open[i+1:]...)
		}
	}
	end := historyEnd(ops)
	for _, w := range open {
		w.EndNs = max(end, w.StartNs)
		done = append(done, w)
	}
	sort.SliceStable(done, func(i, j int) bool { return done[i].StartNs < done[j].StartNs })
	return done
}

// ComputeStats computes counts, latencies and phase throughput.
func ComputeStats(ops []Op) Stats {
	var client []Op
	for _, op := range ops {
		if op.Workload != WorkloadNemesis {
			client = append(client, op)
		}
	}
	st := Stats{Windows: FaultWindows(ops)}
	if len(client) > 0 {
		st.StartNs, st.EndNs = client[0].InvokeNs, client[0].CompleteNs
		for _, op := range client {
			st.StartNs, st.EndNs = min(st.StartNs, op.InvokeNs), max(st.EndNs, op.CompleteNs)
		}
	}
	st.Overall = st.workloadStats("all", client)
	byW := Split(client)
	names := make([]string, 0, len(byW))
	for name := range byW {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		st.Workloads = append(st.Workloads, st.workloadStats(name, byW[name]))
	}
	return st
}

func (st Stats) workloadStats(name string, ops []Op) WorkloadStats {
	ws := WorkloadStats{Workload: name, Attempted: len(ops)}
	var lat []time.Duration
	var done []int64
	for _, op := range ops {
		switch op.Type {
		case TypeOK:
			ws.OK++
			lat = append(lat, op.Latency())
			done = append(done, op.CompleteNs)
		case TypeFail:
			ws.Fail++
		case TypeInfo:
			ws.Info++
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ws.P50, ws.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
	ws.Before, ws.During, ws.Between, ws.After = st.phases(done)
	return ws
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// phases assigns completion times to before / during / between / after.
func (st Stats) phases(done []int64) (before, during, between, after Phase) {
	if len(st.Windows) == 0 {
		before.Seconds = secs(st.EndNs - st.StartNs)
		before.OK = len(done)
		return finish(before), during, between, after
	}
	first := st.Windows[0].StartNs
	last := st.Windows[0].EndNs
	var inside int64
	for _, w := range st.Windows {
		last = max(last, w.EndNs)
	}
	for _, iv := range mergeWindows(st.Windows) {
		inside += iv[1] - iv[0]
	}
	before.Seconds = secs(max(first-st.StartNs, 0))
	during.Seconds = secs(inside)
	after.Seconds = secs(max(st.EndNs-last, 0))
	between.Seconds = secs(max(last-first-inside, 0))
	for _, t := range done {
		switch {
		case t < first:
			before.OK++
		case t > last:
			after.OK++
		case st.inWindow(t):
			during.OK++
		default:
			between.OK++
		}
	}
	return finish(before), finish(during), finish(between), finish(after)
}

func (st Stats) inWindow(t int64) bool {
	for _, w := range st.Windows {
		if t >= w.StartNs && t <= w.EndNs {
			return true
		}
	}
	return false
}

// mergeWindows returns the union of windows as sorted [start, end] pairs.
func mergeWindows(ws []Window) [][2]int64 {
	var out [][2]int64
	for _, w := range ws { // ws is sorted by start
		if n := len(out); n > 0 && w.StartNs <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], w.EndNs)
			continue
		}
		out = append(out, [2]int64{w.StartNs, w.EndNs})
	}
	return out
}

func secs(ns int64) float64 { return float64(ns) / 1e9 }

func finish(p Phase) Phase {
	if p.Seconds > 0 {
		p.Throughput = float64(p.OK) / p.Seconds
	}
	return p
}

// String renders a phase as "12.3/s (45 ok in 3.7s)".
func (p Phase) String() string {
	if p.Seconds == 0 {
		return "n/a"
	}
	d := time.Duration(p.Seconds * 1e9).Round(time.Millisecond)
	return fmt.Sprintf("%.1f/s (%d ok in %s)", p.Throughput, p.OK, d)
}
