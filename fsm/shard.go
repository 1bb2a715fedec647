package fsm

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	hraft "github.com/hashicorp/raft"

	"github.com/raftvec/raftvec/expr"
	"github.com/raftvec/raftvec/segment"
)

// Shard is the deterministic state machine of one shard of one collection.
// It implements hashicorp/raft's FSM. Reads go through View, under a read
// lock; Apply and Restore take the write lock.
type Shard struct {
	schema *segment.Schema
	base   int64          // segment IDs are base + n, so they are unique across shards
	load   segment.Loader // fetches flushed chunks when restoring a snapshot

	mu struct {
		sync.RWMutex
		state
		// applied is the log index of the last command applied; not part
		// of the state (0 after Restore until the next command).
		applied uint64
	}
	// named collects the segments that the snapshots taken since the last
	// SnapshotSegments call name; not part of the state.
	named struct {
		sync.Mutex
		ids map[int64]bool
	}
}

// state is everything a snapshot holds (plus derived indexes).
type state struct {
	segments []*segment.Segment         // sorted by ID
	byID     map[int64]*segment.Segment // derived
	growing  map[int64]*segment.Segment // partition → growing segment (derived)
	pk       *segment.PKIndex           // live rows only (derived)
	nextSeg  int64
	lastTick int64 // the latest tick's time (Bounded reads' freshness)
	// leaderTime is the latest leader time of any entry applied, ticks
	// included (unix ms): the shard's time for TTL expiry.
	leaderTime int64
	keys       keyWindow // recent idempotency keys
	writes     writeLog  // which entry wrote which rows (writes.go)
}

// NewShard returns an empty shard state machine. base makes segment IDs
// unique across shards (e.g. shard ID << 20); the schema must be validated.
func NewShard(s *segment.Schema, base int64) *Shard {
	sh := &Shard{schema: s, base: base}
	sh.mu.state = newState()
	return sh
}

func newState() state {
	return state{byID: map[int64]*segment.Segment{}, growing: map[int64]*segment.Segment{}, pk: segment.NewPKIndex(),
		keys: keyWindow{m: map[string]Result{}}, writes: writeLog{}}
}

// SetLoader sets how Restore fetches the flushed chunks a snapshot refers
// to (the caller does the I/O; the FSM verifies checksums). Call it before
// the shard is handed to Raft.
func (sh *Shard) SetLoader(load segment.Loader) { sh.load = load }

// Schema returns the shard's schema (immutable).
func (sh *Shard) Schema() *segment.Schema { return sh.schema }

// Apply implements hraft.FSM. It returns a Result.
func (sh *Shard) Apply(l *hraft.Log) any {
	if l.Type != hraft.LogCommand {
		return Result{}
	}
	c, err := Decode(l.Data, sh.schema)
	if err != nil {
		return Result{Err: err}
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.mu.applied = l.Index
	return sh.applyLocked(c)
}

func (sh *Shard) applyLocked(c *Command) Result {
	sh.mu.leaderTime = max(sh.mu.leaderTime, c.Time) // whatever the entry does
	if c.Key != "" {
		if r, ok := sh.mu.keys.get(c.Key); ok {
			return r
		}
		r := sh.applyKindLocked(c)
		if r.Err == nil {
			sh.mu.keys.put(c.Key, r)
		}
		return r
	}
	return sh.applyKindLocked(c)
}

func (sh *Shard) applyKindLocked(c *Command) Result {
	switch c.Kind {
	case KindInsert, KindUpsert:
		return sh.insertLocked(c)
	case KindDelete:
		return sh.deleteLocked(c.Partition, c.Filter, c.Params, c.TTL)
	case KindDropPartition:
		return sh.dropPartitionLocked(c.Partition)
	case KindTick:
		sh.mu.lastTick = max(sh.mu.lastTick, c.Time)
	case KindSeal:
		return sh.sealLocked(c.Segment)
	case KindChunkFlushed:
		return sh.chunkFlushedLocked(c.Segment, c.Chunk)
	case KindCompact:
		return sh.compactLocked(c.Segments, c.TTL)
	case KindDeltaFlushed:
		return sh.deltaFlushedLocked(c.Segment, c.Delta)
	case KindCompactCommit:
		return sh.compactCommitLocked(c)
	case KindIndexed:
		return sh.indexedLocked(c.Segment, c.Index)
	case KindImportCommit:
		return sh.importCommitLocked(c)
	case KindImportAbort:
		return sh.importAbortLocked(c.Output)
	case KindRestoreCommit:
		return sh.restoreCommitLocked(c)
	}
	return Result{}
}

func (sh *Shard) pkOf(b *segment.Batch, i int) any {
	return b.Columns[sh.schema.PrimaryIndex()].Value(i)
}

// insertLocked applies an insert or upsert. A key whose row has expired
// under the entry's TTL (by the shard's leader time) is free: an insert
// replaces the expired row as an upsert would.
func (sh *Shard) insertLocked(c *Command) Result {
	b, upsert := c.Rows, c.Kind == KindUpsert
	n := b.Rows()
	seen := make(map[any]struct{}, n)
	var dups []string
	for i := 0; i < n; i++ {
		pk := sh.pkOf(b, i)
		_, dupInBatch := seen[pk]
		seen[pk] = struct{}{}
		if old, exists := sh.mu.pk.Get(pk); dupInBatch || (exists && !upsert && !sh.expiredLocked(old, c.TTL)) {
			if len(dups) < 10 {
				dups = append(dups, fmt.Sprint(pk))
			}
		}
	}
	if len(dups) > 0 {
		return Result{Err: fmt.Errorf("%w: %s", ErrDuplicateKey, strings.Join(dups, ", "))}
	}
	// No key repeats within the batch, so every replaced row predates it.
	for i := 0; i < n; i++ {
		if old, ok := sh.mu.pk.Get(sh.pkOf(b, i)); ok {
			sh.mu.byID[old.Segment].Delete(int(old.Row))
		}
	}
	if c.RowPartitions == nil {
		sh.appendLocked(c.Partition, b)
	} else {
		for _, p := range splitByPartition(sh.schema, b, c.RowPartitions) {
			sh.appendLocked(p.part, p.rows)
		}
	}
	return Result{Count: int64(n), MinPK: minIntPK(b, sh.schema.PrimaryIndex())}
}

// expiredLocked reports whether the row at ref has expired under a TTL of
// ttl ms by the shard's leader time.
func (sh *Shard) expiredLocked(ref segment.Ref, ttl int64) bool {
	if ttl <= 0 {
		return false
	}
	r, ok := sh.mu.writes.run(ref.Segment, int(ref.Row))
	return ok && r.time+ttl <= sh.mu.leaderTime
}

// appendLocked appends validated rows to the partition's growing segment
// and indexes their keys.
func (sh *Shard) appendLocked(part int64, b *segment.Batch) {
	g := sh.growingLocked(part)
	first := g.AppendBatch(b) // adopts the decoded batch's vectors: no copy
	sh.mu.writes.note(g.ID, first, sh.mu.applied, sh.mu.leaderTime)
	for i := 0; i < b.Rows(); i++ {
		sh.mu.pk.Put(sh.pkOf(b, i), segment.Ref{Segment: g.ID, Row: int32(first + i)})
	}
}

type partRows struct {
	part int64
	rows *segment.Batch
}

// splitByPartition groups a batch's rows by partition, partitions in the
// order they first appear and rows in batch order (deterministic).
func splitByPartition(s *segment.Schema, b *segment.Batch, rowParts []int64) []partRows {
	var out []partRows
	at := map[int64]int{}
	for i, p := range rowParts {
		k, ok := at[p]
		if !ok {
			k, at[p] = len(out), len(out)
			out = append(out, partRows{part: p, rows: segment.NewBatch(s)})
		}
		for f := range b.Columns {
			out[k].rows.Columns[f].Append(&b.Columns[f], i)
		}
	}
	return out
}

// minIntPK returns the smallest Int64 primary key of a batch (0 for
// VarChar keys or an empty batch).
func minIntPK(b *segment.Batch, pki int) int64 {
	ints := b.Columns[pki].Ints
	if len(ints) == 0 {
		return 0
	}
	m := ints[0]
	for _, v := range ints[1:] {
		m = min(m, v)
	}
	return m
}

func (sh *Shard) growingLocked(part int64) *segment.Segment {
	if g, ok := sh.mu.growing[part]; ok {
		return g
	}
	sh.mu.nextSeg++
	g := segment.New(sh.base+sh.mu.nextSeg, part, sh.schema)
	sh.mu.segments = append(sh.mu.segments, g)
	sh.mu.byID[g.ID] = g
	sh.mu.growing[part] = g
	return g
}

// deleteLocked flags the rows matching a filter deleted, expired rows
// too (they stay gone if the TTL is raised), and counts the rows it
// deleted that had not expired under ttl: the rows a read saw.
func (sh *Shard) deleteLocked(part int64, filter string, params []byte, ttl int64) Result {
	f, err := compileFilter(sh.schema, filter, params)
	if err != nil {
		return Result{Err: err}
	}
	var n int64
	pki := sh.schema.PrimaryIndex()
	for _, g := range sh.mu.segments {
		if part != 0 && g.Partition != part {
			continue
		}
		var expired *roaring.Bitmap
		if ttl > 0 {
			expired = sh.mu.writes.expired(g.ID, g.Rows(), sh.mu.leaderTime-ttl)
		}
		for row := 0; row < g.Rows(); row++ {
			if g.IsDeleted(row) || !f.Match(g, row) {
				continue
			}
			g.Delete(row)
			sh.mu.pk.Delete(g.Columns[pki].Value(row))
			if expired == nil || !expired.Contains(uint32(row)) {
				n++
			}
		}
	}
	return Result{Count: n}
}

func (sh *Shard) dropPartitionLocked(part int64) Result {
	kept := sh.mu.segments[:0]
	pki := sh.schema.PrimaryIndex()
	var n int64
	for _, g := range sh.mu.segments {
		if g.Partition != part {
			kept = append(kept, g)
			continue
		}
		for row := 0; row < g.Rows(); row++ {
			if !g.IsDeleted(row) {
				sh.mu.pk.Delete(g.Columns[pki].Value(row))
				n++
			}
		}
		delete(sh.mu.byID, g.ID)
		delete(sh.mu.writes, g.ID)
		delete(sh.mu.growing, part)
	}
	sh.mu.segments = kept
	return Result{Count: n}
}

// compileFilter compiles a delete filter with its JSON params.
func compileFilter(s *segment.Schema, filter string, params []byte) (*expr.Filter, error) {
	var p map[string]any
	if len(params) > 0 {
		v, err := segment.DecodeJSON(params)
		if err != nil {
			return nil, fmt.Errorf("%w: exprParams: %v", ErrBadCommand, err)
		}
		p, _ = v.(map[string]any)
	}
	return expr.Compile(filter, s, p)
}

// Snapshot implements hraft.FSM: the state is encoded under the read lock
// and written out by Persist. The segments it names are recorded for
// SnapshotSegments, whoever asked for the snapshot.
func (sh *Shard) Snapshot() (hraft.FSMSnapshot, error) {
	sh.mu.RLock()
	data := sh.encodeLocked()
	ids := make([]int64, len(sh.mu.segments))
	for i, g := range sh.mu.segments {
		ids[i] = g.ID
	}
	sh.mu.RUnlock()
	sh.nameSegments(ids)
	return &snapshot{data: data}, nil
}

// nameSegments records segments a snapshot on disk names, for
// SnapshotSegments.
func (sh *Shard) nameSegments(ids []int64) {
	sh.named.Lock()
	defer sh.named.Unlock()
	if sh.named.ids == nil {
		sh.named.ids = map[int64]bool{}
	}
	for _, id := range ids {
		sh.named.ids[id] = true
	}
}

// SnapshotSegments returns the IDs of the segments named by the snapshots
// taken since the last call (by Raft's own schedule, a flush, hibernation
// or the replica's loop) or restored from, and forgets them: the objects of those segments
// must outlive them until a newer snapshot no longer names them.
func (sh *Shard) SnapshotSegments() map[int64]bool {
	sh.named.Lock()
	defer sh.named.Unlock()
	ids := sh.named.ids
	sh.named.ids = nil
	return ids
}

// Restore implements hraft.FSM.
func (sh *Shard) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("fsm: reading snapshot: %w", err)
	}
	st, err := decodeState(b, sh.schema, sh.load)
	if err != nil {
		return err
	}
	sh.mu.Lock()
	sh.mu.state, sh.mu.applied = st, 0
	ids := make([]int64, len(st.segments))
	for i, g := range st.segments {
		ids[i] = g.ID
	}
	sh.mu.Unlock()
	// The snapshot restored from stays on disk (a restart or a new
	// replica opens it again) until a newer one is taken: its segments'
	// objects must outlive the log entries after it that remove them.
	sh.nameSegments(ids)
	return nil
}

type snapshot struct{ data []byte }

func (s *snapshot) Persist(sink hraft.SnapshotSink) error {
	if _, err := sink.Write(s.data); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("fsm: writing snapshot: %w", err)
	}
	return sink.Close()
}

func (s *snapshot) Release() {}

// sortSegments keeps segments ordered by ID (the encoding order).
func sortSegments(segs []*segment.Segment) {
	sort.Slice(segs, func(i, j int) bool { return segs[i].ID < segs[j].ID })
}
