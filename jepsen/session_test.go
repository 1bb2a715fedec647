package jepsen

import "testing"

func sw(c int, key string, v, inv, comp int64, typ string) Op {
	op := withKey(at(WorkloadSession, "write", c, inv, comp, typ), key, val(v))
	op.Token = "tok"
	return op
}

func sr(c int, key string, v *int64, inv, comp int64) Op {
	op := withKey(at(WorkloadSession, "read", c, inv, comp, TypeOK), key, v)
	op.Token = "tok"
	return op
}

func TestCheckSession(t *testing.T) {
	tests := []struct {
		name                string
		ops                 []Op
		ryw, mono, phantoms int
	}{
		{"reads follow writes", []Op{
			sr(0, "k0", nil, 0, 5), sw(0, "k0", 1, 10, 20, TypeOK), sr(0, "k0", val(1), 30, 40),
			sw(0, "k0", 2, 50, 60, TypeOK), sr(0, "k0", val(2), 70, 80),
		}, 0, 0, 0},
		{"own write missing", []Op{
			sw(0, "k0", 1, 10, 20, TypeOK), sr(0, "k0", nil, 30, 40),
		}, 1, 0, 0},
		{"older value after own write", []Op{
			sw(0, "k0", 1, 10, 20, TypeOK), sw(0, "k0", 2, 30, 40, TypeOK), sr(0, "k0", val(1), 50, 60),
		}, 1, 0, 0},
		{"read concurrent with own write may miss it", []Op{
			sw(0, "k0", 1, 10, 20, TypeOK), sr(0, "k0", nil, 15, 25),
		}, 0, 0, 0},
		{"reads go backwards", []Op{
			sw(0, "k0", 1, 10, 20, TypeInfo), sw(0, "k0", 2, 30, 40, TypeInfo),
			sr(0, "k0", val(2), 50, 60), sr(0, "k0", val(1), 70, 80),
		}, 0, 1, 0},
		{"value then absent goes backwards", []Op{
			sw(0, "k0", 1, 10, 20, TypeInfo), sr(0, "k0", val(1), 50, 60), sr(0, "k0", nil, 70, 80),
		}, 0, 1, 0},
		{"info write of larger value seen", []Op{
			sw(0, "k0", 1, 10, 20, TypeOK), sw(0, "k0", 2, 30, 40, TypeInfo),
			sr(0, "k0", val(2), 50, 60), sr(0, "k0", val(2), 70, 80),
		}, 0, 0, 0},
		{"info write not seen", []Op{
			sw(0, "k0", 1, 10, 20, TypeOK), sw(0, "k0", 2, 30, 40, TypeInfo), sr(0, "k0", val(1), 50, 60),
		}, 0, 0, 0},
		{"guarantees are per client and key", []Op{
			sw(0, "k0", 5, 10, 20, TypeOK), sw(1, "k1", 7, 10, 20, TypeOK),
			sr(1, "k1", val(7), 30, 40), sr(0, "k0", val(5), 30, 40),
		}, 0, 0, 0},
		{"value never written", []Op{sr(0, "k0", val(42), 0, 10)}, 0, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckSession(tc.ops)
			if r.ReadYourWrites.Count != tc.ryw || r.Monotonic.Count != tc.mono || r.Phantom.Count != tc.phantoms {
				t.Fatalf("got %s; want ryw %d mono %d phantom %d", r.Summary(), tc.ryw, tc.mono, tc.phantoms)
			}
			if r.Valid() != (tc.ryw+tc.mono+tc.phantoms == 0) {
				t.Fatalf("Valid() = %v for %s", r.Valid(), r.Summary())
			}
			if r.Stale() != tc.ryw+tc.mono {
				t.Fatalf("Stale() = %d", r.Stale())
			}
		})
	}
}

func TestCheckSessionMalformed(t *testing.T) {
	ops := []Op{
		withKey(at(WorkloadSession, "write", 0, 0, 1, TypeOK), "k", nil),
		withKey(at(WorkloadSession, "scan", 0, 0, 1, TypeOK), "k", nil),
	}
	if r := CheckSession(ops); r.Malformed != 2 || r.Valid() {
		t.Fatalf("malformed ops must fail: %+v", r)
	}
}
