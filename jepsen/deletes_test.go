package jepsen

import "testing"

func di(id, inv, comp int64, typ string) Op {
	return withIDs(at(WorkloadDelete, "insert", 0, inv, comp, typ), []int64{id}, nil)
}

func dd(id, inv, comp int64, typ string) Op {
	return withIDs(at(WorkloadDelete, "delete", 0, inv, comp, typ), []int64{id}, nil)
}

func dr(kind string, id int64, found bool, inv, comp int64) Op {
	var f []int64
	if found {
		f = []int64{id}
	}
	op := withIDs(at(WorkloadDelete, "read", 1, inv, comp, TypeOK), []int64{id}, f)
	op.Read = kind
	return op
}

func TestCheckDelete(t *testing.T) {
	tests := []struct {
		name        string
		ops         []Op
		resurrected int
		lost        int
	}{
		{"insert read delete read", []Op{
			di(1, 0, 10, TypeOK), dr("get", 1, true, 20, 30), dd(1, 40, 50, TypeOK),
			dr("get", 1, false, 60, 70), dr("query", 1, false, 80, 90), dr("search", 1, false, 80, 90),
		}, 0, 0},
		{"deleted id comes back", []Op{
			di(1, 0, 10, TypeOK), dd(1, 40, 50, TypeOK), dr("get", 1, false, 60, 70), dr("search", 1, true, 80, 90),
		}, 1, 0},
		{"read concurrent with delete may see it", []Op{
			di(1, 0, 10, TypeOK), dd(1, 40, 50, TypeOK), dr("query", 1, true, 45, 55),
		}, 0, 0},
		{"read overlapping delete completion may see it", []Op{
			di(1, 0, 10, TypeOK), dd(1, 40, 50, TypeOK), dr("query", 1, true, 50, 60),
		}, 0, 0},
		{"acknowledged insert invisible before delete", []Op{
			di(1, 0, 10, TypeOK), dr("get", 1, false, 20, 30), dd(1, 40, 50, TypeOK),
		}, 0, 1},
		{"read concurrent with insert may miss it", []Op{
			di(1, 0, 10, TypeOK), dr("get", 1, false, 5, 15),
		}, 0, 0},
		{"info insert may miss", []Op{
			di(1, 0, 10, TypeInfo), dr("get", 1, false, 20, 30),
		}, 0, 0},
		{"info delete may or may not apply", []Op{
			di(1, 0, 10, TypeOK), dd(1, 20, 30, TypeInfo), dr("get", 1, true, 40, 50), dr("get", 1, false, 60, 70),
		}, 0, 0},
		{"failed delete leaves the id", []Op{
			di(1, 0, 10, TypeOK), dd(1, 20, 30, TypeFail), dr("get", 1, true, 40, 50),
		}, 0, 0},
		{"failed delete does not excuse a missing id", []Op{
			di(1, 0, 10, TypeOK), dd(1, 20, 30, TypeFail), dr("get", 1, false, 40, 50),
		}, 0, 1},
		{"re-insert after delete explains it", []Op{
			di(1, 0, 10, TypeOK), dd(1, 20, 30, TypeOK), di(1, 40, 50, TypeOK), dr("get", 1, true, 60, 70),
		}, 0, 0},
		{"info insert may land after the delete", []Op{
			di(1, 0, 10, TypeInfo), dd(1, 20, 30, TypeOK), dr("get", 1, true, 40, 50),
		}, 0, 0},
		{"re-insert after the read does not explain it", []Op{
			di(1, 0, 10, TypeOK), dd(1, 20, 30, TypeOK), dr("get", 1, true, 40, 50), di(1, 60, 70, TypeOK),
		}, 1, 0},
		{"other ids are independent", []Op{
			di(1, 0, 10, TypeOK), di(2, 0, 10, TypeOK), dd(1, 20, 30, TypeOK),
			withIDs(func() Op { o := dr("query", 1, false, 40, 50); return o }(), []int64{1, 2}, []int64{2}),
		}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckDelete(tc.ops)
			if r.Resurrected.Count != tc.resurrected || r.LostBeforeDelete.Count != tc.lost {
				t.Fatalf("got %s; want resurrected %d lost %d", r.Summary(), tc.resurrected, tc.lost)
			}
			if r.Valid() != (tc.resurrected == 0 && tc.lost == 0) {
				t.Fatalf("Valid() = %v for %s", r.Valid(), r.Summary())
			}
			for _, v := range r.Resurrected.Items {
				if v.Op.F != "read" || v.Kind != "resurrected" {
					t.Fatalf("bad violation %+v", v)
				}
			}
		})
	}
}

func TestCheckDeleteCountsAndMalformed(t *testing.T) {
	ops := []Op{
		di(1, 0, 10, TypeOK), dd(1, 20, 30, TypeOK), dr("get", 1, false, 40, 50), dr("search", 1, false, 40, 50),
		dr("scan", 1, false, 40, 50),                    // unknown read kind
		at(WorkloadDelete, "delete", 0, 60, 70, TypeOK), // no ids
	}
	r := CheckDelete(ops)
	if r.Inserts != 1 || r.Deletes != 1 || r.Reads != 2 || r.ReadsByKind["search"] != 1 || r.Malformed != 2 {
		t.Fatalf("counts wrong: %+v", r)
	}
	if r.Valid() {
		t.Fatal("malformed ops must fail the check")
	}
}
