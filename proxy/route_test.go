package proxy

import (
	"testing"

	"github.com/raftvec/raftvec/segment"
)

// TestShardOfIsStable pins the routing function: changing it would send
// existing keys to the wrong shard.
func TestShardOfIsStable(t *testing.T) {
	cases := []struct {
		pk   any
		n    int
		want int
	}{
		{int64(0), 1, 0}, {int64(12345), 1, 0},
		{int64(0), 2, 0}, {int64(1), 2, 1}, {int64(2), 2, 0}, {int64(3), 2, 0},
		{int64(-7), 4, 3}, {int64(1 << 40), 4, 0}, {int64(1<<40 + 1), 4, 3},
		{"a", 2, 1}, {"dave", 3, 2}, {"", 5, 0}, {"raftvec", 5, 1},
	}
	for _, c := range cases {
		if got := ShardOf(c.pk, c.n); got != c.want {
			t.Errorf("ShardOf(%v, %d) = %d, want %d", c.pk, c.n, got, c.want)
		}
	}
}

func TestShardOfSpreads(t *testing.T) {
	const n, keys = 4, 40000
	var counts [n]int
	for i := 0; i < keys; i++ {
		counts[ShardOf(int64(i), n)]++
	}
	for s, c := range counts {
		if c < keys/n*9/10 || c > keys/n*11/10 {
			t.Errorf("shard %d got %d of %d sequential keys", s, c, keys)
		}
	}
}

func TestSplitBatch(t *testing.T) {
	s := &segment.Schema{Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "tag", Type: segment.TypeVarChar, MaxLength: 8, Nullable: true},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 2},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	b := segment.NewBatch(s)
	for i := int64(0); i < 100; i++ {
		b.Columns[0].AppendValue(i)
		if i%10 == 0 {
			b.Columns[1].AppendValue(nil)
		} else {
			b.Columns[1].AppendValue("x")
		}
		b.Columns[2].AppendValue([]float32{float32(i), 0})
	}
	parts, _ := splitBatch(s, b, 3, nil)
	total := 0
	for sh, p := range parts {
		if p == nil {
			continue
		}
		for i := 0; i < p.Rows(); i++ {
			id := p.Columns[0].Value(i).(int64)
			if ShardOf(id, 3) != sh {
				t.Fatalf("row %d in shard %d, routes to %d", id, sh, ShardOf(id, 3))
			}
			if v := p.Columns[2].Vector(i); v[0] != float32(id) {
				t.Fatalf("row %d carries vector %v", id, v)
			}
			if (id%10 == 0) != (p.Columns[1].Value(i) == nil) {
				t.Fatalf("row %d null flag wrong", id)
			}
		}
		total += p.Rows()
	}
	if total != 100 {
		t.Fatalf("split lost rows: %d", total)
	}
}
