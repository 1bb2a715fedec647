package fsm

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/segment"
)

// TestDataDriven runs the scripts under testdata/: each command applies a
// log entry to a shard (or prints its state) and the output is compared
// with the golden text. Regenerate with -rewrite.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := testSchema(t)
		sh := NewShard(s, 1000)
		var idx uint64
		var curData *datadriven.TestData
		apply := func(c *Command) string {
			idx++
			if d := curData; d != nil && d.HasArg("key") {
				d.ScanArgs(t, "key", &c.Key)
			}
			if d := curData; d != nil && d.HasArg("ttl") {
				d.ScanArgs(t, "ttl", &c.TTL)
			}
			data := c.Encode()
			if d := curData; d != nil && d.HasArg("time") { // as the leader stamps it
				var ms int64
				d.ScanArgs(t, "time", &ms)
				if !Stamp(data, ms) {
					t.Fatalf("%s: entries of kind %d carry no time", d.Pos, c.Kind)
				}
			}
			res := sh.Apply(&hraft.Log{Index: idx, Type: hraft.LogCommand, Data: data}).(Result)
			if res.Err != nil {
				return fmt.Sprintf("error: %v\n", res.Err)
			}
			if res.Replayed {
				return fmt.Sprintf("replayed: %d\n", res.Count)
			}
			return fmt.Sprintf("ok: %d\n", res.Count)
		}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			curData = d
			part := int64(0)
			if d.HasArg("part") {
				d.ScanArgs(t, "part", &part)
			}
			switch d.Cmd {
			case "insert", "upsert":
				var version int
				if d.HasArg("v") {
					d.ScanArgs(t, "v", &version)
				}
				kind := KindInsert
				if d.Cmd == "upsert" {
					kind = KindUpsert
				}
				return apply(&Command{Kind: kind, Partition: part, Rows: rows(s, parseIDs(t, d), version)})
			case "delete":
				return apply(&Command{Kind: KindDelete, Partition: part, Filter: strings.TrimSpace(d.Input)})
			case "drop-partition":
				return apply(&Command{Kind: KindDropPartition, Partition: part})
			case "compact":
				var raw string
				d.ScanArgs(t, "segs", &raw)
				var ids []int64
				for _, f := range strings.Split(raw, ",") {
					n, _ := strconv.ParseInt(f, 10, 64)
					ids = append(ids, n)
				}
				return apply(&Command{Kind: KindCompact, Segments: ids})
			case "delta":
				var seg, idx, count int64
				d.ScanArgs(t, "seg", &seg)
				d.ScanArgs(t, "idx", &idx)
				d.ScanArgs(t, "count", &count)
				key := fmt.Sprintf("delta_log/1/%d/%d/%d", part, seg, idx)
				return apply(&Command{Kind: KindDeltaFlushed, Segment: seg, Delta: &segment.Delta{Index: idx, Key: key, Count: count}})
			case "seal":
				var seg int64
				d.ScanArgs(t, "seg", &seg)
				return apply(&Command{Kind: KindSeal, Segment: seg})
			case "flushed":
				var seg, from, to int64
				d.ScanArgs(t, "seg", &seg)
				d.ScanArgs(t, "from", &from)
				d.ScanArgs(t, "to", &to)
				keys, sums := make([]string, len(s.Fields)), make([]uint32, len(s.Fields))
				for i := range keys {
					keys[i] = fmt.Sprintf("insert_log/1/%d/%d/%d/%d", part, seg, s.Fields[i].ID, from)
				}
				return apply(&Command{Kind: KindChunkFlushed, Segment: seg, Chunk: &segment.Chunk{Index: from, FromRow: from, ToRow: to, Keys: keys, Checksums: sums}})
			case "indexed":
				var seg, version int64
				var name string
				d.ScanArgs(t, "seg", &seg)
				d.ScanArgs(t, "name", &name)
				d.ScanArgs(t, "v", &version)
				field := s.Fields[4].ID // the vector field, unless field= names another ID
				if d.HasArg("field") {
					d.ScanArgs(t, "field", &field)
				}
				key := fmt.Sprintf("index_files/1/%d/%d/%d/HNSW", version, part, seg)
				return apply(&Command{Kind: KindIndexed, Segment: seg, Index: &segment.IndexRef{Name: name, Field: field,
					Type: "HNSW", Key: key, Version: version}})
			case "rows":
				return dumpRows(sh)
			case "tick":
				var ms int64
				d.ScanArgs(t, "at", &ms)
				return apply(&Command{Kind: KindTick, Time: ms})
			case "visible":
				return dumpVisible(t, sh, d)
			case "restart": // restore the state from a snapshot, as after a restart
				restored := NewShard(s, 1000)
				if err := restored.Restore(io.NopCloser(bytes.NewReader(sh.Encode()))); err != nil {
					t.Fatal(err)
				}
				same := restored.StateHash() == sh.StateHash()
				sh = restored
				return fmt.Sprintf("same state: %v\n", same)
			}
			return fmt.Sprintf("unknown command %q", d.Cmd)
		})
	})
}

func parseIDs(t *testing.T, d *datadriven.TestData) []int64 {
	var raw string
	d.ScanArgs(t, "ids", &raw)
	var out []int64
	for _, f := range strings.Split(raw, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			t.Fatalf("bad id %q", f)
		}
		out = append(out, n)
	}
	return out
}

// dumpRows prints every segment and its live rows as "pk:n".
func dumpRows(sh *Shard) string {
	var b strings.Builder
	sh.View(func(v View) {
		for _, g := range v.Segments() {
			fmt.Fprintf(&b, "segment %d part=%d state=%s rows=%d live=%d", g.ID, g.Partition, g.State, g.Rows(), g.Live())
			if len(g.Chunks) > 0 {
				fmt.Fprintf(&b, " flushed=%d chunks=%d", g.FlushedRows(), len(g.Chunks))
			}
			for _, x := range g.Indexes {
				fmt.Fprintf(&b, " index=%s@v%d", x.Name, x.Version)
			}
			b.WriteString(":")
			for row := 0; row < g.Rows(); row++ {
				if !g.IsDeleted(row) {
					fmt.Fprintf(&b, " %v:%v", g.Value(0, row), g.Value(1, row))
				}
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "live=%d\n", v.Live(0))
	})
	return b.String()
}

// dumpVisible prints the rows a read sees under ttl= (ms) at the shard's
// leader time (or at=, if later, as a Strong read's leader clock): the
// live rows not expired, each with its write time, per segment.
func dumpVisible(t *testing.T, sh *Shard, d *datadriven.TestData) string {
	var ttl, at int64
	d.ScanArgs(t, "ttl", &ttl)
	if d.HasArg("at") {
		d.ScanArgs(t, "at", &at)
	}
	var b strings.Builder
	sh.View(func(v View) {
		now := max(v.LeaderTime(), at)
		fmt.Fprintf(&b, "now=%d\n", now)
		n := 0
		for _, g := range v.Segments() {
			expired := v.Expired(g, ttl, now)
			fmt.Fprintf(&b, "segment %d:", g.ID)
			for row := 0; row < g.Rows(); row++ {
				if g.IsDeleted(row) || (expired != nil && expired.Contains(uint32(row))) {
					continue
				}
				wt, _ := v.WriteTime(g.ID, row)
				fmt.Fprintf(&b, " %v@%d", g.Value(0, row), wt)
				n++
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "visible=%d\n", n)
	})
	return b.String()
}
