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
	// Version is the fencing token of the build that wrote the file (0:
	// recorded before versions were). A replica never replaces an index
	// ref by one of the same index with a lower version.
	Version int64
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

// EncodeIndexRef encodes an IndexRef (for log entries): the version goes
// last, so entries written before it existed decode with version 0.
func EncodeIndexRef(e *Encoder, x *IndexRef) {
	x.encode(e)
	if x.Version != 0 {
		e.Varint(x.Version)
	}
}

// DecodeIndexRef decodes what EncodeIndexRef wrote; it must be the last
// field of its entry (the version is read only if bytes remain).
func DecodeIndexRef(d *Decoder) IndexRef {
	x := decodeIndexRef(d)
	if d.Err == nil && len(d.Buf) > 0 {
		x.Version = d.Varint()
	}
	return x
}
