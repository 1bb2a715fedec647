package jepsen

import (
	"reflect"
	"strings"
	"testing"
)

func si(c int, id, inv, comp int64, typ string) Op {
	return withIDs(at(WorkloadSet, "insert", c, inv, comp, typ), []int64{id}, nil)
}

func sfinal(found []int64, inv, comp int64) Op {
	return withIDs(at(WorkloadSet, "final-read", 0, inv, comp, TypeOK), nil, found)
}

func ssearch(id int64, found []int64, inv, comp int64) Op {
	return withIDs(at(WorkloadSet, "search", 0, inv, comp, TypeOK), []int64{id}, found)
}

func TestCheckSet(t *testing.T) {
	base := []Op{si(1, 1, 0, 10, TypeOK), si(1, 2, 10, 20, TypeOK)}
	with := func(extra ...Op) []Op { return append(append([]Op(nil), base...), extra...) }
	type counts struct{ lost, unexpected, fbp, recovered, searchMissing int }
	tests := []struct {
		name  string
		ops   []Op
		valid bool
		want  counts
		lost  []int64
	}{
		{"all acknowledged present", with(sfinal([]int64{1, 2}, 100, 110), ssearch(1, []int64{1, 2}, 120, 130)), true, counts{}, nil},
		{"acknowledged insert lost", with(sfinal([]int64{1}, 100, 110)), false, counts{lost: 1}, []int64{2}},
		{"unexpected id", with(sfinal([]int64{1, 2, 99}, 100, 110)), false, counts{unexpected: 1}, nil},
		{"failed insert present", with(si(1, 3, 20, 30, TypeFail), sfinal([]int64{1, 2, 3}, 100, 110)), false, counts{fbp: 1}, nil},
		{"failed then retried ok is fine", with(si(1, 3, 20, 30, TypeFail), si(1, 3, 30, 40, TypeOK), sfinal([]int64{1, 2, 3}, 100, 110)), true, counts{}, nil},
		{"info insert present is recovered", with(si(1, 3, 20, 30, TypeInfo), sfinal([]int64{1, 2, 3}, 100, 110)), true, counts{recovered: 1}, nil},
		{"info insert missing is fine", with(si(1, 3, 20, 30, TypeInfo), sfinal([]int64{1, 2}, 100, 110)), true, counts{}, nil},
		{"search misses acknowledged id", with(sfinal([]int64{1, 2}, 100, 110), ssearch(2, []int64{1}, 120, 130)), false, counts{searchMissing: 1}, nil},
		{"failed search ignored", with(sfinal([]int64{1, 2}, 100, 110), func() Op { o := ssearch(2, nil, 120, 130); o.Type = TypeInfo; return o }()), true, counts{}, nil},
		{"last final read wins", with(sfinal([]int64{1}, 100, 110), sfinal([]int64{1, 2}, 120, 130)), true, counts{}, nil},
		{"no final read", base, false, counts{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckSet(tc.ops)
			got := counts{r.Lost.Count, r.Unexpected.Count, r.FailedButPresent.Count, r.Recovered.Count, r.SearchMissing.Count}
			if got != tc.want || r.Valid() != tc.valid {
				t.Fatalf("got %+v valid %v, want %+v valid %v: %s", got, r.Valid(), tc.want, tc.valid, r.Summary())
			}
			if tc.lost != nil && !reflect.DeepEqual(r.Lost.IDs, tc.lost) {
				t.Fatalf("lost ids %v, want %v", r.Lost.IDs, tc.lost)
			}
		})
	}
}

func TestCheckSetCountsExactListsCapped(t *testing.T) {
	var ops []Op
	for id := int64(0); id < 50; id++ {
		ops = append(ops, si(int(id%3), id, id*10, id*10+5, TypeOK))
	}
	ops = append(ops, sfinal([]int64{0, 1, 2, 3, 4}, 1000, 1010))
	r := CheckSet(ops)
	if r.Attempted != 50 || r.Acknowledged != 50 || r.FinalCount != 5 {
		t.Fatalf("counts wrong: %+v", r)
	}
	if r.Lost.Count != 45 || len(r.Lost.IDs) != MaxListed || r.Lost.IDs[0] != 5 {
		t.Fatalf("lost = %+v, want 45 with %d listed from 5", r.Lost, MaxListed)
	}
	if !strings.Contains(r.Summary(), "lost 45") {
		t.Fatalf("summary %q lacks exact lost count", r.Summary())
	}
}

func TestCheckSetMalformed(t *testing.T) {
	ops := []Op{
		at(WorkloadSet, "insert", 0, 0, 1, TypeOK), // no ids
		at(WorkloadSet, "upsert", 0, 0, 1, TypeOK),
		withIDs(at(WorkloadSet, "insert", 0, 0, 1, "maybe"), []int64{1}, nil),
		sfinal(nil, 10, 20),
	}
	r := CheckSet(ops)
	if r.Malformed != 3 || r.Valid() {
		t.Fatalf("malformed = %d valid %v, want 3 and invalid", r.Malformed, r.Valid())
	}
}

// TestCheckInsertSetPerWorkload: the import and ttl workloads are checked
// like set, each on its own ops only, and a failed import job whose rows
// are present (an import is all or nothing per file) fails the run.
func TestCheckInsertSetPerWorkload(t *testing.T) {
	as := func(wl string, o Op) Op { o.Workload = wl; return o }
	imp := func(typ string, ids ...int64) Op {
		return withIDs(at(WorkloadImport, "insert", 2, 0, 10, typ), ids, nil)
	}
	ops := []Op{
		si(1, 1, 0, 10, TypeOK), sfinal([]int64{1}, 100, 110), // set: fine
		imp(TypeOK, 10, 11), imp(TypeFail, 20, 21), as(WorkloadImport, sfinal([]int64{10, 11, 20}, 100, 110)),
		as(WorkloadTTL, si(3, 30, 0, 10, TypeOK)), as(WorkloadTTL, sfinal(nil, 100, 110)),
	}
	if r := CheckInsertSet(ops, WorkloadSet); !r.Valid() || r.Acknowledged != 1 {
		t.Fatalf("set: %s", r.Summary())
	}
	if r := CheckInsertSet(ops, WorkloadImport); r.Valid() || r.FailedButPresent.Count != 1 || r.Acknowledged != 2 ||
		!strings.HasPrefix(r.Summary(), "import: ") {
		t.Fatalf("import: valid %v: %s", r.Valid(), r.Summary())
	}
	if r := CheckInsertSet(ops, WorkloadTTL); r.Valid() || r.Lost.Count != 1 {
		t.Fatalf("ttl: valid %v: %s", r.Valid(), r.Summary())
	}
	rep := Analyze(RunMeta{Workloads: []string{WorkloadSet, WorkloadImport, WorkloadTTL}, HashesEqual: true, FinalWriteOK: true}, ops, 0)
	if got := strings.Join(rep.Failures(), "\n"); !strings.Contains(got, "import: ") || !strings.Contains(got, "ttl: ") ||
		strings.Contains(got, "set: ") {
		t.Fatalf("report failures:\n%s", got)
	}
}
