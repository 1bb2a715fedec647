package segment

import (
	"encoding/binary"
	"fmt"
)

// Delta is a segment's latest delta log: the deletion flags of its rows as
// one object in object storage ({root}/delta_log/...). Count is how many
// rows it flags; when it equals the segment's deleted count, snapshots
// refer to the object instead of carrying the flags.
type Delta struct {
	Index    int64
	Key      string
	Count    int64
	Checksum uint32
}

func (d *Delta) encode(e *Encoder) {
	e.Varint(d.Index)
	e.String(d.Key)
	e.Varint(d.Count)
	e.Buf = binary.LittleEndian.AppendUint32(e.Buf, d.Checksum)
}

func decodeDelta(d *Decoder) Delta {
	out := Delta{Index: d.Varint(), Key: d.String(), Count: d.Varint()}
	if b := d.Next(4); d.Err == nil {
		out.Checksum = binary.LittleEndian.Uint32(b)
	}
	return out
}

// EncodeDelta encodes a Delta (for log entries).
func EncodeDelta(e *Encoder, d *Delta) { d.encode(e) }

// DecodeDelta decodes what EncodeDelta wrote.
func DecodeDelta(d *Decoder) Delta { return decodeDelta(d) }

// DeltaFile returns the delta log object of the segment's current deletion
// flags and how many rows it flags. The same flags give the same bytes.
func (g *Segment) DeltaFile() ([]byte, int64) {
	del := g.Deleted.Clone()
	del.RunOptimize()
	b, err := del.ToBytes()
	if err != nil {
		panic(fmt.Sprintf("segment: encoding deletion bitmap: %v", err))
	}
	return b, int64(del.GetCardinality())
}

// deltaCovers reports whether the latest delta log holds every deletion.
func (g *Segment) deltaCovers() bool {
	return g.Delta != nil && g.Delta.Count == int64(g.Deleted.GetCardinality()) && g.Delta.Count > 0
}

// loadDelta restores the deletion flags from the delta log object.
func (g *Segment) loadDelta(load Loader) error {
	if load == nil {
		return fmt.Errorf("segment %d has a delta log but no object storage to load it from", g.ID)
	}
	b, err := load(g.Delta.Key)
	if err != nil {
		return fmt.Errorf("segment %d: loading %s: %w", g.ID, g.Delta.Key, err)
	}
	if Checksum(b) != g.Delta.Checksum {
		return fmt.Errorf("%w: segment %d: delta log %s does not match its checksum", ErrCorrupt, g.ID, g.Delta.Key)
	}
	if err := g.decodeDeleted(b); err != nil {
		return err
	}
	if int64(g.Deleted.GetCardinality()) != g.Delta.Count {
		return fmt.Errorf("%w: segment %d: delta log %s flags %d rows, manifest says %d", ErrCorrupt, g.ID, g.Delta.Key, g.Deleted.GetCardinality(), g.Delta.Count)
	}
	return nil
}
