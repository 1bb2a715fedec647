package jepsen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func passMeta() RunMeta {
	return RunMeta{
		Workloads: []string{"register", "insert-set", "delete", "session"},
		Fault:     "isolate-leader", Seed: 42, Nodes: 3, Duration: time.Minute,
		StateHashes: map[string]map[string]string{"vectors": {"n1": "ab", "n2": "ab", "n3": "ab"}},
		HashesEqual: true, FinalWriteOK: true, Notes: []string{"ci run"},
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAnalyzeResult(t *testing.T) {
	ops := loadHistory(t, "pass.jsonl")
	stale := rr(9, "r1", val(1), 20e6, 21e6, TypeOK) // r1 is 2 by then
	resurrect := dr("get", 20, true, 20e6, 21e6)
	tests := []struct {
		name    string
		meta    func(*RunMeta)
		ops     []Op
		result  string
		contain string
	}{
		{"clean run", nil, ops, "PASS", "linearizability  Ok"},
		{"hashes differ", func(m *RunMeta) { m.StateHashes["vectors"]["n3"] = "cd" }, ops, "FAIL", "state hashes     DIFFER"},
		{"hashes flagged unequal", func(m *RunMeta) { m.HashesEqual = false }, ops, "FAIL", "replica state hashes differ"},
		{"final write failed", func(m *RunMeta) { m.FinalWriteOK = false }, ops, "FAIL", "final write      FAILED"},
		{"stale register read", nil, append(append([]Op(nil), ops...), stale), "FAIL", "linearizability  Illegal"},
		{"resurrected delete", nil, append(append([]Op(nil), ops...), resurrect), "FAIL", "resurrected 1"},
		{"set workload without final read", nil, removeF(ops, "final-read"), "FAIL", "no ok final-read"},
		{"churn row lost", nil, append(append([]Op(nil), ops...), cc("jc_1", "create", 1e6, 2e6, TypeOK),
			cins("jc_1", 77, 2e6, 3e6, TypeOK), cread("jc_1", []int64{77}, nil, 30e6, 31e6)), "FAIL", "lost-rows"},
		{"churn dropped collection not checked", nil, append(append([]Op(nil), ops...), cc("jc_1", "create", 1e6, 2e6, TypeOK),
			cins("jc_1", 77, 2e6, 3e6, TypeOK), cc("jc_1", "drop", 4e6, 5e6, TypeOK)), "PASS", "churn: 1 collections, created 1 (0 unknown), dropped 1"},
		{"unknown workload", nil, append(append([]Op(nil), ops...), at("queue", "enqueue", 0, 1, 2, TypeOK)), "FAIL", `workload "queue" has no checker`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			meta := passMeta()
			if tc.meta != nil {
				tc.meta(&meta)
			}
			r := Analyze(meta, tc.ops, 10*time.Second)
			var buf bytes.Buffer
			if err := r.WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			if got := lastLine(text); got != "RESULT: "+tc.result {
				t.Fatalf("last line %q, want RESULT: %s\n%s", got, tc.result, text)
			}
			if r.Valid() != (tc.result == "PASS") {
				t.Fatalf("Valid() = %v, failures %v", r.Valid(), r.Failures())
			}
			if !strings.Contains(text, tc.contain) {
				t.Fatalf("report lacks %q:\n%s", tc.contain, text)
			}
		})
	}
}

func TestCountsIncludeChurn(t *testing.T) {
	ops := []Op{cc("a", "create", 0, 1, TypeOK), cins("a", 1, 1, 2, TypeOK), cins("a", 2, 1, 2, TypeInfo),
		cread("a", []int64{1, 2}, []int64{2, 9}, 10, 11)}
	meta := passMeta()
	meta.Workloads = []string{WorkloadChurn}
	r := Analyze(meta, ops, time.Second)
	if c := r.Counts(); c.Lost != 1 || c.Unexpected != 1 || c.Recovered != 1 || r.Valid() {
		t.Fatalf("counts %+v valid %v, want lost, unexpected and recovered 1 and invalid", c, r.Valid())
	}
	if f := r.Failures(); len(f) != 1 || !strings.HasPrefix(f[0], "churn:") {
		t.Fatalf("failures %q, want only churn's", f)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[FAIL] churn:", "lost: 1 [1]", "collections: 1", "lost-rows"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
}

func removeF(ops []Op, f string) []Op {
	var out []Op
	for _, op := range ops {
		if op.F != f {
			out = append(out, op)
		}
	}
	return out
}

func TestWriteTextFigures(t *testing.T) {
	r := Analyze(passMeta(), loadHistory(t, "pass.jsonl"), 10*time.Second)
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{
		"workloads   delete, register, session, set", "fault       isolate-leader", "seed        42",
		"nodes       3", "duration    1m0s", "ops         attempted 19  ok 15  fail 1  info 3",
		"throughput  before", "during", "after", "p50", "p99",
		"lost 0  unexpected 0  recovered 1  stale 0  resurrected 0",
		"[0.005s, 0.010s] isolate-leader n1", "isolate-leader n1", "vectors: n1=ab n2=ab n3=ab", "note: ci run",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestWriteJSON(t *testing.T) {
	ops := append(loadHistory(t, "pass.jsonl"), dr("get", 20, true, 20e6, 21e6))
	r := Analyze(passMeta(), ops, 10*time.Second)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Result   string   `json:"result"`
		Failures []string `json:"failures"`
		Counts   Counts   `json:"counts"`
		Meta     RunMeta  `json:"meta"`
		Delete   *DeleteResult
		Register *RegisterResult
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Result != "FAIL" || got.Counts.Resurrected != 1 || len(got.Failures) != 1 || got.Meta.Seed != 42 {
		t.Fatalf("json = %+v", got)
	}
	if got.Delete == nil || got.Delete.Resurrected.Count != 1 || got.Register == nil || got.Register.Result != LinOk {
		t.Fatalf("checker results missing from json: %s", buf.String())
	}
}

type brokenWriter struct{ n int }

func (b *brokenWriter) Write(p []byte) (int, error) {
	if b.n++; b.n > 3 {
		return 0, bytes.ErrTooLarge
	}
	return len(p), nil
}

func TestWriteTextError(t *testing.T) {
	r := Analyze(passMeta(), nil, time.Second)
	if err := r.WriteText(&brokenWriter{}); err == nil {
		t.Fatal("write error not returned")
	}
}
