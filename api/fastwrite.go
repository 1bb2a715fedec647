package api

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/segment"
)

// writeBody is a decoded and validated insert/upsert body.
type writeBody struct {
	col       *coordinator.Collection
	partition string
	vals      [][]any // one canonical value per schema field, per row
	// vectors holds, per schema field, every row's vector contiguously
	// when the fast path decoded them so (nil otherwise): the batch takes
	// it as its column instead of copying the rows' vectors again.
	vectors [][]float32
}

type describeFunc func(name string) (*coordinator.Collection, error)

// decodeWriteFast decodes the common shape of an insert/upsert body in one
// pass, vectors straight into []float32, with no intermediate any values.
// ok is false whenever the body is anything else (invalid JSON, escapes in
// keys, duplicate keys, null or a single object as data, a value that
// fails validation, ...): the caller then runs decodeWriteSlow, which
// handles every case and words every error. When ok is true the result is
// exactly what decodeWriteSlow returns (FuzzWriteFastMatchesSlow).
func decodeWriteFast(body []byte, describe describeFunc, upsert bool) (writeBody, bool) {
	var w writeBody
	sc := &scanner{b: body}
	if !sc.eat('{') || sc.eat('}') {
		return w, false
	}
	var name []byte
	var haveName, haveDB, havePart bool
	dataAt := -1
	for {
		key, ok := sc.simpleString()
		if !ok || !sc.eat(':') {
			return w, false
		}
		switch string(key) {
		case "collectionName":
			if haveName = !haveName; !haveName {
				return w, false
			}
			if name, ok = sc.simpleString(); !ok || len(name) == 0 {
				return w, false
			}
		case "dbName":
			db, ok := sc.simpleString()
			if haveDB = !haveDB; !haveDB || !ok || (len(db) > 0 && string(db) != "default") {
				return w, false
			}
		case "partitionName":
			p, ok := sc.simpleString()
			if havePart = !havePart; !havePart || !ok {
				return w, false
			}
			w.partition = string(p)
		case "data":
			if dataAt >= 0 {
				return w, false
			}
			sc.ws()
			dataAt = sc.i
			if haveName && w.col == nil {
				col, err := describe(string(name))
				if err != nil {
					return w, false
				}
				w.col = col
				if w.vals, w.vectors, ok = decodeRows(sc, &col.Schema, upsert, len(body)); !ok {
					return w, false
				}
			} else if _, ok := sc.skip(); !ok {
				return w, false
			}
		default:
			if foldsKnownKey(key) {
				return w, false // encoding/json matches keys case-insensitively
			}
			if _, ok := sc.skip(); !ok {
				return w, false
			}
		}
		more, ok := sc.more('}')
		if !ok {
			return w, false
		}
		if !more {
			break
		}
	}
	if sc.ws(); sc.i != len(body) || !haveName || dataAt < 0 {
		return w, false
	}
	if w.col == nil { // data came before collectionName
		col, err := describe(string(name))
		if err != nil {
			return w, false
		}
		w.col = col
		var ok bool
		if w.vals, w.vectors, ok = decodeRows(&scanner{b: body, i: dataAt}, &col.Schema, upsert, len(body)); !ok {
			return w, false
		}
	}
	return w, true
}

var writeKeys = [][]byte{[]byte("collectionName"), []byte("dbName"), []byte("partitionName"), []byte("data")}

func foldsKnownKey(key []byte) bool {
	for _, k := range writeKeys {
		if bytes.EqualFold(key, k) {
			return true
		}
	}
	return false
}

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
	if d.seen[i] || (f.PrimaryKey && f.AutoID && !d.upsert) {
		return meta, false
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
		if d.seen[i] || f.IsDynamic || (f.PrimaryKey && f.AutoID && !d.upsert) {
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

// parseVectorsFast parses query vectors (a list of dim numbers, or a list
// of such lists) without encoding/json; ok is false for anything else, and
// parseVectors then decodes it the slow way and words the error.
func parseVectorsFast(raw []byte, dim int) ([][]float32, bool) {
	sc := &scanner{b: raw}
	if dim <= 0 || sc.ws() != '[' {
		return nil, false
	}
	start := sc.i
	sc.i++
	if sc.ws() != '[' { // one flat vector
		sc.i = start
		v := make([]float32, dim)
		ok := parseVector(sc, v)
		sc.ws()
		return [][]float32{v}, ok && sc.i == len(raw)
	}
	var out [][]float32
	for {
		if sc.ws() != '[' || len(out) == maxWindow {
			return nil, false
		}
		v := make([]float32, dim)
		if !parseVector(sc, v) {
			return nil, false
		}
		out = append(out, v)
		more, ok := sc.more(']')
		if !ok {
			return nil, false
		}
		if !more {
			sc.ws()
			return out, sc.i == len(raw)
		}
	}
}
