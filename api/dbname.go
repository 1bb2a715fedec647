package api

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/raftvec/raftvec/coordinator"
)

// The database of a REST request is read once, before its handler runs,
// as Milvus's REST server does: the body's top-level dbName, else the
// DB-Name header, else the default database. route puts it in the
// request's context (proxy.WithDatabase), where the backend finds it, so
// no handler can forget it.
//
// Reading it must cost an insert body next to nothing: a body that has no
// "dbName" key (in any letter case) and no escape is not scanned at all,
// and otherwise only its top-level members up to the last such key are;
// anything unusual (escaped keys or values, a non-string dbName) goes to
// encoding/json, whose answer is the one the handler's own decoding gives
// (FuzzBodyDatabase).

// headerDBName is Milvus's REST header naming the database of a request
// whose body does not.
const headerDBName = "DB-Name"

// requestDatabase returns the database a request addresses.
func requestDatabase(body []byte, header string) (string, error) {
	db, err := bodyDatabase(body)
	if err != nil {
		return "", err
	}
	if db == "" {
		db = header
	}
	return coordinator.NormalizeDatabase(db), nil
}

// bodyDatabase returns the string encoding/json decodes from the body's
// top-level "dbName" member ("" when absent or the body is not an object).
// A dbName that is not a string is the error encoding/json gives.
func bodyDatabase(body []byte) (string, error) {
	return bodyString(body, "dbName", slowDatabase)
}

// bodyString returns the string encoding/json decodes from the body's
// top-level member key into a struct field of that name ("" when absent
// or the body is not an object), at the cost described above; slow is
// encoding/json's answer, for the bodies the scan does not handle.
func bodyString(body []byte, key string, slow func([]byte) (string, error)) (string, error) {
	sc := &scanner{b: body}
	if sc.ws() != '{' {
		return "", nil // not an object: no such member; the handler words the error
	}
	last := lastKey(body, key)
	escapes := bytes.IndexByte(body, '\\') >= 0
	if last < 0 && !escapes {
		return "", nil
	}
	if v, ok := lastMemberString(body, key); ok {
		return v, nil
	}
	if v, ok := scanString(sc, key, last, escapes); ok {
		return v, nil
	}
	return slow(body)
}

// lastMemberString reads a member key (dbName, ...) that is the object's
// last member, where a client that adds dbName to every body (the Node
// SDK's HttpClient) puts it, from the end of the body: `"key":"value"}`,
// with no escape in either string. The last member is a top-level member
// and no later one can override it. ok is false for any other ending.
func lastMemberString(body []byte, name string) (string, bool) {
	i := skipSpaceBack(body, len(body)) - 1
	if i < 0 || body[i] != '}' {
		return "", false
	}
	end := skipSpaceBack(body, i) - 1 // the value's closing quote
	if end < 0 || body[end] != '"' {
		return "", false
	}
	start := bytes.LastIndexByte(body[:end], '"') // its opening quote
	if start < 0 || bytes.IndexByte(body[start:end], '\\') >= 0 || hasControl(body[start+1:end]) {
		return "", false
	}
	colon := skipSpaceBack(body, start) - 1
	if colon < 0 || body[colon] != ':' {
		return "", false
	}
	key := `"` + name + `"`
	k := skipSpaceBack(body, colon) - len(key)
	if k < 0 || !bytes.EqualFold(body[k:k+len(key)], []byte(key)) {
		return "", false
	}
	if before := skipSpaceBack(body, k) - 1; before < 0 || (body[before] != ',' && body[before] != '{') {
		return "", false
	}
	return string(body[start+1 : end]), true
}

// skipSpaceBack returns the offset after the last non-space byte before i.
func skipSpaceBack(b []byte, i int) int {
	for i > 0 && isSpace(b[i-1]) {
		i--
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// hasControl reports a control character, which JSON strings cannot hold.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// lastKey returns the offset of the last `"name"` in the body, in any
// letter case (encoding/json matches keys so), or -1.
func lastKey(body []byte, name string) int {
	key := []byte(name + `"`)
	last := -1
	for i := 0; ; {
		j := bytes.IndexByte(body[i:], '"')
		if j < 0 {
			return last
		}
		i += j + 1
		if len(body)-i >= len(key) && bytes.EqualFold(body[i:i+len(key)], key) {
			last = i - 1
		}
	}
}

// scanString walks the top-level members of an object (sc is at its
// '{') and returns the last value of member name (dbName, ...). It stops
// after the member holding offset last when the body has no escape, since
// no later key can be name. ok is false for anything it does not handle
// (escaped keys or values, a value that is not a string or null, malformed
// JSON).
func scanString(sc *scanner, name string, last int, escapes bool) (db string, ok bool) {
	sc.i++
	if sc.eat('}') {
		return "", true
	}
	for {
		key, ok := sc.simpleString()
		if !ok || !sc.eat(':') {
			return "", false
		}
		if bytes.EqualFold(key, []byte(name)) {
			switch sc.ws() {
			case '"':
				v, ok := sc.simpleString()
				if !ok {
					return "", false
				}
				db = string(v)
			case 'n': // null leaves the field as it was
				if !sc.word("null") {
					return "", false
				}
			default:
				return "", false
			}
		} else if !sc.skipLoose() {
			return "", false
		}
		if !escapes && sc.i > last {
			return db, true
		}
		more, ok := sc.more('}')
		if !ok {
			return "", false
		}
		if !more {
			return db, true
		}
	}
}

// slowDatabase decodes dbName with encoding/json. Malformed JSON is left
// to the handler, which reports it with its own decoding.
func slowDatabase(body []byte) (string, error) {
	var r dbReq
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	err := d.Decode(&r)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "", jsonError(err)
	}
	if err != nil {
		return "", nil
	}
	return r.DbName, nil
}

// skipLoose consumes one value without validating it: only its extent is
// found (strings with their escapes, nested brackets; a scalar ends at a
// delimiter). That is exact for valid JSON, which is all that matters
// here: the handler decodes the body again and refuses anything else.
func (s *scanner) skipLoose() bool {
	switch s.ws() {
	case '"':
		return s.skipLooseString()
	case '[', '{':
		return s.skipLooseNested()
	}
	for s.i < len(s.b) && !isDelimiter(s.b[s.i]) {
		s.i++
	}
	return s.i < len(s.b)
}

// skipLooseNested consumes an array or object.
func (s *scanner) skipLooseNested() bool {
	depth := 0
	b := s.b
	for i := s.i; i < len(b); i++ {
		c := b[i]
		if !structural[c] {
			continue
		}
		switch c {
		case '"':
			s.i = i
			if !s.skipLooseString() {
				return false
			}
			i = s.i - 1
		case '[', '{':
			depth++
		default: // ']', '}'
			if depth--; depth == 0 {
				s.i = i + 1
				return true
			}
		}
	}
	return false
}

// structural marks the bytes skipLooseNested stops at.
var structural = [256]bool{'"': true, '[': true, ']': true, '{': true, '}': true}

// skipLooseString consumes a string literal, stepping over escapes.
func (s *scanner) skipLooseString() bool {
	for j := s.i + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '\\':
			j++
		case '"':
			s.i = j + 1
			return true
		}
	}
	return false
}

// isDelimiter reports whether c ends a scalar.
func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
