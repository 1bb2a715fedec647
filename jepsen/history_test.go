package jepsen

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// val returns a pointer to x.
func val(x int64) *int64 { return &x }

// at builds an op of workload w with the given time interval and type.
func at(w, f string, client int, inv, comp int64, typ string) Op {
	return Op{Client: client, Workload: w, F: f, InvokeNs: inv, CompleteNs: comp, Type: typ}
}

func withKey(op Op, key string, v *int64) Op {
	op.Key, op.Value = key, v
	return op
}

func withIDs(op Op, ids, found []int64) Op {
	op.IDs, op.Found = ids, found
	return op
}

func loadHistory(t *testing.T, name string) []Op {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ops, err := ReadHistory(f)
	if err != nil {
		t.Fatalf("ReadHistory(%s): %v", name, err)
	}
	return ops
}

func TestRecorderConcurrentRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	start := time.Now()
	rec := NewRecorder(&buf, start)
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				inv := int64(1000*i + c)
				op := withKey(at(WorkloadRegister, "write", c, inv, inv+5, TypeOK), "k", val(int64(c*100+i)))
				if err := rec.Record(op); err != nil {
					t.Error(err)
				}
			}
		}(c)
	}
	wg.Wait()
	ops := rec.Ops()
	if len(ops) != 400 {
		t.Fatalf("Ops() has %d ops, want 400", len(ops))
	}
	for i := 1; i < len(ops); i++ {
		if ops[i].InvokeNs < ops[i-1].InvokeNs {
			t.Fatalf("Ops() not sorted at %d", i)
		}
	}
	back, err := ReadHistory(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ops) {
		t.Fatal("ReadHistory(recorded JSONL) differs from Ops()")
	}
	if got := rec.Since(start.Add(3 * time.Millisecond)); got != 3e6 {
		t.Fatalf("Since = %d, want 3e6", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRecorderKeepsOpOnWriteError(t *testing.T) {
	rec := NewRecorder(failWriter{}, time.Now())
	err := rec.Record(at(WorkloadSet, "insert", 0, 1, 2, TypeOK))
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Record error = %v, want wrapped disk full", err)
	}
	if len(rec.Ops()) != 1 {
		t.Fatal("op not kept after a write error")
	}
}

func TestWriteReadHistoryRoundTrip(t *testing.T) {
	ops := loadHistory(t, "pass.jsonl")
	if len(ops) != 21 {
		t.Fatalf("read %d ops, want 21 (blank line skipped)", len(ops))
	}
	var buf bytes.Buffer
	if err := WriteHistory(&buf, ops); err != nil {
		t.Fatal(err)
	}
	back, err := ReadHistory(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ops) {
		t.Fatal("round trip changed the history")
	}
	if ops[0].Value == nil || *ops[0].Value != 1 || ops[0].Node != "n1" {
		t.Fatalf("first op decoded wrong: %+v", ops[0])
	}
}

func TestReadHistoryErrorsNameLine(t *testing.T) {
	good := `{"client":0,"workload":"set","f":"insert","ids":[1],"invoke_ns":1,"complete_ns":2,"type":"ok"}`
	tests := []struct {
		name, bad, want string
	}{
		{"bad json", `{"client":`, "line 3"},
		{"bad type", `{"client":0,"workload":"set","f":"insert","invoke_ns":1,"complete_ns":2,"type":"maybe"}`, `bad type "maybe"`},
		{"time backwards", `{"client":0,"workload":"set","f":"insert","invoke_ns":5,"complete_ns":2,"type":"ok"}`, "before invoke_ns"},
		{"unknown field", `{"client":0,"workload":"set","f":"insert","invoke_ns":1,"complete_ns":2,"type":"ok","extra":1}`, "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := good + "\n" + good + "\n" + tc.bad + "\n" + good + "\n"
			_, err := ReadHistory(strings.NewReader(in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q should name line 3 and contain %q", err, tc.want)
			}
		})
	}
}

func TestReadHistoryNoTrailingNewline(t *testing.T) {
	in := `{"client":0,"workload":"set","f":"insert","ids":[1],"invoke_ns":1,"complete_ns":2,"type":"ok"}`
	ops, err := ReadHistory(strings.NewReader(in))
	if err != nil || len(ops) != 1 {
		t.Fatalf("got %d ops, err %v; want 1 op", len(ops), err)
	}
}

func TestSplit(t *testing.T) {
	ops := loadHistory(t, "pass.jsonl")
	got := map[string]int{}
	for w, o := range Split(ops) {
		got[w] = len(o)
	}
	want := map[string]int{"register": 5, "set": 5, "delete": 5, "session": 4, "nemesis": 2}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Split sizes = %v, want %v", got, want)
	}
}

func TestIDListCaps(t *testing.T) {
	set := map[int64]bool{}
	for i := int64(0); i < 30; i++ {
		set[100-i] = true
	}
	l := newIDList(set)
	if l.Count != 30 || len(l.IDs) != MaxListed || l.IDs[0] != 71 {
		t.Fatalf("newIDList = %+v, want count 30, %d smallest ids from 71", l, MaxListed)
	}
}
