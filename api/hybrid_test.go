package api

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/shards"
)

func hit(pk any, d float32, g any) shards.Hit {
	return shards.Hit{Entity: shards.Entity{PK: pk}, Distance: d, Group: g}
}

func fmtHits(hs []shards.Hit) string {
	var out []string
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%v:%v", h.PK, h.Distance))
	}
	return strings.Join(out, " ")
}

func TestFuse(t *testing.T) {
	l2 := []shards.Hit{hit(int64(1), 0, nil), hit(int64(2), 1, nil)}
	ip := []shards.Hit{hit(int64(2), 1, nil), hit(int64(3), 0, nil)}
	rrf := &fuser{rrf: true, k: 60}
	got := rrf.fuse([]string{"L2", "IP"}, [][]shards.Hit{l2, ip})
	if got[0].PK != int64(2) || math.Abs(float64(got[0].Distance)-(1.0/62+1.0/61)) > 1e-6 {
		t.Errorf("rrf %s", fmtHits(got))
	}
	w := &fuser{weights: []float64{0.5, 1}}
	got = w.fuse([]string{"L2", "IP"}, [][]shards.Hit{l2, ip})
	// 2: 0.5*(1-2atan(1)/π) + (0.5+atan(1)/π) = 0.25 + 0.75; 1: 0.5*1; 3: 0.5.
	if fmtHits(got) != "2:1 1:0.5 3:0.5" {
		t.Errorf("weighted %s", fmtHits(got))
	}
	if n := normalize("COSINE", -1); n != 0 {
		t.Errorf("cosine normalize %v", n)
	}
}
