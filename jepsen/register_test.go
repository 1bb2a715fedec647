package jepsen

import (
	"reflect"
	"testing"
	"time"
)

func rw(c int, key string, v int64, inv, comp int64, typ string) Op {
	return withKey(at(WorkloadRegister, "write", c, inv, comp, typ), key, val(v))
}

func rr(c int, key string, v *int64, inv, comp int64, typ string) Op {
	return withKey(at(WorkloadRegister, "read", c, inv, comp, typ), key, v)
}

func rd(c int, key string, inv, comp int64, typ string) Op {
	return withKey(at(WorkloadRegister, "delete", c, inv, comp, typ), key, nil)
}

func TestCheckRegister(t *testing.T) {
	tests := []struct {
		name        string
		ops         []Op
		want        string
		illegalKeys []string
		suspects    int
	}{
		{"sequential write read delete", []Op{
			rr(0, "a", nil, 0, 5, TypeOK), rw(0, "a", 1, 10, 20, TypeOK), rr(1, "a", val(1), 30, 40, TypeOK),
			rd(0, "a", 50, 60, TypeOK), rr(1, "a", nil, 70, 80, TypeOK),
		}, LinOk, nil, 0},
		{"stale read after newer write acknowledged", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rw(0, "a", 2, 20, 30, TypeOK), rr(1, "a", val(1), 40, 50, TypeOK),
		}, LinIllegal, []string{"a"}, 1},
		{"read of deleted value", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rd(0, "a", 20, 30, TypeOK), rr(1, "a", val(1), 40, 50, TypeOK),
		}, LinIllegal, []string{"a"}, 1},
		{"value seen while absent", []Op{rr(1, "a", val(7), 0, 10, TypeOK)}, LinIllegal, []string{"a"}, 1},
		{"concurrent read may see either value", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rw(0, "a", 2, 20, 50, TypeOK),
			rr(1, "a", val(1), 25, 30, TypeOK), rr(2, "a", val(2), 26, 31, TypeOK),
		}, LinOk, nil, 0},
		{"info write appears long after its timeout", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rw(0, "a", 2, 20, 30, TypeInfo),
			rr(1, "a", val(1), 100, 110, TypeOK), rr(1, "a", val(2), 200, 210, TypeOK),
		}, LinOk, nil, 0},
		{"info write never appears", []Op{
			rw(0, "a", 1, 0, 10, TypeInfo), rr(1, "a", nil, 100, 110, TypeOK),
		}, LinOk, nil, 0},
		{"info delete may take effect later", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rd(0, "a", 20, 30, TypeInfo),
			rr(1, "a", val(1), 40, 50, TypeOK), rr(1, "a", nil, 60, 70, TypeOK),
		}, LinOk, nil, 0},
		{"failed write was applied", []Op{
			rw(0, "a", 1, 0, 10, TypeFail), rr(1, "a", val(1), 20, 30, TypeOK),
		}, LinIllegal, []string{"a"}, 1},
		{"info and failed reads are dropped", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rr(1, "a", val(9), 20, 30, TypeInfo), rr(1, "a", nil, 40, 50, TypeFail),
		}, LinOk, nil, 0},
		{"only the bad key is illegal", []Op{
			rw(0, "a", 1, 0, 10, TypeOK), rr(1, "a", val(1), 20, 30, TypeOK),
			rw(2, "b", 5, 0, 10, TypeOK), rw(2, "b", 6, 20, 30, TypeOK), rr(3, "b", val(5), 40, 50, TypeOK),
		}, LinIllegal, []string{"b"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := CheckRegister(tc.ops, 10*time.Second)
			if res.Result != tc.want {
				t.Fatalf("result %s, want %s (%s)", res.Result, tc.want, res.Summary())
			}
			if res.Valid() != (tc.want == LinOk) {
				t.Fatalf("Valid() = %v for %s", res.Valid(), res.Result)
			}
			if !reflect.DeepEqual(res.IllegalKeys, tc.illegalKeys) {
				t.Fatalf("illegal keys %v, want %v", res.IllegalKeys, tc.illegalKeys)
			}
			if res.Suspects.Count != tc.suspects {
				t.Fatalf("suspects %+v, want %d", res.Suspects, tc.suspects)
			}
			for _, s := range res.Suspects.Items {
				if s.Op.F != "read" {
					t.Fatalf("suspect %s is not the stale read", s.Op)
				}
			}
		})
	}
}

func TestCheckRegisterCounts(t *testing.T) {
	ops := []Op{
		rw(0, "a", 1, 0, 10, TypeOK), rw(0, "a", 2, 20, 30, TypeInfo), rw(0, "a", 3, 40, 50, TypeFail),
		rr(1, "a", val(1), 5, 15, TypeInfo), rr(1, "b", nil, 5, 15, TypeOK),
		at(WorkloadSet, "insert", 3, 0, 1, TypeOK), // other workloads are ignored
	}
	res := CheckRegister(ops, time.Second)
	if res.Checked != 3 || res.Info != 1 || res.Dropped != 2 || res.Keys != 2 || res.Malformed != 0 {
		t.Fatalf("counts wrong: %+v", res)
	}
	if res.Timeout != time.Second {
		t.Fatalf("timeout %s not recorded", res.Timeout)
	}
}

func TestCheckRegisterMalformedIsInvalid(t *testing.T) {
	ops := []Op{
		withKey(at(WorkloadRegister, "write", 0, 0, 10, TypeOK), "a", nil), // no value
		withKey(at(WorkloadRegister, "cas", 0, 20, 30, TypeOK), "a", val(1)),
	}
	res := CheckRegister(ops, time.Second)
	if res.Malformed != 2 || res.Valid() {
		t.Fatalf("malformed ops must fail the check: %+v", res)
	}
}

func TestRegisterUnknownIsInvalid(t *testing.T) {
	if (RegisterResult{Result: LinUnknown}).Valid() {
		t.Fatal("a timed-out check must not be valid")
	}
}
