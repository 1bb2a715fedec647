package fsm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/raftvec/raftvec/segment"
)

const stateMagic = "RVSHARD1"

// Encode returns the deterministic encoding of the shard's state (what a
// snapshot holds).
func (sh *Shard) Encode() []byte {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.encodeLocked()
}

func (sh *Shard) encodeLocked() []byte {
	e := &segment.Encoder{Buf: []byte(stateMagic)}
	e.Varint(sh.mu.nextSeg)
	e.Varint(sh.mu.lastTick)
	e.Uvarint(uint64(len(sh.mu.segments)))
	for _, g := range sh.mu.segments {
		g.Encode(e)
	}
	sh.mu.keys.encode(e)
	sh.mu.writes.encode(e, sh.mu.segments)
	sh.mu.writes.encodeTimes(e, sh.mu.segments)
	e.Varint(sh.mu.leaderTime)
	return e.Buf
}

// StateHash returns a hex SHA-256 of the encoded state. Replicas that
// applied the same log have equal hashes.
func (sh *Shard) StateHash() string {
	_, h := sh.HashAt()
	return h
}

// HashAt returns the state hash together with the log index of the last
// command applied, read atomically: replicas reporting the same index must
// report the same hash (the end check of the Jepsen suite).
func (sh *Shard) HashAt() (uint64, string) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	h := sha256.Sum256(sh.encodeLocked())
	return sh.mu.applied, hex.EncodeToString(h[:])
}

func decodeState(b []byte, s *segment.Schema, load segment.Loader) (state, error) {
	st := newState()
	if len(b) < len(stateMagic) || string(b[:len(stateMagic)]) != stateMagic {
		return st, fmt.Errorf("fsm: snapshot: %w: bad magic", segment.ErrCorrupt)
	}
	d := &segment.Decoder{Buf: b[len(stateMagic):]}
	st.nextSeg = d.Varint()
	st.lastTick = d.Varint()
	n := d.Len(1)
	pki := s.PrimaryIndex()
	for i := 0; i < n && d.Err == nil; i++ {
		g, err := segment.DecodeSegment(d, s, load)
		if err != nil {
			return st, fmt.Errorf("fsm: snapshot: %w", err)
		}
		st.segments = append(st.segments, g)
		st.byID[g.ID] = g
		if g.State == segment.Growing {
			st.growing[g.Partition] = g
		}
		for row := 0; row < g.Rows(); row++ {
			if !g.IsDeleted(row) {
				st.pk.Put(g.Columns[pki].Value(row), segment.Ref{Segment: g.ID, Row: int32(row)})
			}
		}
	}
	st.keys.decode(d)
	var order []int64
	st.writes, order = decodeWriteLog(d)
	timed := len(d.Buf) > 0 // the write times and the leader time end the state
	st.writes.decodeTimes(d, order, st.lastTick)
	st.leaderTime = st.lastTick // a snapshot from before them: the latest tick
	if timed {
		st.leaderTime = d.Varint()
	}
	if d.Err != nil {
		return st, fmt.Errorf("fsm: snapshot: %w", d.Err)
	}
	sortSegments(st.segments)
	datePastRows(&st)
	return st, nil
}

// datePastRows gives the rows of a snapshot from before the write log
// (segments without runs) one run of unknown index at the snapshot's
// leader time, the best bound on when they were written that the state
// holds: TTL expiry then counts from it, alike on every replica restored
// from the snapshot.
func datePastRows(st *state) {
	for _, g := range st.segments {
		if g.Rows() > 0 && len(st.writes[g.ID]) == 0 {
			st.writes[g.ID] = []writeRun{{row: 0, index: 0, time: st.leaderTime}}
		}
	}
}

// WrittenAt returns the log index of the entry that wrote a row of a
// segment (for a compaction output, of the commit that rewrote it).
func (v View) WrittenAt(seg int64, row int) (uint64, bool) { return v.st.writes.at(seg, row) }

// WriteTime returns a row's write time: the shard's leader time (unix ms)
// once the entry that wrote it was applied. A compaction output's rows
// keep their inputs' times.
func (v View) WriteTime(seg int64, row int) (int64, bool) {
	r, ok := v.st.writes.run(seg, row)
	return r.time, ok
}

// Expired returns the rows of g that have expired under a TTL of ttl ms at
// leader time now: those whose write time + ttl <= now. It is nil when
// none has (or ttl <= 0: rows never expire). Deleted rows are included;
// callers check deletion flags apart. Expiry is a function of the state
// and the two arguments only, so every replica at the same applied index
// answers alike, and nothing in the state changes.
func (v View) Expired(g *segment.Segment, ttl, now int64) *roaring.Bitmap {
	if ttl <= 0 {
		return nil
	}
	return v.st.writes.expired(g.ID, g.Rows(), now-ttl)
}

// View is read access to a shard's state, valid only inside the function
// passed to Shard.View.
type View struct {
	st      *state
	applied uint64
}

// Applied is the log index of the last entry applied to the state the
// view shows (0 after a snapshot restore until the next entry).
func (v View) Applied() uint64 { return v.applied }

// Segments returns the segments, sorted by ID.
func (v View) Segments() []*segment.Segment { return v.st.segments }

// Lookup returns the segment and row of a live primary key.
func (v View) Lookup(pk any) (*segment.Segment, int, bool) {
	r, ok := v.st.pk.Get(pk)
	if !ok {
		return nil, 0, false
	}
	return v.st.byID[r.Segment], int(r.Row), true
}

// Live returns the number of live rows, of one partition when part != 0.
func (v View) Live(part int64) int64 {
	var n int64
	for _, g := range v.st.segments {
		if part == 0 || g.Partition == part {
			n += int64(g.Live())
		}
	}
	return n
}

// LastTick returns the time of the latest tick applied (unix ms): Bounded
// reads are served here while it is within their staleness bound.
func (v View) LastTick() int64 { return v.st.lastTick }

// LeaderTime returns the shard's leader time: the latest leader clock
// (unix ms) carried by any entry applied, ticks and data entries alike. It
// never goes back; TTL expiry counts by it.
func (v View) LeaderTime() int64 { return v.st.leaderTime }

// View runs fn with read access to the state. fn must not retain the view
// or the segments' slices beyond its return, nor call back into the shard.
func (sh *Shard) View(fn func(View)) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	fn(View{st: &sh.mu.state, applied: sh.mu.applied})
}

// EvictFlushedVectors drops from memory the vector columns that reads
// loaded back into flushed segments (a released collection's replicas
// free them). Like the evictions in Apply, it changes nothing the state
// encodes.
func (sh *Shard) EvictFlushedVectors() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, g := range sh.mu.segments {
		g.EvictVectors(sh.schema, sh.load)
	}
}
