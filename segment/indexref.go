package segment

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

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

// IndexNamed returns the segment's file of the named index, or nil.
func (g *Segment) IndexNamed(name string) *IndexRef {
	for i := range g.Indexes {
		if g.Indexes[i].Name == name {
			return &g.Indexes[i]
		}
	}
	return nil
}

// SetIndex records x as the segment's file of index x.Name on field
// x.Field. It replaces an earlier file of that index, and one of another
// index on the same field (a field has one index: a re-created one
// supersedes the dropped one's file). The list stays in name order, so
// replicas that applied the same entries encode the same bytes.
func (g *Segment) SetIndex(x IndexRef) {
	g.Indexes = slices.DeleteFunc(g.Indexes, func(y IndexRef) bool { return y.Name == x.Name || y.Field == x.Field })
	g.Indexes = append(g.Indexes, x)
	slices.SortFunc(g.Indexes, func(a, b IndexRef) int { return strings.Compare(a.Name, b.Name) })
}

// Index-list markers in an encoded segment. 0, 1 and 2 are the forms
// written before a segment could carry several index files (none, one
// without a version, one with); 3 is a count followed by refs, each with
// its version. A single ref is still written in the old forms, so those
// segments encode as before.
const (
	refsNone = iota
	refsOne
	refsOneVersioned
	refsList
)

func encodeIndexRefs(e *Encoder, refs []IndexRef) {
	switch {
	case len(refs) == 0:
		e.Byte(refsNone)
	case len(refs) == 1 && refs[0].Version == 0:
		e.Byte(refsOne)
		refs[0].encode(e)
	case len(refs) == 1:
		e.Byte(refsOneVersioned)
		refs[0].encode(e)
		e.Varint(refs[0].Version)
	default:
		e.Byte(refsList)
		e.Uvarint(uint64(len(refs)))
		for i := range refs {
			refs[i].encode(e)
			e.Varint(refs[i].Version)
		}
	}
}

func decodeIndexRefs(d *Decoder) []IndexRef {
	n := 0
	switch b := d.Byte(); b {
	case refsNone:
		return nil
	case refsOne, refsOneVersioned:
		x := decodeIndexRef(d)
		if b == refsOneVersioned {
			x.Version = d.Varint()
		}
		return []IndexRef{x}
	case refsList:
		n = d.Len(8)
	default:
		if d.Err == nil {
			d.Err = fmt.Errorf("%w: unknown index list marker %d", ErrCorrupt, b)
		}
		d.Buf = nil
		return nil
	}
	out := make([]IndexRef, 0, n)
	for i := 0; i < n && d.Err == nil; i++ {
		x := decodeIndexRef(d)
		x.Version = d.Varint()
		out = append(out, x)
	}
	return out
}
