package jepsen

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// timelineCheckTimeout bounds the linearizability check WriteTimeline runs
// to obtain porcupine's partial linearizations.
const timelineCheckTimeout = time.Minute

// Annotation colours.
const (
	faultColour     = "#f6d5a8"
	violationColour = "#f4a6a6"
)

// WriteTimeline writes an HTML timeline of ops to path: porcupine's
// visualization of the register partitions, with one annotation per fault
// window (row "nemesis") and per set/delete/session/churn violation (row
// "violations").
func WriteTimeline(path string, ops []Op) (err error) {
	_, info := checkRegister(ops, timelineCheckTimeout)
	info.AddAnnotations(faultAnnotations(FaultWindows(ops)))
	info.AddAnnotations(violationAnnotations(ops))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("jepsen: create timeline: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("jepsen: close timeline: %w", cerr))
		}
	}()
	if err := porcupine.Visualize(registerModel(), info, f); err != nil {
		return fmt.Errorf("jepsen: write timeline: %w", err)
	}
	return nil
}

func faultAnnotations(ws []Window) []porcupine.Annotation {
	out := make([]porcupine.Annotation, 0, len(ws))
	for _, w := range ws {
		details := fmt.Sprintf("%s from %s to %s", w.Fault, fmtNs(w.StartNs), fmtNs(w.EndNs))
		if !w.Healed {
			details += " (never healed)"
		}
		out = append(out, porcupine.Annotation{
			Tag: "nemesis", Start: w.StartNs, End: w.EndNs,
			Description: w.Fault, Details: details, BackgroundColor: faultColour,
		})
	}
	return out
}

// violationAnnotations marks the non-register violations, each at the
// offending op (set id lists at the final read that exposed them).
func violationAnnotations(ops []Op) []porcupine.Annotation {
	var out []porcupine.Annotation
	add := func(l ViolationList) {
		for _, v := range l.Items {
			out = append(out, violationAnnotation(v.Kind, v.Op, v.Op.String()+": "+v.Detail))
		}
	}
	d := CheckDelete(ops)
	add(d.Resurrected)
	add(d.LostBeforeDelete)
	s := CheckSession(ops)
	add(s.ReadYourWrites)
	add(s.Monotonic)
	add(s.Phantom)
	add(CheckChurn(ops).Violations)
	for _, wl := range setWorkloads {
		out = append(out, setViolations(ops, wl)...)
	}
	return out
}

// setViolations marks a set workload's final read with what it lacks.
func setViolations(ops []Op, wl string) []porcupine.Annotation {
	final, ok := lastFinalRead(ops, wl)
	if !ok {
		return nil
	}
	set := CheckInsertSet(ops, wl)
	var out []porcupine.Annotation
	for _, l := range []struct {
		kind string
		ids  IDList
	}{{"lost", set.Lost}, {"unexpected", set.Unexpected},
		{"failed-but-present", set.FailedButPresent}, {"search-missing", set.SearchMissing}} {
		if l.ids.Count > 0 {
			out = append(out, violationAnnotation(l.kind, final, fmt.Sprintf("%s %s: %s", wl, l.kind, l.ids)))
		}
	}
	return out
}

func violationAnnotation(kind string, op Op, details string) porcupine.Annotation {
	return porcupine.Annotation{
		Tag: "violations", Start: op.InvokeNs, End: op.CompleteNs,
		Description: kind, Details: details, BackgroundColor: violationColour,
	}
}

// lastFinalRead returns the ok set final-read CheckSet uses.
func lastFinalRead(ops []Op, workload string) (Op, bool) {
	var best Op
	found := false
	for _, op := range workloadOps(ops, workload) {
		if op.F == "final-read" && op.Type == TypeOK &&
			(!found || op.CompleteNs >= best.CompleteNs) {
			best, found = op, true
		}
	}
	return best, found
}
