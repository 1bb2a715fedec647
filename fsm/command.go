package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/raftvec/raftvec/segment"
)

// Version is the command encoding version written by this build. Apply
// rejects entries of an unknown version by panicking: a replica that cannot
// understand its log must stop rather than diverge.
const Version = 1

// Kind is a command type.
type Kind uint8

// Command kinds.
const (
	KindInsert Kind = iota + 1
	KindUpsert
	KindDelete
	KindDropPartition
	KindTick
	// KindSeal seals a growing segment (Segment; 0 = every growing one):
	// later inserts go to a new growing segment.
	KindSeal
	// KindChunkFlushed records a chunk the leader has already written to
	// object storage (side effect before the entry).
	KindChunkFlushed
	// KindCompact rewrites sealed segments (Segments) into one without their
	// deleted rows: a merge, or a compaction when there is one input.
	KindCompact
	// KindDeltaFlushed records a delta log of a segment's deletion flags the
	// leader has already written to object storage.
	KindDeltaFlushed
	// KindCompactCommit commits a compaction a worker has done off the log:
	// it read the inputs (Segments) from object storage, skipped the rows
	// its deletion flags (Excluded, roaring bitmaps per input) flagged,
	// wrote the output's chunks (Chunks) as segment Output, and now swaps
	// the inputs for the output.
	KindCompactCommit
	// KindIndexed records the index file an index builder wrote for a
	// flushed segment (Segment, Index).
	KindIndexed
	// KindImportCommit adopts a segment a bulk-import worker wrote off the
	// log (import.go): its chunks (Chunks) as segment Output of Partition,
	// with its scalar columns (Rows, dense vector columns empty).
	KindImportCommit
	// KindImportAbort takes back an import commit (Output) when another
	// shard refused its part of the same file.
	KindImportAbort
	// KindRestoreCommit adopts a segment restored from a backup
	// (restore.go): like an import commit, its chunks (Chunks) and scalar
	// columns (Rows) as segment Output of Partition, plus the segment's
	// deletion flags at backup time (Excluded[0], a roaring bitmap) and
	// its index files (Indexes).
	KindRestoreCommit
)

// Errors returned (as Result.Err) by Apply. They are deterministic: every
// replica returns the same error for the same entry.
var (
	ErrDuplicateKey = errors.New("duplicate primary key")
	ErrBadCommand   = errors.New("bad command")
)

// Command is a decoded shard log entry.
type Command struct {
	Kind      Kind
	Partition int64          // insert/upsert target; delete/drop scope (0 = all)
	Rows      *segment.Batch // insert, upsert
	// RowPartitions, when set (a partition-key collection), gives each
	// row's partition; Partition is then ignored. Encoded after the rows,
	// so entries written before it decode unchanged.
	RowPartitions []int64
	Filter        string // delete
	Params        []byte // delete: exprParams as a JSON object
	// Time is the leader's clock (unix ms): of a tick, stamped by the
	// proposer; of an insert, upsert, delete, compact or import commit,
	// stamped in place by the leader that proposes the entry (Stamp), 0 in
	// entries written before it. Applying any entry advances the shard's
	// leader time to it.
	Time int64
	// TTL is the collection's time to live (ms, 0: rows never expire) as
	// the proposer's metadata said, carried by inserts, upserts, deletes,
	// compacts and import commits so that their effect on expired rows is
	// decided by the log alone: an insert or import over an expired row's
	// key replaces it, a delete does not count expired rows, a compact
	// leaves them out.
	TTL int64
	// Key is an optional idempotency key (insert, upsert, delete): an entry
	// whose key was applied before returns the earlier result and changes
	// nothing.
	Key string
	// Segment is the target of Seal and ChunkFlushed.
	Segment int64
	// Chunk is the flushed chunk's manifest (ChunkFlushed).
	Chunk *segment.Chunk
	// Segments are the inputs of a Compact.
	Segments []int64
	// Delta is the delta log of a DeltaFlushed.
	Delta *segment.Delta
	// Index is the index file of an Indexed entry, or of a compaction
	// output built by its worker (optional).
	Index *segment.IndexRef
	// Output, Excluded and Chunks describe a CompactCommit.
	Output   int64
	Excluded [][]byte
	Chunks   []segment.Chunk
	// Indexes are the index files of a restored segment (RestoreCommit).
	Indexes []segment.IndexRef
}

// Encode returns the command's binary encoding.
func (c *Command) Encode() []byte {
	e := &segment.Encoder{Buf: make([]byte, 0, 64)}
	e.Byte(Version)
	e.Byte(byte(c.Kind))
	e.Varint(c.Partition)
	e.String(c.Key)
	switch c.Kind {
	case KindInsert, KindUpsert:
		segment.EncodeBatch(e, c.Rows)
		encodeIDs(e, c.RowPartitions) // optional in older entries: none is an empty list
		encodeStamp(e, c)
	case KindDelete:
		e.String(c.Filter)
		e.Bytes(c.Params)
		encodeStamp(e, c)
	case KindTick:
		e.Varint(c.Time)
	case KindSeal:
		e.Varint(c.Segment)
	case KindChunkFlushed:
		e.Varint(c.Segment)
		segment.EncodeChunk(e, c.Chunk)
	case KindDeltaFlushed:
		e.Varint(c.Segment)
		segment.EncodeDelta(e, c.Delta)
	case KindCompact:
		encodeIDs(e, c.Segments)
		encodeStamp(e, c)
	case KindIndexed:
		e.Varint(c.Segment)
		segment.EncodeIndexRef(e, c.Index)
	case KindCompactCommit:
		encodeIDs(e, c.Segments)
		e.Varint(c.Output)
		e.Uvarint(uint64(len(c.Excluded)))
		for _, b := range c.Excluded {
			e.Bytes(b)
		}
		e.Uvarint(uint64(len(c.Chunks)))
		for i := range c.Chunks {
			segment.EncodeChunk(e, &c.Chunks[i])
		}
		if c.Index != nil { // optional, last: entries before it end here
			segment.EncodeIndexRef(e, c.Index)
		}
	case KindImportCommit:
		encodeImport(e, c)
	case KindImportAbort:
		e.Varint(c.Output)
	case KindRestoreCommit:
		encodeRestore(e, c)
	}
	return e.Buf
}

// Decode parses an encoded command against the shard's schema.
func Decode(b []byte, s *segment.Schema) (*Command, error) {
	d := &segment.Decoder{Buf: b}
	if v := d.Byte(); d.Err == nil && v != Version {
		panic(fmt.Sprintf("fsm: log entry has command version %d, this build understands %d", v, Version))
	}
	c := &Command{Kind: Kind(d.Byte()), Partition: d.Varint(), Key: d.String()}
	var err error
	switch c.Kind {
	case KindInsert, KindUpsert:
		if c.Rows, err = segment.DecodeBatch(d, s); err == nil {
			err = checkRows(c.Rows, s)
		}
		if err == nil && d.Err == nil && len(d.Buf) > 0 {
			c.RowPartitions = decodeIDs(d)
			if n := len(c.RowPartitions); d.Err == nil && n > 0 && n != c.Rows.Rows() {
				err = fmt.Errorf("%d row partitions for %d rows", n, c.Rows.Rows())
			}
		}
		decodeStamp(d, c)
	case KindDelete:
		c.Filter = d.String()
		c.Params = d.Bytes()
		decodeStamp(d, c)
	case KindDropPartition:
	case KindTick:
		c.Time = d.Varint()
	case KindSeal:
		c.Segment = d.Varint()
	case KindChunkFlushed:
		c.Segment = d.Varint()
		ch := segment.DecodeChunk(d)
		c.Chunk = &ch
	case KindDeltaFlushed:
		c.Segment = d.Varint()
		dl := segment.DecodeDelta(d)
		c.Delta = &dl
	case KindCompact:
		c.Segments = decodeIDs(d)
		decodeStamp(d, c)
	case KindIndexed:
		c.Segment = d.Varint()
		x := segment.DecodeIndexRef(d)
		c.Index = &x
	case KindCompactCommit:
		c.Segments = decodeIDs(d)
		c.Output = d.Varint()
		n := d.Len(1)
		for i := 0; i < n && d.Err == nil; i++ {
			c.Excluded = append(c.Excluded, d.Bytes())
		}
		n = d.Len(4)
		for i := 0; i < n && d.Err == nil; i++ {
			c.Chunks = append(c.Chunks, segment.DecodeChunk(d))
		}
		if d.Err == nil && len(d.Buf) > 0 {
			x := segment.DecodeIndexRef(d)
			c.Index = &x
		}
	case KindImportCommit:
		err = decodeImport(d, c, s)
	case KindImportAbort:
		c.Output = d.Varint()
	case KindRestoreCommit:
		err = decodeRestore(d, c, s)
	default:
		return nil, fmt.Errorf("%w: unknown kind %d", ErrBadCommand, c.Kind)
	}
	if err == nil {
		err = d.Err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	return c, nil
}

// Result is what Apply returns for every entry.
type Result struct {
	Count int64 // rows inserted, upserted or deleted
	Err   error
	// Replayed is set when the entry's idempotency key was applied before:
	// Count and MinPK are the earlier entry's, and nothing changed.
	Replayed bool
	// MinPK is the smallest Int64 primary key of an insert (for returning
	// auto IDs on a replayed request).
	MinPK int64
}

// checkRows rejects batches Apply could not store: null primary keys or
// vectors.
func checkRows(b *segment.Batch, s *segment.Schema) error {
	for i := range s.Fields {
		f := &s.Fields[i]
		if (f.PrimaryKey || f.Type.IsVector()) && b.Columns[i].Valid != nil {
			for _, ok := range b.Columns[i].Valid {
				if !ok {
					return fmt.Errorf("null value in field %q", f.Name)
				}
			}
		}
	}
	return nil
}

// stampLen is the size of the leader time that ends a stamped entry.
const stampLen = 8

// stamped reports whether entries of kind k end with a stamp: the TTL,
// then the leader's time as 8 fixed bytes so that Stamp can set it in an
// encoded entry.
func stamped(k Kind) bool {
	return k == KindInsert || k == KindUpsert || k == KindDelete || k == KindCompact || k == KindImportCommit
}

func encodeStamp(e *segment.Encoder, c *Command) {
	e.Varint(c.TTL)
	e.Buf = binary.LittleEndian.AppendUint64(e.Buf, uint64(c.Time))
}

// decodeStamp reads an entry's optional stamp (absent in entries written
// before it).
func decodeStamp(d *segment.Decoder, c *Command) {
	if d.Err != nil || len(d.Buf) == 0 {
		return
	}
	c.TTL = d.Varint()
	if b := d.Next(stampLen); len(b) == stampLen {
		c.Time = int64(binary.LittleEndian.Uint64(b))
	}
	if c.TTL < 0 || c.Time < 0 {
		d.Err = fmt.Errorf("%w: negative ttl %d or time %d", segment.ErrCorrupt, c.TTL, c.Time)
	}
}

// Stamp sets the leader's time (unix ms) in an encoded entry that carries
// one (see stamped), in place, and reports whether it did. The leader
// stamps every such entry it proposes, so an entry's time is the leader's
// clock however the entry reached it.
func Stamp(data []byte, ms int64) bool {
	if len(data) < 2+stampLen || data[0] != Version || !stamped(Kind(data[1])) {
		return false
	}
	binary.LittleEndian.PutUint64(data[len(data)-stampLen:], uint64(ms))
	return true
}

func encodeIDs(e *segment.Encoder, ids []int64) {
	e.Uvarint(uint64(len(ids)))
	for _, id := range ids {
		e.Varint(id)
	}
}

func decodeIDs(d *segment.Decoder) []int64 {
	n := d.Len(1)
	var out []int64
	for i := 0; i < n && d.Err == nil; i++ {
		out = append(out, d.Varint())
	}
	return out
}
