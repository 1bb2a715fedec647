package jepsen

import (
	"reflect"
	"strings"
	"testing"
)

func cc(coll, f string, inv, comp int64, typ string) Op {
	o := at(WorkloadChurn, f, 1, inv, comp, typ)
	o.Key = coll
	return o
}

func cins(coll string, id, inv, comp int64, typ string) Op {
	return withIDs(cc(coll, "insert", inv, comp, typ), []int64{id}, nil)
}

func cread(coll string, attempted, found []int64, inv, comp int64) Op {
	o := withIDs(cc(coll, "read", inv, comp, TypeOK), attempted, found)
	o.Read = ChurnReadQuery
	return o
}

func cabsent(coll string, inv, comp int64) Op {
	o := cc(coll, "read", inv, comp, TypeOK)
	o.Read = ChurnReadAbsent
	return o
}

func TestCheckChurn(t *testing.T) {
	// Collection a lives (rows 1, 2 acknowledged); b is dropped after rows
	// 10, 11 were acknowledged.
	base := []Op{
		cc("a", "create", 0, 10, TypeOK), cins("a", 1, 10, 20, TypeOK), cins("a", 2, 20, 30, TypeOK),
		cc("b", "create", 5, 15, TypeOK), cins("b", 10, 15, 25, TypeOK), cins("b", 11, 25, 35, TypeOK),
	}
	with := func(extra ...Op) []Op { return append(append([]Op(nil), base...), extra...) }
	dropB := cc("b", "drop", 40, 50, TypeOK)
	readA := cread("a", []int64{1, 2}, []int64{1, 2}, 100, 110)
	type counts struct{ lost, unexpected, fbp, recovered, violations, live, checked int }
	tests := []struct {
		name  string
		ops   []Op
		valid bool
		want  counts
		lost  []int64
		kind  string // first violation's kind
	}{
		{"all acknowledged rows present", with(dropB, readA), true, counts{live: 1, checked: 2}, nil, ""},
		{"acknowledged row of a live collection lost", with(dropB, cread("a", []int64{1, 2}, []int64{1}, 100, 110)),
			false, counts{lost: 1, violations: 1, live: 1, checked: 2}, []int64{2}, "lost-rows"},
		{"rows of a dropped collection are not counted", with(dropB, readA, cread("b", []int64{10, 11}, nil, 100, 110)),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"info drop: collection skipped", with(cc("b", "drop", 40, 50, TypeInfo), readA),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"failed drop: collection still checked", with(cc("b", "drop", 40, 50, TypeFail), readA,
			cread("b", []int64{10, 11}, []int64{10}, 100, 110)),
			false, counts{lost: 1, violations: 1, live: 2, checked: 4}, []int64{11}, "lost-rows"},
		{"failed drop then ok drop", with(cc("b", "drop", 40, 50, TypeFail), cc("b", "drop", 50, 60, TypeOK), readA),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"live collection not read", with(dropB), false, counts{violations: 1, live: 1, checked: 2}, nil, "unread"},
		{"failed read ignored", with(dropB, readA, func() Op { o := cread("a", nil, nil, 120, 130); o.Type = TypeFail; return o }()),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"a read missing an acknowledged row fails even if a later one has it",
			with(dropB, cread("a", []int64{1, 2}, []int64{1}, 80, 90), readA),
			false, counts{lost: 1, violations: 1, live: 1, checked: 2}, []int64{2}, "lost-rows"},
		{"a read before an insert's ack need not hold it", with(dropB, cread("a", []int64{1, 2}, []int64{1}, 25, 28), readA),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"a read before the create's ack may find nothing", with(dropB, cabsent("a", 5, 8), readA),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"dropped collection: a read before its drop must hold its rows",
			with(cread("b", []int64{10, 11}, []int64{10}, 36, 39), dropB, readA),
			false, counts{lost: 1, violations: 1, live: 1, checked: 2}, []int64{11}, "lost-rows"},
		{"dropped collection gone before its drop", with(cabsent("b", 36, 39), dropB, readA),
			false, counts{lost: 2, violations: 1, live: 1, checked: 2}, []int64{10, 11}, "lost-collection"},
		{"a read concurrent with a drop is not checked", with(cread("b", []int64{10, 11}, nil, 36, 45), dropB, readA),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"a read concurrent with an info drop is not checked",
			with(cabsent("b", 36, 45), cc("b", "drop", 40, 50, TypeInfo), readA),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"a failed drop does not excuse a read", with(cc("b", "drop", 36, 37, TypeFail), cread("b", []int64{10, 11}, []int64{11}, 38, 39),
			dropB, readA), false, counts{lost: 1, violations: 1, live: 1, checked: 2}, []int64{10}, "lost-rows"},
		{"live collection read only before its last insert", with(dropB, cread("a", []int64{1}, []int64{1}, 21, 22)),
			false, counts{violations: 1, live: 1, checked: 2}, nil, "unread"},
		{"acknowledged collection absent", with(dropB, cabsent("a", 100, 110)),
			false, counts{lost: 2, violations: 1, live: 1, checked: 2}, []int64{1, 2}, "lost-collection"},
		{"empty acknowledged collection absent", with(dropB, readA, cc("c", "create", 60, 70, TypeOK), cabsent("c", 100, 110)),
			false, counts{violations: 1, live: 2, checked: 2}, nil, "lost-collection"},
		{"info create absent", with(dropB, readA, cc("c", "create", 60, 70, TypeInfo), cins("c", 20, 70, 80, TypeFail),
			cins("c", 21, 80, 90, TypeInfo), cabsent("c", 100, 110)),
			true, counts{live: 2, checked: 2}, nil, ""},
		{"info create present", with(dropB, readA, cc("c", "create", 60, 70, TypeInfo), cins("c", 20, 70, 80, TypeOK),
			cread("c", []int64{20}, []int64{20}, 100, 110)),
			true, counts{live: 2, checked: 3}, nil, ""},
		{"info create absent after an acknowledged insert", with(dropB, readA, cc("c", "create", 60, 70, TypeInfo),
			cins("c", 20, 70, 80, TypeOK), cabsent("c", 100, 110)),
			false, counts{lost: 1, violations: 1, live: 2, checked: 3}, []int64{20}, "lost-collection"},
		{"failed create absent", with(dropB, readA, cc("c", "create", 60, 70, TypeFail), cabsent("c", 100, 110)),
			true, counts{live: 2, checked: 2}, nil, ""},
		{"failed create present", with(dropB, readA, cc("c", "create", 60, 70, TypeFail), cread("c", nil, nil, 100, 110)),
			false, counts{violations: 1, live: 2, checked: 2}, nil, "unexpected-collection"},
		{"info insert present is recovered", with(dropB, cins("a", 3, 30, 40, TypeInfo),
			cread("a", []int64{1, 2, 3}, []int64{1, 2, 3}, 100, 110)),
			true, counts{recovered: 1, live: 1, checked: 2}, nil, ""},
		{"info insert missing is fine", with(dropB, cins("a", 3, 30, 40, TypeInfo), readA),
			true, counts{live: 1, checked: 2}, nil, ""},
		{"failed insert present", with(dropB, cins("a", 3, 30, 40, TypeFail),
			cread("a", []int64{1, 2, 3}, []int64{1, 2, 3}, 100, 110)),
			false, counts{fbp: 1, live: 1, checked: 2}, nil, ""},
		{"unexpected id", with(dropB, cread("a", []int64{1, 2}, []int64{1, 2, 99}, 100, 110)),
			false, counts{unexpected: 1, live: 1, checked: 2}, nil, ""},
		{"row of another collection is unexpected", with(dropB, cread("a", []int64{1, 2}, []int64{1, 2, 10}, 100, 110)),
			false, counts{unexpected: 1, live: 1, checked: 2}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckChurn(tc.ops)
			got := counts{r.Lost.Count, r.Unexpected.Count, r.FailedButPresent.Count, r.Recovered.Count,
				r.Violations.Count, r.Live, r.Checked}
			if got != tc.want || r.Valid() != tc.valid {
				t.Fatalf("got %+v valid %v, want %+v valid %v: %s", got, r.Valid(), tc.want, tc.valid, r.Summary())
			}
			if tc.lost != nil && !reflect.DeepEqual(r.Lost.IDs, tc.lost) {
				t.Fatalf("lost ids %v, want %v", r.Lost.IDs, tc.lost)
			}
			if tc.kind != "" && (len(r.Violations.Items) == 0 || r.Violations.Items[0].Kind != tc.kind) {
				t.Fatalf("violations %+v, want first of kind %s", r.Violations.Items, tc.kind)
			}
		})
	}
}

func TestCheckChurnCounts(t *testing.T) {
	ops := []Op{
		cc("a", "create", 0, 1, TypeOK), cc("b", "create", 0, 1, TypeInfo), cc("c", "create", 0, 1, TypeOK),
		cc("d", "create", 0, 1, TypeOK), cc("c", "drop", 2, 3, TypeOK), cc("d", "drop", 2, 3, TypeInfo),
		cins("a", 1, 1, 2, TypeOK), cins("b", 2, 1, 2, TypeInfo), cins("c", 3, 1, 2, TypeOK), cins("d", 4, 1, 2, TypeFail),
		cread("a", []int64{1}, []int64{1}, 10, 11), cabsent("b", 10, 11),
	}
	r := CheckChurn(ops)
	want := ChurnResult{Collections: 4, Created: 3, CreateUnknown: 1, Dropped: 1, DropUnknown: 1, Live: 2, Read: 2,
		Attempted: 4, Acknowledged: 2, Checked: 1}
	if !r.Valid() || r.Collections != want.Collections || r.Created != want.Created ||
		r.CreateUnknown != want.CreateUnknown || r.Dropped != want.Dropped || r.DropUnknown != want.DropUnknown ||
		r.Live != want.Live || r.Read != want.Read || r.Attempted != want.Attempted ||
		r.Acknowledged != want.Acknowledged || r.Checked != want.Checked {
		t.Fatalf("got %+v, want %+v", r, want)
	}
	for _, s := range []string{"created 3 (1 unknown)", "dropped 1 (1 unknown)", "acknowledged 2", "lost 0"} {
		if !strings.Contains(r.Summary(), s) {
			t.Errorf("summary %q lacks %q", r.Summary(), s)
		}
	}
}

func TestCheckChurnListsCapped(t *testing.T) {
	ops := []Op{cc("a", "create", 0, 1, TypeOK)}
	var attempted []int64
	for id := int64(0); id < 50; id++ {
		ops = append(ops, cins("a", id, id*10+1, id*10+5, TypeOK))
		attempted = append(attempted, id)
	}
	// 30 collections lost, each with no rows: 30 violations, MaxListed kept.
	for i := 0; i < 30; i++ {
		name := "z" + itoa(int64(i))
		ops = append(ops, cc(name, "create", 0, 1, TypeOK), cabsent(name, 1000, 1010))
	}
	ops = append(ops, cread("a", attempted, []int64{0, 1, 2, 3, 4}, 1000, 1010))
	r := CheckChurn(ops)
	if r.Lost.Count != 45 || len(r.Lost.IDs) != MaxListed || r.Lost.IDs[0] != 5 {
		t.Fatalf("lost = %+v, want 45 with %d listed from 5", r.Lost, MaxListed)
	}
	if r.Violations.Count != 31 || len(r.Violations.Items) != MaxListed {
		t.Fatalf("violations count %d listed %d, want 31 and %d", r.Violations.Count, len(r.Violations.Items), MaxListed)
	}
	if !strings.Contains(r.Summary(), "lost 45") {
		t.Fatalf("summary %q lacks exact lost count", r.Summary())
	}
}

func TestCheckChurnMalformed(t *testing.T) {
	ops := []Op{
		cc("a", "create", 0, 1, TypeOK),
		cc("", "create", 0, 1, TypeOK),                             // no collection
		cc("a", "insert", 0, 1, TypeOK),                            // no ids
		cc("a", "truncate", 0, 1, TypeOK),                          // unknown f
		cc("a", "read", 0, 1, TypeOK),                              // read without kind
		withIDs(cc("a", "insert", 0, 1, "maybe"), []int64{1}, nil), // bad type
		cins("ghost", 7, 0, 1, TypeOK),                             // collection never created
		cread("a", nil, nil, 10, 20),
	}
	r := CheckChurn(ops)
	if r.Malformed != 6 || r.Valid() {
		t.Fatalf("malformed = %d valid %v, want 6 and invalid", r.Malformed, r.Valid())
	}
}

func TestCheckChurnIgnoresOtherWorkloadsAndOrder(t *testing.T) {
	ops := []Op{
		cread("a", []int64{1}, []int64{1}, 100, 110),
		si(1, 1, 0, 10, TypeOK), // a set insert of the same id: not churn's
		cins("a", 1, 10, 20, TypeOK),
		cc("a", "create", 0, 10, TypeOK),
	}
	before := append([]Op(nil), ops...)
	r := CheckChurn(ops)
	if !r.Valid() || r.Checked != 1 || r.Read != 1 {
		t.Fatalf("got %s", r.Summary())
	}
	if !reflect.DeepEqual(ops, before) {
		t.Fatal("CheckChurn modified its input")
	}
}
