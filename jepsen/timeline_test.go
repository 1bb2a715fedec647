package jepsen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteTimeline(t *testing.T) {
	pass := loadHistory(t, "pass.jsonl")
	tests := []struct {
		name    string
		ops     []Op
		want    []string
		wantNot []string
	}{
		{"clean run shows fault window and register ops", pass,
			[]string{"isolate-leader n1", `"Tag":"nemesis"`, "r1: write(2) ?", `r1: read() -\u003e 1`},
			[]string{`"Tag":"violations"`}},
		{"violations are annotated", append(append([]Op(nil), pass...),
			dr("get", 20, true, 20e6, 21e6), sr(4, "s4", val(1), 20e6, 21e6)),
			[]string{"isolate-leader n1", `"Tag":"violations"`, "resurrected", "monotonic-reads"}, nil},
		{"set lost ids at the final read", []Op{si(0, 1, 0, 10, TypeOK), sfinal(nil, 20, 30), nem("start", "kill -9 n2", 5, 6)},
			[]string{"kill -9 n2", "set lost: 1 [1]"}, nil},
		{"illegal register history still renders", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rw(0, "a", 2, 20, 30, TypeOK), rr(1, "a", val(1), 40, 50, TypeOK),
			rw(2, "b", 3, 0, 10, TypeInfo), nem("start", "sigstop n1", 15, 16),
		}, []string{"sigstop n1", "a: write(2)", "b: write(3) ?"}, nil},
		{"no register ops", []Op{nem("start", "pause n3", 0, 1), nem("stop", "pause n3", 10, 11)},
			[]string{"pause n3"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "timeline.html")
			if err := WriteTimeline(path, tc.ops); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			html := string(b)
			if !strings.Contains(html, "<html") {
				t.Fatal("not an HTML file")
			}
			for _, w := range tc.want {
				if !strings.Contains(html, w) {
					t.Errorf("timeline lacks %q", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(html, w) {
					t.Errorf("timeline unexpectedly has %q", w)
				}
			}
		})
	}
}

func TestWriteTimelineBadPath(t *testing.T) {
	err := WriteTimeline(filepath.Join(t.TempDir(), "missing", "t.html"), nil)
	if err == nil || !strings.Contains(err.Error(), "create timeline") {
		t.Fatalf("error = %v, want create timeline error", err)
	}
}
