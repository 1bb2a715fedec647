package jepsen

import (
	"fmt"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// Linearizability outcomes, as reported by porcupine.
const (
	LinOk      = string(porcupine.Ok)
	LinIllegal = string(porcupine.Illegal)
	LinUnknown = string(porcupine.Unknown)
)

// RegisterResult is the outcome of the register linearizability check.
type RegisterResult struct {
	Result      string        `json:"result"` // "Ok" | "Illegal" | "Unknown" (timed out)
	Elapsed     time.Duration `json:"elapsed_ns"`
	Timeout     time.Duration `json:"timeout_ns"`
	Checked     int           `json:"checked"`   // ops given to porcupine
	Info        int           `json:"info"`      // info writes/deletes, open-ended
	Dropped     int           `json:"dropped"`   // failed ops, failed/info reads
	Malformed   int           `json:"malformed"` // unknown f, write without value
	Keys        int           `json:"keys"`
	IllegalKeys []string      `json:"illegal_keys,omitempty"`
	// Suspects are ops of illegal keys that appear in no partial
	// linearization (typically the stale reads).
	Suspects ViolationList `json:"suspects"`
}

// Valid reports whether porcupine proved the history linearizable and no op
// was malformed. Unknown (timeout) is not valid.
func (r RegisterResult) Valid() bool { return r.Result == LinOk && r.Malformed == 0 }

// Summary is a one-line description.
func (r RegisterResult) Summary() string {
	s := fmt.Sprintf("register: %s in %s (%d ops, %d info, %d keys)",
		r.Result, r.Elapsed.Round(time.Microsecond), r.Checked, r.Info, r.Keys)
	if len(r.IllegalKeys) > 0 {
		s += fmt.Sprintf(", illegal keys %v", r.IllegalKeys)
	}
	if r.Malformed > 0 {
		s += fmt.Sprintf(", %d malformed ops", r.Malformed)
	}
	return s
}

// regInput is the porcupine input of one register op.
type regInput struct {
	Key   string
	F     string // "write" | "read" | "delete"
	Value int64  // written value
	Info  bool   // outcome unknown (for descriptions only)
	Op    Op     // original op, for reporting
}

// regRead is the output of a read: the value seen.
type regRead struct {
	Present bool
	Value   int64
}

// regState is the per-key register state; comparable, so == works.
type regState struct {
	Present bool
	Value   int64
}

// registerModel is the per-key register specification.
func registerModel() porcupine.Model {
	return porcupine.Model{
		Partition: partitionByKey,
		Init:      func() interface{} { return regState{} },
		Step:      registerStep,
		Hash: func(s interface{}) uint64 {
			st := s.(regState)
			if !st.Present {
				return 0
			}
			return uint64(st.Value)*2 + 1
		},
		DescribeOperation: describeRegisterOp,
		DescribeState: func(s interface{}) string {
			st := s.(regState)
			if !st.Present {
				return "absent"
			}
			return fmt.Sprint(st.Value)
		},
		DescribeOperationMetadata: func(m interface{}) string {
			if s, ok := m.(string); ok {
				return s
			}
			return ""
		},
	}
}

func registerStep(state, input, output interface{}) (bool, interface{}) {
	st := state.(regState)
	in := input.(regInput)
	switch in.F {
	case "write":
		return true, regState{Present: true, Value: in.Value}
	case "delete":
		return true, regState{}
	default: // read
		out := output.(regRead)
		return out == regRead(st), st
	}
}

func describeRegisterOp(input, output interface{}) string {
	in := input.(regInput)
	q := ""
	if in.Info {
		q = " ?"
	}
	switch in.F {
	case "write":
		return fmt.Sprintf("%s: write(%d)%s", in.Key, in.Value, q)
	case "delete":
		return fmt.Sprintf("%s: delete()%s", in.Key, q)
	}
	out := output.(regRead)
	if !out.Present {
		return fmt.Sprintf("%s: read() -> absent", in.Key)
	}
	return fmt.Sprintf("%s: read() -> %d", in.Key, out.Value)
}

// partitionByKey splits a history by register key, keys sorted.
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := make(map[string][]porcupine.Operation)
	for _, op := range history {
		k := op.Input.(regInput).Key
		byKey[k] = append(byKey[k], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][]porcupine.Operation, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

// registerHistory converts register ops to porcupine operations. Failed
// ops and non-ok reads are dropped; info writes/deletes return after the
// end of the history.
func registerHistory(ops []Op) (history []porcupine.Operation, res RegisterResult) {
	ops = workloadOps(ops, WorkloadRegister)
	clients := denseClients(ops)
	end := historyEnd(ops) + 1
	for _, op := range ops {
		in, ok := registerInput(op)
		if !ok {
			res.Malformed++
			continue
		}
		if op.Type == TypeFail || (op.F == "read" && op.Type != TypeOK) {
			res.Dropped++
			continue
		}
		ret := op.CompleteNs
		if op.Type == TypeInfo {
			res.Info++
			ret = end
		}
		var out interface{}
		if op.F == "read" {
			out = readOutput(op.Value)
		}
		history = append(history, porcupine.Operation{
			ClientId: clients[op.Client],
			Input:    in,
			Call:     op.InvokeNs,
			Output:   out,
			Return:   ret,
			Metadata: fmt.Sprintf("client %d @%s %s %s", op.Client, op.Node, op.Type, op.Err),
		})
	}
	res.Checked = len(history)
	return history, res
}

func registerInput(op Op) (regInput, bool) {
	in := regInput{Key: op.Key, F: op.F, Info: op.Type == TypeInfo, Op: op}
	switch op.F {
	case "write":
		if op.Value == nil {
			return in, false
		}
		in.Value = *op.Value
	case "read", "delete":
	default:
		return in, false
	}
	return in, true
}

func readOutput(v *int64) regRead {
	if v == nil {
		return regRead{}
	}
	return regRead{Present: true, Value: *v}
}

// denseClients maps client ids to 0..n-1 in id order (porcupine draws one
// row per client id).
func denseClients(ops []Op) map[int]int {
	seen := make(map[int]bool)
	var ids []int
	for _, op := range ops {
		if !seen[op.Client] {
			seen[op.Client] = true
			ids = append(ids, op.Client)
		}
	}
	sort.Ints(ids)
	m := make(map[int]int, len(ids))
	for i, id := range ids {
		m[id] = i
	}
	return m
}

// historyEnd is the latest timestamp in ops.
func historyEnd(ops []Op) int64 {
	var end int64
	for _, op := range ops {
		end = max(end, op.InvokeNs, op.CompleteNs)
	}
	return end
}

// CheckRegister checks the register ops in ops for linearizability with
// porcupine, one partition per key, giving up after timeout (0 = none).
func CheckRegister(ops []Op, timeout time.Duration) RegisterResult {
	res, _ := checkRegister(ops, timeout)
	return res
}

func checkRegister(ops []Op, timeout time.Duration) (RegisterResult, porcupine.LinearizationInfo) {
	history, res := registerHistory(ops)
	res.Timeout = timeout
	parts := partitionByKey(history)
	res.Keys = len(parts)
	start := time.Now()
	result, info := porcupine.CheckOperationsVerbose(registerModel(), history, timeout)
	res.Elapsed = time.Since(start)
	res.Result = string(result)
	if result == porcupine.Illegal {
		findSuspects(&res, parts, info.PartialLinearizations())
	}
	return res, info
}

// findSuspects names the keys without a complete linearization and their
// ops that no partial linearization includes.
func findSuspects(res *RegisterResult, parts [][]porcupine.Operation, partials [][][]int) {
	for i, part := range parts {
		if i >= len(partials) {
			break
		}
		covered := make(map[int]bool)
		complete := false
		for _, lin := range partials[i] {
			complete = complete || len(lin) == len(part)
			for _, id := range lin {
				covered[id] = true
			}
		}
		if complete {
			continue
		}
		res.IllegalKeys = append(res.IllegalKeys, part[0].Input.(regInput).Key)
		for id, op := range part {
			if !covered[id] {
				res.Suspects.add(Violation{Kind: "not-linearizable",
					Detail: "in no linearizable prefix of its key", Op: op.Input.(regInput).Op})
			}
		}
	}
}
