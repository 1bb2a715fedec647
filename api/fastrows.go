package api

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"

	"github.com/raftvec/raftvec/segment"
)

// rowDecoder decodes rows of one schema. Each vector field's vectors are
// parsed into one array, row after row, which becomes the batch's column.
type rowDecoder struct {
	schema *segment.Schema
	upsert bool
	pk     int
	dyn    int
	seen   []bool
	row    int         // the row being decoded
	cols   [][]float32 // per field: the vectors of rows 0..row
	gap    []bool      // per field: some row's vector is not in cols
	hint   int         // floats to reserve per vector field
}

// decodeRows decodes a non-empty list of row objects; vectors[f] holds
// vector field f of every row contiguously when it could be decoded so.
// bodyLen sizes the vector arrays (a JSON float takes about 9 bytes).
func decodeRows(sc *scanner, schema *segment.Schema, upsert bool, bodyLen int) (rows [][]any, vectors [][]float32, ok bool) {
	n := len(schema.Fields)
	d := &rowDecoder{schema: schema, upsert: upsert, pk: schema.PrimaryIndex(), dyn: schema.DynamicIndex(),
		seen: make([]bool, n), cols: make([][]float32, n), gap: make([]bool, n), hint: bodyLen / 9}
	if nv := len(schema.VectorFields()); nv > 1 {
		d.hint /= nv
	}
	if !sc.eat('[') || sc.eat(']') {
		return nil, nil, false
	}
	keys := make(map[any]struct{})
	for {
		vals, ok := d.decodeRow(sc)
		if !ok {
			return nil, nil, false
		}
		if key := vals[d.pk]; key != nil {
			if _, dup := keys[key]; dup {
				return nil, nil, false
			}
			keys[key] = struct{}{}
		}
		rows = append(rows, vals)
		d.row++
		more, ok := sc.more(']')
		if !ok {
			return nil, nil, false
		}
		if !more {
			return rows, d.contiguous(), true
		}
	}
}

// contiguous returns the vector arrays that hold every row's vector.
func (d *rowDecoder) contiguous() [][]float32 {
	out := make([][]float32, len(d.cols))
	for f, c := range d.cols {
		if dim := d.schema.Fields[f].Dim; !d.gap[f] && dim > 0 && len(c) == d.row*dim {
			out[f] = c
		}
	}
	return out
}

// decodeRow decodes one row object into canonical values.
func (d *rowDecoder) decodeRow(sc *scanner) ([]any, bool) {
	if !sc.eat('{') {
		return nil, false
	}
	vals := make([]any, len(d.schema.Fields))
	clear(d.seen)
	var meta map[string]any
	if !sc.eat('}') {
		for {
			key, ok := sc.simpleString()
			if !ok || !sc.eat(':') {
				return nil, false
			}
			if meta, ok = d.member(sc, key, vals, meta); !ok {
				return nil, false
			}
			more, ok := sc.more('}')
			if !ok {
				return nil, false
			}
			if !more {
				break
			}
		}
	}
	return vals, d.finish(vals, meta)
}

// member decodes one key and its value into vals (schema fields) or meta
// (dynamic keys).
func (d *rowDecoder) member(sc *scanner, key []byte, vals []any, meta map[string]any) (map[string]any, bool) {
	i := fieldIndex(d.schema, key)
	if i < 0 || d.schema.Fields[i].IsDynamic {
		if d.dyn < 0 || (len(key) > 0 && key[0] == '$') {
			return meta, false
		}
		if _, dup := meta[string(key)]; dup {
			return meta, false
		}
		v, ok := decodeAny(sc)
		if meta == nil {
			meta = make(map[string]any)
		}
		meta[string(key)] = v
		return meta, ok
	}
	f := &d.schema.Fields[i]
	if d.seen[i] || (f.PrimaryKey && f.AutoID && !d.upsert) || generated(d.schema, i) {
		return meta, false // the slow path says why
	}
	d.seen[i] = true
	v, ok := d.value(sc, i)
	vals[i] = v
	return meta, ok
}

// finish fills the fields the row omitted and the dynamic field.
func (d *rowDecoder) finish(vals []any, meta map[string]any) bool {
	for i := range d.schema.Fields {
		f := &d.schema.Fields[i]
		if d.seen[i] || f.IsDynamic || (f.PrimaryKey && f.AutoID && !d.upsert) || generated(d.schema, i) {
			continue
		}
		v, err := absentValue(f, false)
		if err != nil {
			return false
		}
		vals[i] = v
	}
	if d.dyn >= 0 {
		b, err := canonicalJSONBytes(meta)
		if err != nil {
			return false
		}
		vals[d.dyn] = b
	}
	return true
}

func fieldIndex(s *segment.Schema, key []byte) int {
	for i := range s.Fields {
		if s.Fields[i].Name == string(key) {
			return i
		}
	}
	return -1
}

// value decodes the value of field i.
func (d *rowDecoder) value(sc *scanner, i int) (any, bool) {
	f := &d.schema.Fields[i]
	var v any
	switch c := sc.ws(); {
	case c == '[' && f.Type == segment.TypeFloatVector && f.Dim > 0:
		return d.vector(sc, i, f.Dim)
	case c == 'n':
		if !sc.word("null") {
			return nil, false
		}
		v, err := absentValue(f, true)
		return v, err == nil
	case c == '-' || (c >= '0' && c <= '9'):
		num, ok := sc.number()
		if !ok {
			return nil, false
		}
		v = json.Number(num)
	case c == '"':
		start := sc.i
		if str, ok := sc.simpleString(); ok {
			v = string(str)
			break
		}
		sc.i = start
		fallthrough
	default:
		var ok bool
		if v, ok = decodeAny(sc); !ok || v == nil {
			return nil, false
		}
	}
	c, err := convertValue(f, v)
	return c, err == nil
}

// vector parses exactly dim numbers into field i's vector array.
func (d *rowDecoder) vector(sc *scanner, i, dim int) ([]float32, bool) {
	c := d.cols[i]
	start := len(c)
	if cap(c)-start < dim {
		c = slices.Grow(c, max(dim, d.hint-start))
	}
	c = c[:start+dim]
	d.cols[i] = c
	if start != d.row*dim { // an earlier row's vector is not in c
		d.gap[i] = true
	}
	vec := c[start : start+dim : start+dim]
	return vec, parseVector(sc, vec)
}

// parseVector parses a list of exactly len(dst) numbers into dst.
func parseVector(sc *scanner, dst []float32) bool {
	sc.i++ // '['
	for k := range dst {
		if k > 0 && !sc.eat(',') {
			return false
		}
		num, ok := sc.number()
		if !ok {
			return false
		}
		f, err := parseFloat(num)
		if err != nil || math.Abs(f) > math.MaxFloat32 {
			return false
		}
		dst[k] = float32(f)
	}
	return sc.eat(']')
}

// decodeAny decodes one value as encoding/json does with UseNumber.
func decodeAny(sc *scanner) (any, bool) {
	raw, ok := sc.skip()
	if !ok {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v) == nil
}
