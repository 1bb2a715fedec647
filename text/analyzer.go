package text

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrInvalid wraps every bad analyzer_params error.
var ErrInvalid = errors.New("invalid analyzer params")

// MaxTokenBytes is the longest token, in bytes, an analyzer emits; longer
// tokens are dropped (Lucene's StandardTokenizer default, 255).
const MaxTokenBytes = 255

type tokenizerKind uint8

const (
	standardTokenizer tokenizerKind = iota
	whitespaceTokenizer
)

type filterKind uint8

const (
	lowercaseFilter filterKind = iota
	stopFilter
	lengthFilter
)

// filter is one step of the token filter chain.
type filter struct {
	kind filterKind
	stop map[string]struct{} // stopFilter: tokens to drop
	max  int                 // lengthFilter: longest kept token, in bytes
}

// Analyzer turns text into tokens. It is immutable and safe for concurrent
// use.
type Analyzer struct {
	tokenizer tokenizerKind
	filters   []filter
	params    string // canonical JSON of the params it was built from
}

// New builds an analyzer from Milvus analyzer_params already decoded from
// JSON: a map[string]any whose values are strings, []any (or []string),
// map[string]any, and numbers as float64, json.Number or Go integers. nil
// or an empty map means {"type": "standard"}. Errors wrap ErrInvalid and
// name the bad key.
func New(params map[string]any) (*Analyzer, error) {
	if len(params) == 0 {
		params = map[string]any{"type": "standard"}
	}
	a := &Analyzer{}
	var canon map[string]any
	var err error
	if _, ok := params["type"]; ok {
		canon, err = a.buildBuiltIn(params)
	} else {
		canon, err = a.buildCustom(params)
	}
	if err != nil {
		return nil, err
	}
	if a.params, err = canonicalJSON(canon); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return a, nil
}

// FromJSON builds an analyzer from analyzer_params as JSON text, the form
// Milvus keeps in a field's type params. Empty text (or null) means
// {"type": "standard"}; text that is not one JSON object is an error
// wrapping ErrInvalid.
func FromJSON(params string) (*Analyzer, error) {
	if strings.TrimSpace(params) == "" {
		return New(nil)
	}
	dec := json.NewDecoder(strings.NewReader(params))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: text after the JSON object", ErrInvalid)
	}
	return New(m)
}

// Params returns the analyzer's params as canonical JSON, for describe
// output: object keys sorted, no white space, HTML characters unescaped,
// numbers as integers, a {"type": T} tokenizer written as the string T, and
// nil or empty params written as {"type":"standard"}. Stop-word lists are
// kept as given ("_english_" is not expanded). Analyzers built from
// equivalent params in different spellings have equal Params, and
// FromJSON(a.Params()) builds an analyzer equal to a.
func (a *Analyzer) Params() string { return a.params }

// Tokens appends the tokens of s to dst and returns it. Tokens the filters
// do not change share memory with s.
func (a *Analyzer) Tokens(dst []string, s string) []string {
	a.each(s, func(tok string) { dst = append(dst, tok) })
	return dst
}

// each calls emit with every token of s, in text order.
func (a *Analyzer) each(s string, emit func(string)) {
	tokenize(a.tokenizer, s, func(tok string) {
		if len(tok) > MaxTokenBytes {
			return
		}
		for i := range a.filters {
			f := &a.filters[i]
			switch f.kind {
			case lowercaseFilter:
				tok = strings.ToLower(tok)
			case stopFilter:
				if _, ok := f.stop[tok]; ok {
					return
				}
			case lengthFilter:
				if len(tok) > f.max {
					return
				}
			}
		}
		if len(tok) > MaxTokenBytes {
			return
		}
		emit(tok)
	})
}

// canonicalJSON encodes v with sorted keys, no white space and no HTML
// escaping.
func canonicalJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
