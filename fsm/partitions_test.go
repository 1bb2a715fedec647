package fsm

import (
	"reflect"
	"testing"

	hraft "github.com/hashicorp/raft"
)

// TestRowPartitions: an insert whose rows carry their partitions (a
// partition-key collection) puts each row in its partition's growing
// segment, in batch order, in one entry; the field survives encoding, and
// an entry without it still decodes.
func TestRowPartitions(t *testing.T) {
	s := testSchema(t)
	sh := NewShard(s, 1<<32)
	c := &Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2, 3, 4, 5}, 0),
		RowPartitions: []int64{7, 8, 7, 9, 8}}
	dec, err := Decode(c.Encode(), s)
	if err != nil || !reflect.DeepEqual(dec.RowPartitions, c.RowPartitions) {
		t.Fatalf("decode: %v, %v", dec.RowPartitions, err)
	}
	plain, err := Decode((&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{6}, 0)}).Encode(), s)
	if err != nil || plain.RowPartitions != nil || plain.Partition != 1 {
		t.Fatalf("entry without row partitions: %+v, %v", plain, err)
	}
	bad := &Command{Kind: KindInsert, Rows: rows(s, []int64{1, 2}, 0), RowPartitions: []int64{7}}
	if _, err := Decode(bad.Encode(), s); err == nil {
		t.Fatal("row partitions of the wrong length decoded")
	}
	if r := sh.Apply(&hraft.Log{Index: 1, Type: hraft.LogCommand, Data: c.Encode()}).(Result); r.Err != nil || r.Count != 5 {
		t.Fatalf("apply: %+v", r)
	}
	got := map[int64][]int64{}
	sh.View(func(v View) {
		for _, g := range v.Segments() {
			for row := 0; row < g.Rows(); row++ {
				got[g.Partition] = append(got[g.Partition], g.Value(s.PrimaryIndex(), row).(int64))
			}
		}
		if g, row, ok := v.Lookup(int64(4)); !ok || g.Partition != 9 || row != 0 {
			t.Errorf("pk 4 at partition %d row %d (%v), want partition 9 row 0", g.Partition, row, ok)
		}
	})
	want := map[int64][]int64{7: {1, 3}, 8: {2, 5}, 9: {4}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows by partition %v, want %v", got, want)
	}
}
