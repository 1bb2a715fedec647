package fsm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// objectStore is an in-memory object store for chunk files.
type objectStore map[string][]byte

func (o objectStore) load(key string) ([]byte, error) {
	if b, ok := o[key]; ok {
		return b, nil
	}
	return nil, errors.New("no such object")
}

// flushCommand writes the chunk files of rows [from, to) of segment id as
// the flusher does and returns the entry that records them.
func flushCommand(t *testing.T, sh *Shard, objs objectStore, id int64, from, to int) *Command {
	t.Helper()
	c := &segment.Chunk{FromRow: int64(from), ToRow: int64(to)}
	sh.View(func(v View) {
		for _, g := range v.Segments() {
			if g.ID != id {
				continue
			}
			c.Index = int64(len(g.Chunks))
			for f := range g.Columns {
				b := segment.EncodeChunkFile(sh.Schema().Fields[f].ID, &g.Columns[f], from, to)
				key := fmt.Sprintf("insert_log/%d/%d/%d", id, f, c.Index)
				objs[key] = b
				c.Keys, c.Checksums = append(c.Keys, key), append(c.Checksums, segment.Checksum(b))
			}
		}
	})
	return &Command{Kind: KindChunkFlushed, Segment: id, Chunk: c}
}

// TestFlushedVectorsLeaveMemory: once a sealed segment's rows are all in
// object storage its vectors leave memory (with a loader), which changes
// no result and no state hash: a replica that keeps them agrees, deletes
// and upserts still work, and a restore brings back only the scalars.
func TestFlushedVectorsLeaveMemory(t *testing.T) {
	s := testSchema(t)
	const base = int64(1) << 32
	objs := objectStore{}
	lazy, full := NewShard(s, base), NewShard(s, base)
	lazy.SetLoader(objs.load)
	var idx uint64
	apply := func(c *Command) Result {
		idx++
		l := &hraft.Log{Index: idx, Type: hraft.LogCommand, Data: c.Encode()}
		a, b := lazy.Apply(l).(Result), full.Apply(l).(Result)
		if a.Count != b.Count || (a.Err == nil) != (b.Err == nil) {
			t.Fatalf("entry %d: results differ: %+v / %+v", idx, a, b)
		}
		if lazy.StateHash() != full.StateHash() {
			t.Fatalf("entry %d: state hashes differ", idx)
		}
		return a
	}
	const vf = 4 // testSchema's vector field
	seg := base + 1
	apply(&Command{Kind: KindInsert, Partition: 1, Rows: rows(s, []int64{1, 2, 3, 4, 5, 6}, 0)})
	apply(&Command{Kind: KindSeal})
	apply(flushCommand(t, full, objs, seg, 0, 4))
	resident := func(sh *Shard) (ok bool) {
		sh.View(func(v View) { ok = v.Segments()[0].Resident(vf) })
		return ok
	}
	if !resident(lazy) {
		t.Fatal("a partly flushed segment dropped its vectors")
	}
	apply(flushCommand(t, full, objs, seg, 4, 6))
	if resident(lazy) || !resident(full) {
		t.Fatalf("after the last chunk: vectors resident %v (with loader) / %v (without)", resident(lazy), resident(full))
	}
	if r := apply(&Command{Kind: KindDelete, Filter: "n >= 50"}); r.Count != 2 { // rows 5, 6: scalars still there
		t.Fatalf("delete on a flushed segment: %+v", r)
	}
	apply(&Command{Kind: KindUpsert, Partition: 1, Rows: rows(s, []int64{2}, 3)})

	snap := lazy.Encode()
	restored := NewShard(s, base)
	restored.SetLoader(objs.load)
	if err := restored.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	if restored.StateHash() != lazy.StateHash() || resident(restored) {
		t.Fatalf("restore: hash equal %v, vectors resident %v", restored.StateHash() == lazy.StateHash(), resident(restored))
	}
	restored.View(func(v View) {
		g, row, ok := v.Lookup(int64(3))
		if !ok {
			t.Fatal("row 3 lost")
		}
		if err := g.Load(vf); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(g.Value(vf, row)); got != "[3 0 1 0]" {
			t.Fatalf("row 3 vector %s", got)
		}
	})
}
