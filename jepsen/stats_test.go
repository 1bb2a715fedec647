package jepsen

import (
	"math"
	"testing"
	"time"
)

func nem(f, fault string, inv, comp int64) Op {
	op := at(WorkloadNemesis, f, NemesisClient, inv, comp, TypeInfo)
	op.Fault = fault
	return op
}

func TestFaultWindows(t *testing.T) {
	ops := []Op{
		nem("start", "kill n1", 100, 110), nem("start", "delay n2", 150, 160),
		nem("stop", "kill n1", 200, 210), nem("stop", "delay n2", 300, 310),
		nem("start", "isolate n3", 400, 410), si(0, 1, 0, 500, TypeOK),
	}
	got := FaultWindows(ops)
	want := []Window{
		{Fault: "kill n1", StartNs: 100, EndNs: 210, Healed: true},
		{Fault: "delay n2", StartNs: 150, EndNs: 310, Healed: true},
		{Fault: "isolate n3", StartNs: 400, EndNs: 500, Healed: false},
	}
	if len(got) != len(want) {
		t.Fatalf("windows %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("window %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestComputeStatsPhases(t *testing.T) {
	s := int64(time.Second)
	var ops []Op
	// 10 ok ops in [0,1s), 2 ok ops in the fault [1s,2s], 1 fail, 6 ok in (2s,3.5s].
	for i := int64(0); i < 10; i++ {
		ops = append(ops, si(0, i, i*s/10, i*s/10+int64(time.Millisecond)*(i+1), TypeOK))
	}
	ops = append(ops, si(1, 100, s+1, s+s/2, TypeOK), si(1, 101, s+s/2, 2*s-1, TypeOK),
		si(1, 102, s+1, s+2, TypeFail), si(1, 103, s+1, s+3, TypeInfo))
	for i := int64(0); i < 6; i++ {
		ops = append(ops, rw(2, "k", i, 2*s+1+i*s/4, 2*s+1+(i+1)*s/4, TypeOK))
	}
	ops = append(ops, nem("start", "kill n1", s, s), nem("stop", "kill n1", 2*s, 2*s))
	st := ComputeStats(ops)
	o := st.Overall
	if o.Attempted != 20 || o.OK != 18 || o.Fail != 1 || o.Info != 1 {
		t.Fatalf("overall counts wrong: %+v", o)
	}
	if o.Before.OK != 10 || o.During.OK != 2 || o.After.OK != 6 || o.Between.OK != 0 {
		t.Fatalf("phase counts before %d during %d after %d between %d", o.Before.OK, o.During.OK, o.After.OK, o.Between.OK)
	}
	if math.Abs(o.Before.Throughput-10) > 0.01 || math.Abs(o.During.Throughput-2) > 0.01 || math.Abs(o.After.Throughput-4) > 0.01 {
		t.Fatalf("throughput %v %v %v, want 10 2 4", o.Before, o.During, o.After)
	}
	if len(st.Workloads) != 2 || st.Workloads[0].Workload != "register" || st.Workloads[1].Attempted != 14 {
		t.Fatalf("per-workload stats wrong: %+v", st.Workloads)
	}
}

func TestComputeStatsNoFaults(t *testing.T) {
	st := ComputeStats([]Op{si(0, 1, 0, 1e9, TypeOK), si(0, 2, 1e9, 2e9, TypeOK)})
	if st.Overall.Before.Throughput != 1 || st.Overall.During.Seconds != 0 || st.Overall.During.String() != "n/a" {
		t.Fatalf("no-fault phases wrong: %+v", st.Overall)
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	tests := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{lat, 0.50, 50}, {lat, 0.99, 99}, {lat[:1], 0.99, 1}, {nil, 0.5, 0}, {lat[:10], 0.99, 10},
	}
	for _, tc := range tests {
		if got := percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("percentile(%d values, %v) = %d, want %d", len(tc.in), tc.p, got, tc.want)
		}
	}
}
