package api

import (
	"bytes"

	"github.com/raftvec/raftvec/coordinator"
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
	s := &writeScan{sc: &scanner{b: body}, describe: describe, upsert: upsert, dataAt: -1}
	if !s.sc.eat('{') || s.sc.eat('}') {
		return writeBody{}, false
	}
	for {
		key, ok := s.sc.simpleString()
		if !ok || !s.sc.eat(':') || !s.member(key) {
			return writeBody{}, false
		}
		more, ok := s.sc.more('}')
		if !ok {
			return writeBody{}, false
		}
		if !more {
			return s.finish()
		}
	}
}

// writeScan is decodeWriteFast's pass over the top-level object.
type writeScan struct {
	sc       *scanner
	describe describeFunc
	upsert   bool
	w        writeBody
	name     []byte
	seen     [3]bool // collectionName, dbName, partitionName
	dataAt   int     // offset of data's value (-1: not seen)
}

// member reads the value of one top-level key.
func (s *writeScan) member(key []byte) bool {
	switch string(key) {
	case "collectionName":
		name, ok := s.once(0)
		s.name = name
		return ok && len(name) > 0
	case "dbName": // read by route (dbname.go)
		_, ok := s.once(1)
		return ok
	case "partitionName":
		p, ok := s.once(2)
		s.w.partition = string(p)
		return ok
	case "data":
		return s.data()
	}
	if foldsKnownKey(key) {
		return false // encoding/json matches keys case-insensitively
	}
	_, ok := s.sc.skip()
	return ok
}

// once reads the string value of key k, which must not repeat.
func (s *writeScan) once(k int) ([]byte, bool) {
	if s.seen[k] {
		return nil, false
	}
	s.seen[k] = true
	return s.sc.simpleString()
}

// data decodes the rows now if the collection is known, else skips them
// for finish.
func (s *writeScan) data() bool {
	if s.dataAt >= 0 {
		return false
	}
	s.sc.ws()
	s.dataAt = s.sc.i
	if !s.seen[0] {
		_, ok := s.sc.skip()
		return ok
	}
	return s.rows(s.sc)
}

// rows describes the named collection and decodes the rows at sc.
func (s *writeScan) rows(sc *scanner) bool {
	col, err := s.describe(string(s.name))
	if err != nil {
		return false
	}
	s.w.col = col
	var ok bool
	s.w.vals, s.w.vectors, ok = decodeRows(sc, &col.Schema, s.upsert, len(sc.b))
	return ok
}

// finish checks the end of the body and decodes data that came before
// collectionName.
func (s *writeScan) finish() (writeBody, bool) {
	if s.sc.ws(); s.sc.i != len(s.sc.b) || !s.seen[0] || s.dataAt < 0 {
		return writeBody{}, false
	}
	if s.w.col == nil && !s.rows(&scanner{b: s.sc.b, i: s.dataAt}) {
		return writeBody{}, false
	}
	return s.w, true
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
