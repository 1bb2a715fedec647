package segment

import "encoding/binary"

// IndexRef points a flushed segment at its vector index file in object
// storage, built by an index builder. Replicas search the segment through
// it from the log entry that recorded it on.
type IndexRef struct {
	Name     string // the collection index's name
	Field    int64  // vector field ID
	Type     string // HNSW, IVF_FLAT
	Key      string
	Checksum uint32
}

func (x *IndexRef) encode(e *Encoder) {
	e.String(x.Name)
	e.Varint(x.Field)
	e.String(x.Type)
	e.String(x.Key)
	e.Buf = binary.LittleEndian.AppendUint32(e.Buf, x.Checksum)
}

func decodeIndexRef(d *Decoder) IndexRef {
	x := IndexRef{Name: d.String(), Field: d.Varint(), Type: d.String(), Key: d.String()}
	if b := d.Next(4); d.Err == nil {
		x.Checksum = binary.LittleEndian.Uint32(b)
	}
	return x
}

// EncodeIndexRef encodes an IndexRef (for log entries).
func EncodeIndexRef(e *Encoder, x *IndexRef) { x.encode(e) }

// DecodeIndexRef decodes what EncodeIndexRef wrote.
func DecodeIndexRef(d *Decoder) IndexRef { return decodeIndexRef(d) }
