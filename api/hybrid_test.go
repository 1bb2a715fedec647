package api

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/shards"
)

// scored renders fused hits as "pk:score ...".
func scored(hs []shards.Hit) string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%v:%v", h.PK, h.Distance)
	}
	return strings.Join(out, " ")
}

func TestFuse(t *testing.T) {
	pk := func(k int64, d float32) shards.Hit { return shards.Hit{Entity: shards.Entity{PK: k}, Distance: d} }
	l2 := []shards.Hit{pk(1, 0), pk(2, 1)}
	ip := []shards.Hit{pk(2, 1), pk(3, 0)}
	rrf := &fuser{rrf: true, k: 60}
	got := rrf.fuse([]string{"L2", "IP"}, [][]shards.Hit{l2, ip})
	if got[0].PK != int64(2) || math.Abs(float64(got[0].Distance)-(1.0/62+1.0/61)) > 1e-6 {
		t.Errorf("rrf %s", scored(got))
	}
	w := &fuser{weights: []float64{0.5, 1}}
	got = w.fuse([]string{"L2", "IP"}, [][]shards.Hit{l2, ip})
	// 2: 0.5*(1-2atan(1)/π) + (0.5+atan(1)/π) = 0.25 + 0.75; 1: 0.5*1; 3: 0.5.
	if scored(got) != "2:1 1:0.5 3:0.5" {
		t.Errorf("weighted %s", scored(got))
	}
	if n := normalize("COSINE", -1); n != 0 {
		t.Errorf("cosine normalize %v", n)
	}
}
