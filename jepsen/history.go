package jepsen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Op types.
const (
	TypeOK   = "ok"   // the op took effect / the read returned this
	TypeFail = "fail" // the op definitely did not happen
	TypeInfo = "info" // outcome unknown
)

// Workload names.
const (
	WorkloadRegister = "register"
	WorkloadSet      = "set"
	WorkloadDelete   = "delete"
	WorkloadSession  = "session"
	WorkloadChurn    = "churn"
	// WorkloadImport is the set workload whose ids arrive by bulk import
	// jobs (a JSON file per op in MinIO), not by insert requests.
	WorkloadImport = "import"
	// WorkloadTTL is the set workload on a collection with a TTL longer
	// than the run: every read filters by expiry, nothing may vanish.
	WorkloadTTL     = "ttl"
	WorkloadNemesis = "nemesis"
)

// NemesisClient is the Client id of nemesis events.
const NemesisClient = -1

// MaxListed caps every list of offending ops or ids kept in a result;
// counts stay exact.
const MaxListed = 20

// Op is one client operation or nemesis event. Times are nanoseconds since
// the run started.
type Op struct {
	Client     int     `json:"client"`          // worker id; nemesis uses -1
	Node       string  `json:"node,omitempty"`  // node the client talked to
	Workload   string  `json:"workload"`        // "register" | "set" | "delete" | "session" | "churn" | "nemesis"
	F          string  `json:"f"`               // operation, per workload
	Key        string  `json:"key,omitempty"`   // register / session key; churn: collection name
	IDs        []int64 `json:"ids,omitempty"`   // ids written / asked for
	Value      *int64  `json:"value,omitempty"` // value written, or value read (nil = key absent)
	Found      []int64 `json:"found,omitempty"` // ids a read returned
	Read       string  `json:"read,omitempty"`  // delete reads: "get" | "query" | "search"; churn reads: "query" | "absent"
	Token      string  `json:"token,omitempty"` // session token returned by a write / sent by a read
	Fault      string  `json:"fault,omitempty"` // nemesis: description
	InvokeNs   int64   `json:"invoke_ns"`
	CompleteNs int64   `json:"complete_ns"`
	Type       string  `json:"type"` // "ok" | "fail" | "info"
	Err        string  `json:"err,omitempty"`
}

// Latency is the time between invocation and completion.
func (o Op) Latency() time.Duration { return time.Duration(o.CompleteNs - o.InvokeNs) }

// String renders the op compactly for reports.
func (o Op) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "c%d %s %s", o.Client, o.Workload, o.F)
	if o.Key != "" {
		fmt.Fprintf(&b, " key=%s", o.Key)
	}
	if len(o.IDs) > 0 {
		fmt.Fprintf(&b, " ids=%s", fmtIDs(o.IDs))
	}
	if o.Value != nil {
		fmt.Fprintf(&b, " value=%d", *o.Value)
	} else if o.F == "read" && o.Key != "" && o.Workload != WorkloadChurn {
		b.WriteString(" value=nil")
	}
	if o.Read != "" {
		fmt.Fprintf(&b, " via=%s", o.Read)
	}
	if o.Found != nil {
		fmt.Fprintf(&b, " found=%s", fmtIDs(o.Found))
	}
	if o.Fault != "" {
		fmt.Fprintf(&b, " fault=%q", o.Fault)
	}
	fmt.Fprintf(&b, " %s [%s, %s]", o.Type, fmtNs(o.InvokeNs), fmtNs(o.CompleteNs))
	if o.Node != "" {
		fmt.Fprintf(&b, " @%s", o.Node)
	}
	if o.Err != "" {
		fmt.Fprintf(&b, " err=%q", o.Err)
	}
	return b.String()
}

func fmtIDs(ids []int64) string {
	const show = 8
	if len(ids) <= show {
		return fmt.Sprint(ids)
	}
	return fmt.Sprintf("%v…(%d)", ids[:show], len(ids))
}

func fmtNs(ns int64) string {
	return fmt.Sprintf("%.3fs", float64(ns)/1e9)
}

// Recorder appends ops to a JSONL writer and keeps them in memory. It is
// safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	ops   []Op
}

// NewRecorder returns a Recorder writing one JSON line per op to w (which
// may be nil to keep ops in memory only). start is the run's time origin.
func NewRecorder(w io.Writer, start time.Time) *Recorder {
	return &Recorder{w: w, start: start}
}

// Since converts a wall-clock instant to nanoseconds since the run started.
func (r *Recorder) Since(t time.Time) int64 { return t.Sub(r.start).Nanoseconds() }

// Record keeps op and writes it as one JSON line. The op is kept even if
// the write fails.
func (r *Recorder) Record(op Op) error {
	line, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("jepsen: encode op: %w", err)
	}
	line = append(line, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	if r.w == nil {
		return nil
	}
	if _, err := r.w.Write(line); err != nil {
		return fmt.Errorf("jepsen: write history: %w", err)
	}
	return nil
}

// Ops returns a copy of the recorded ops sorted by invoke time.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	ops := append([]Op(nil), r.ops...)
	r.mu.Unlock()
	SortOps(ops)
	return ops
}

// SortOps sorts ops in place by invoke time, then completion time; the
// sort is stable so equal ops keep their recorded order.
func SortOps(ops []Op) {
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].InvokeNs != ops[j].InvokeNs {
			return ops[i].InvokeNs < ops[j].InvokeNs
		}
		return ops[i].CompleteNs < ops[j].CompleteNs
	})
}

// WriteHistory writes ops as JSON lines.
func WriteHistory(w io.Writer, ops []Op) error {
	enc := json.NewEncoder(w)
	for i, op := range ops {
		if err := enc.Encode(op); err != nil {
			return fmt.Errorf("jepsen: write op %d: %w", i, err)
		}
	}
	return nil
}

// ReadHistory parses a JSONL history; blank lines are skipped. Ops are
// returned sorted by invoke time. Errors name the 1-based line number.
func ReadHistory(r io.Reader) ([]Op, error) {
	br := bufio.NewReader(r)
	var ops []Op
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			op, perr := parseOp(line)
			if perr != nil {
				return nil, fmt.Errorf("jepsen: history line %d: %w", n, perr)
			}
			ops = append(ops, op)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("jepsen: read history line %d: %w", n, err)
		}
	}
	SortOps(ops)
	return ops, nil
}

func parseOp(line []byte) (Op, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var op Op
	if err := dec.Decode(&op); err != nil {
		return Op{}, fmt.Errorf("decode: %w", err)
	}
	switch op.Type {
	case TypeOK, TypeFail, TypeInfo:
	default:
		return Op{}, fmt.Errorf("bad type %q (want ok, fail or info)", op.Type)
	}
	if op.CompleteNs < op.InvokeNs {
		return Op{}, fmt.Errorf("complete_ns %d before invoke_ns %d", op.CompleteNs, op.InvokeNs)
	}
	return op, nil
}

// Split groups ops by workload, keeping their order.
func Split(ops []Op) map[string][]Op {
	m := make(map[string][]Op)
	for _, op := range ops {
		m[op.Workload] = append(m[op.Workload], op)
	}
	return m
}

// workloadOps returns the ops of one workload, sorted by invoke time.
func workloadOps(ops []Op, workload string) []Op {
	var out []Op
	for _, op := range ops {
		if op.Workload == workload {
			out = append(out, op)
		}
	}
	SortOps(out)
	return out
}

// Violation is one offending op found by a checker.
type Violation struct {
	Kind   string `json:"kind"`   // e.g. "resurrected", "read-your-writes"
	Detail string `json:"detail"` // why the op is a violation
	Op     Op     `json:"op"`     // the offending op (usually a read)
}

// ViolationList holds the first MaxListed violations and the exact count.
type ViolationList struct {
	Count int         `json:"count"`
	Items []Violation `json:"items,omitempty"`
}

func (l *ViolationList) add(v Violation) {
	l.Count++
	if len(l.Items) < MaxListed {
		l.Items = append(l.Items, v)
	}
}

// IDList holds the smallest MaxListed ids of a set and its exact size.
type IDList struct {
	Count int     `json:"count"`
	IDs   []int64 `json:"ids,omitempty"`
}

func newIDList(set map[int64]bool) IDList {
	ids := sortedIDs(set)
	if len(ids) > MaxListed {
		ids = ids[:MaxListed]
	}
	if len(ids) == 0 {
		ids = nil
	}
	return IDList{Count: len(set), IDs: ids}
}

// String renders "N" or "N [ids…]".
func (l IDList) String() string {
	if l.Count == 0 {
		return "0"
	}
	more := ""
	if l.Count > len(l.IDs) {
		more = " …"
	}
	return fmt.Sprintf("%d %v%s", l.Count, l.IDs, more)
}

// sortedIDs returns the members of set in increasing order.
func sortedIDs(set map[int64]bool) []int64 {
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
