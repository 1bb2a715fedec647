package fsm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// testSchema: Int64 pk, Int32 n, VarChar tag (nullable), JSON meta,
// FloatVector v (dim 4), dynamic field.
func testSchema(t testing.TB) *segment.Schema {
	s := &segment.Schema{Name: "t", EnableDynamic: true, Fields: []segment.Field{
		{Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{Name: "n", Type: segment.TypeInt32},
		{Name: "tag", Type: segment.TypeVarChar, MaxLength: 16, Nullable: true},
		{Name: "meta", Type: segment.TypeJSON},
		{Name: "v", Type: segment.TypeFloatVector, Dim: 4},
		{Name: segment.DynamicFieldName, Type: segment.TypeJSON, IsDynamic: true},
	}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// rows builds a batch with the given primary keys; values derive from the
// key and a version so upserts are visible.
func rows(s *segment.Schema, ids []int64, version int) *segment.Batch {
	b := segment.NewBatch(s)
	for _, id := range ids {
		b.Columns[0].AppendValue(id)
		b.Columns[1].AppendValue(id*10 + int64(version))
		if id%3 == 0 {
			b.Columns[2].AppendValue(nil)
		} else {
			b.Columns[2].AppendValue(fmt.Sprintf("t%d", id%5))
		}
		b.Columns[3].AppendValue([]byte(fmt.Sprintf(`{"k":%d}`, id%7)))
		b.Columns[4].AppendValue([]float32{float32(id), float32(version), 1, 0})
		b.Columns[5].AppendValue([]byte(`{}`))
	}
	return b
}

type logGen struct {
	r     *rand.Rand
	s     *segment.Schema
	next  int64
	idx   uint64
	parts []int64
}

// entry returns the next generated log entry.
func (g *logGen) entry() *hraft.Log {
	g.idx++
	var c Command
	switch op := g.r.IntN(10); {
	case op < 5:
		n := 1 + g.r.IntN(20)
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = g.next
			g.next++
		}
		if g.r.IntN(8) == 0 && g.next > n64(n)+5 { // a duplicate: rejected deterministically
			ids[0] = g.r.Int64N(g.next - n64(n))
		}
		c = Command{Kind: KindInsert, Partition: g.parts[g.r.IntN(len(g.parts))], Rows: rows(g.s, ids, 0)}
	case op < 7:
		ids := []int64{g.r.Int64N(g.next + 1), g.r.Int64N(g.next + 1)}
		if ids[0] == ids[1] {
			ids = ids[:1]
		}
		c = Command{Kind: KindUpsert, Partition: g.parts[g.r.IntN(len(g.parts))], Rows: rows(g.s, ids, 1+g.r.IntN(3))}
	case op < 9:
		c = Command{Kind: KindDelete, Filter: fmt.Sprintf("n %% %d == %d and id < {max}", 3+g.r.IntN(5), g.r.IntN(3)),
			Params: []byte(fmt.Sprintf(`{"max": %d}`, g.r.Int64N(g.next+1)))}
	default:
		switch g.r.IntN(3) {
		case 0:
			c = Command{Kind: KindTick, Time: int64(g.idx) * 1000}
		case 1:
			c = Command{Kind: KindSeal} // seal every growing segment
		default: // merge two segments (often invalid: a deterministic error)
			base := int64(1 << 32)
			c = Command{Kind: KindCompact, Segments: []int64{base + 1 + g.r.Int64N(30), base + 1 + g.r.Int64N(30)}}
		}
	}
	if stamped(c.Kind) { // leader times, and a TTL that expires rows now and then
		c.Time = int64(g.idx) * 100
		if g.r.IntN(2) == 0 {
			c.TTL = 20_000
		}
	}
	if (c.Kind == KindInsert || c.Kind == KindUpsert || c.Kind == KindDelete) && g.r.IntN(4) == 0 {
		c.Key = fmt.Sprintf("k%d", g.r.IntN(200)) // some keys repeat: replays
	}
	return &hraft.Log{Index: g.idx, Term: 1, Type: hraft.LogCommand, Data: c.Encode()}
}

func n64(n int) int64 { return int64(n) }
