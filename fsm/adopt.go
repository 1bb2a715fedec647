package fsm

import (
	"fmt"

	"github.com/raftvec/raftvec/segment"
)

// encodeAdopted appends what an entry that adopts a segment built off the
// log (ImportCommit, RestoreCommit) starts with: the output ID, its chunks
// and its scalar columns (the dense vector columns are in the chunks).
// Each kind appends its own fields after these.
func encodeAdopted(e *segment.Encoder, c *Command) {
	e.Varint(c.Output)
	e.Uvarint(uint64(len(c.Chunks)))
	for i := range c.Chunks {
		segment.EncodeChunk(e, &c.Chunks[i])
	}
	var cols []*segment.Column
	if c.Rows != nil {
		for f := range c.Rows.Columns {
			if !c.Rows.Columns[f].Type.IsDense() {
				cols = append(cols, &c.Rows.Columns[f])
			}
		}
	}
	e.Uvarint(uint64(len(cols)))
	for _, col := range cols {
		segment.EncodeColumn(e, col)
	}
}

// decodeAdopted reads what encodeAdopted wrote, checking the scalar
// columns against the schema; what names the entry in errors.
func decodeAdopted(d *segment.Decoder, c *Command, s *segment.Schema, what string) error {
	c.Output = d.Varint()
	n := d.Len(4)
	for i := 0; i < n && d.Err == nil; i++ {
		c.Chunks = append(c.Chunks, segment.DecodeChunk(d))
	}
	n = d.Len(1)
	b := segment.NewBatch(s)
	next := 0
	for i := 0; i < n && d.Err == nil; i++ {
		col := segment.DecodeColumn(d)
		for next < len(s.Fields) && s.Fields[next].Type.IsDense() {
			next++
		}
		if d.Err != nil {
			break
		}
		if next >= len(s.Fields) || col.Type != s.Fields[next].Type || col.Dim != s.Fields[next].Dim {
			return fmt.Errorf("%s column %d does not fit the schema", what, i)
		}
		b.Columns[next] = col
		next++
	}
	for next < len(s.Fields) && s.Fields[next].Type.IsDense() {
		next++
	}
	if d.Err == nil && next != len(s.Fields) {
		return fmt.Errorf("%s commit carries %d of the schema's scalar columns", what, n)
	}
	c.Rows = b
	return d.Err
}
