package fsm

import (
	"fmt"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

func bitmap(rows ...uint32) []byte {
	b, _ := roaring.BitmapOf(rows...).ToBytes()
	return b
}

func chunksFor(s *segment.Schema, rows int64) []segment.Chunk {
	if rows == 0 {
		return nil
	}
	keys, sums := make([]string, len(s.Fields)), make([]uint32, len(s.Fields))
	for i := range keys {
		keys[i] = fmt.Sprintf("insert_log/x/%d", i)
	}
	return []segment.Chunk{{FromRow: 0, ToRow: rows, Keys: keys, Checksums: sums}}
}

// TestCompactCommit: a worker's output replaces its inputs; deletes that
// arrived after the worker read are carried over; a stale commit is
// rejected and changes nothing.
func TestCompactCommit(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	sh := NewShard(s, base)
	var idx uint64
	apply := func(c *Command) Result {
		idx++
		return sh.Apply(&hraft.Log{Index: idx, Type: hraft.LogCommand, Data: c.Encode()}).(Result)
	}
	apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2, 3, 4}, 0)})
	apply(&Command{Kind: KindSeal})
	apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{5, 6}, 0)})
	apply(&Command{Kind: KindSeal})
	apply(&Command{Kind: KindDelete, Filter: "id == 2"}) // the worker saw this one
	in := []int64{base + 1, base + 2}
	apply(&Command{Kind: KindDelete, Filter: "id == 5"}) // after the worker read
	out := base | CompactionOutputBit | 7
	commit := &Command{Kind: KindCompactCommit, Segments: in, Output: out,
		Excluded: [][]byte{bitmap(1), bitmap()}, Chunks: chunksFor(s, 5)}
	if r := apply(commit); r.Err != nil || r.Count != 4 {
		t.Fatalf("commit: %+v", r)
	}
	var live []any
	sh.View(func(v View) {
		if len(v.Segments()) != 1 || v.Segments()[0].ID != out || v.Segments()[0].State != segment.Flushed {
			t.Fatalf("segments after commit: %d", len(v.Segments()))
		}
		g := v.Segments()[0]
		for row := 0; row < g.Rows(); row++ {
			if !g.IsDeleted(row) {
				live = append(live, g.Value(0, row))
			}
		}
		if _, _, ok := v.Lookup(int64(5)); ok {
			t.Fatal("row deleted after the worker read came back")
		}
	})
	if fmt.Sprint(live) != "[1 3 4 6]" {
		t.Fatalf("live rows %v", live)
	}
	before := sh.StateHash()
	commit.Output = out + 1
	if r := apply(commit); r.Err == nil {
		t.Fatal("a stale commit whose inputs are gone was accepted")
	}
	if sh.StateHash() != before {
		t.Fatal("a rejected commit changed the state")
	}
	// Deletes and upserts after the commit find the rows in the output.
	if r := apply(&Command{Kind: KindDelete, Filter: "id in [3, 4]"}); r.Count != 2 {
		t.Fatalf("delete after commit: %+v", r)
	}
}

func TestCompactCommitRejects(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	cases := map[string]func(c *Command){
		"output without the worker bit": func(c *Command) { c.Output = base + 99 },
		"output of another shard":       func(c *Command) { c.Output = (base << 1) | CompactionOutputBit },
		"chunks short of the rows":      func(c *Command) { c.Chunks = chunksFor(s, 1) },
		"missing exclusion set":         func(c *Command) { c.Excluded = nil },
		"growing input":                 func(c *Command) { c.Segments = []int64{base + 2} },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			sh := NewShard(s, base)
			sh.Apply(&hraft.Log{Index: 1, Type: hraft.LogCommand, Data: (&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2}, 0)}).Encode()})
			sh.Apply(&hraft.Log{Index: 2, Type: hraft.LogCommand, Data: (&Command{Kind: KindSeal}).Encode()})
			sh.Apply(&hraft.Log{Index: 3, Type: hraft.LogCommand, Data: (&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{3}, 0)}).Encode()})
			c := &Command{Kind: KindCompactCommit, Segments: []int64{base + 1}, Output: base | CompactionOutputBit | 1,
				Excluded: [][]byte{bitmap()}, Chunks: chunksFor(s, 2)}
			mutate(c)
			before := sh.StateHash()
			if r := sh.Apply(&hraft.Log{Index: 4, Type: hraft.LogCommand, Data: c.Encode()}).(Result); r.Err == nil {
				t.Fatal("accepted")
			}
			if sh.StateHash() != before {
				t.Fatal("state changed")
			}
		})
	}
}

// TestCompactCommitCarriesIndex: a worker that built the output's index
// file commits it with the swap (the entry round-trips through its
// encoding); one naming no file is rejected and changes nothing.
func TestCompactCommitCarriesIndex(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	for _, tc := range []struct {
		name string
		key  string
		ok   bool
	}{{"indexed", "index_files/9/3/1/x/HNSW", true}, {"no file", "", false}} {
		t.Run(tc.name, func(t *testing.T) {
			sh := NewShard(s, base)
			var idx uint64
			apply := func(c *Command) Result {
				idx++
				return sh.Apply(&hraft.Log{Index: idx, Type: hraft.LogCommand, Data: c.Encode()}).(Result)
			}
			apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2, 3}, 0)})
			apply(&Command{Kind: KindSeal})
			ref := &segment.IndexRef{Name: "v", Field: s.Fields[4].ID, Type: "HNSW", Key: tc.key, Checksum: 7, Version: 3}
			out := base | CompactionOutputBit | 3
			before := sh.StateHash()
			r := apply(&Command{Kind: KindCompactCommit, Segments: []int64{base + 1}, Output: out,
				Excluded: [][]byte{bitmap()}, Chunks: chunksFor(s, 3), Index: ref})
			if (r.Err == nil) != tc.ok {
				t.Fatalf("commit: %+v", r)
			}
			if !tc.ok {
				if sh.StateHash() != before {
					t.Fatal("a rejected commit changed the state")
				}
				return
			}
			sh.View(func(v View) {
				g := v.Segments()[0]
				if x := g.IndexNamed(ref.Name); g.ID != out || x == nil || *x != *ref || len(g.Indexes) != 1 {
					t.Fatalf("output %d indexes %+v, want %+v", g.ID, g.Indexes, ref)
				}
			})
		})
	}
}
