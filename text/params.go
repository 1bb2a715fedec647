package text

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// englishStopWords is Lucene's English stop set (EnglishAnalyzer's
// ENGLISH_STOP_WORDS_SET), the list Milvus's "_english_" expands to.
var englishStopWords = [...]string{
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if",
	"in", "into", "is", "it", "no", "not", "of", "on", "or", "such", "that",
	"the", "their", "then", "there", "these", "they", "this", "to", "was",
	"will", "with",
}

// EnglishStopWords returns a copy of the stop words "_english_" stands
// for and the english analyzer removes.
func EnglishStopWords() []string { return slices.Clone(englishStopWords[:]) }

// milvusStopLists are the other "_lang_" names Milvus expands; raftvec
// rejects them instead of treating them as literal words.
var milvusStopLists = map[string]bool{
	"_danish_": true, "_dutch_": true, "_finnish_": true, "_french_": true,
	"_german_": true, "_hungarian_": true, "_italian_": true,
	"_norwegian_": true, "_portuguese_": true, "_russian_": true,
	"_spanish_": true, "_swedish_": true, "_chinese_": true,
}

// invalid returns an ErrInvalid error about key.
func invalid(key, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...))
}

// checkKeys rejects the first (in sorted order) key of m not in allowed.
func checkKeys(m map[string]any, prefix, why string, allowed ...string) error {
	var bad []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return invalid(prefix+bad[0], "unknown key%s", why)
}

// buildBuiltIn configures a from {"type": ..., "stop_words": [...]} and
// returns the canonical params.
func (a *Analyzer) buildBuiltIn(params map[string]any) (map[string]any, error) {
	typ, ok := params["type"].(string)
	if !ok {
		return nil, invalid("type", "must be a string, got %s", jsonKind(params["type"]))
	}
	if err := checkKeys(params, "", ` (only "stop_words" may go with "type")`, "type", "stop_words"); err != nil {
		return nil, err
	}
	canon := map[string]any{"type": typ}
	var extra filter
	if v, ok := params["stop_words"]; ok {
		words, set, err := parseStopWords("stop_words", v)
		if err != nil {
			return nil, err
		}
		canon["stop_words"] = words
		extra = filter{kind: stopFilter, stop: set}
	}
	switch typ {
	case "standard":
		a.tokenizer = standardTokenizer
		a.filters = []filter{{kind: lowercaseFilter}}
	case "english":
		a.tokenizer = standardTokenizer
		a.filters = []filter{{kind: lowercaseFilter}, {kind: stopFilter, stop: stopSet(englishStopWords[:])}}
	case "whitespace":
		a.tokenizer = whitespaceTokenizer
	default:
		return nil, invalid("type", "unknown analyzer type %q (supported: standard, english, whitespace)", typ)
	}
	if len(extra.stop) > 0 {
		a.filters = append(a.filters, extra)
	}
	return canon, nil
}

// buildCustom configures a from {"tokenizer": ..., "filter": [...]} and
// returns the canonical params.
func (a *Analyzer) buildCustom(params map[string]any) (map[string]any, error) {
	if err := checkKeys(params, "", ` (want "type", or "tokenizer" and "filter")`, "tokenizer", "filter"); err != nil {
		return nil, err
	}
	tv, ok := params["tokenizer"]
	if !ok {
		return nil, invalid("tokenizer", `missing (set "type" or "tokenizer")`)
	}
	name, err := parseTokenizer(tv)
	if err != nil {
		return nil, err
	}
	a.tokenizer = standardTokenizer
	if name == "whitespace" {
		a.tokenizer = whitespaceTokenizer
	}
	canon := map[string]any{"tokenizer": name}
	if fv, ok := params["filter"]; ok {
		list, ok := asList(fv)
		if !ok {
			return nil, invalid("filter", "must be an array, got %s", jsonKind(fv))
		}
		canonFilters := make([]any, 0, len(list))
		for i, f := range list {
			flt, c, err := parseFilter(fmt.Sprintf("filter[%d]", i), f)
			if err != nil {
				return nil, err
			}
			a.filters = append(a.filters, flt)
			canonFilters = append(canonFilters, c)
		}
		canon["filter"] = canonFilters
	}
	return canon, nil
}

// parseTokenizer accepts "standard", "whitespace" or {"type": one of them}.
func parseTokenizer(v any) (string, error) {
	key := "tokenizer"
	if m, ok := v.(map[string]any); ok {
		if err := checkKeys(m, key+".", " (tokenizer options are not supported)", "type"); err != nil {
			return "", err
		}
		key, v = "tokenizer.type", m["type"]
	}
	name, ok := v.(string)
	if !ok {
		return "", invalid(key, "must be a string, got %s", jsonKind(v))
	}
	switch name {
	case "standard", "whitespace":
		return name, nil
	}
	return "", invalid(key, "unknown tokenizer %q (supported: standard, whitespace)", name)
}

// parseFilter parses one element of the "filter" array and returns it with
// its canonical form.
func parseFilter(key string, v any) (filter, any, error) {
	switch f := v.(type) {
	case string:
		if f == "lowercase" {
			return filter{kind: lowercaseFilter}, f, nil
		}
		return filter{}, nil, invalid(key, `unknown filter %q (supported: "lowercase", {"type": "stop"}, {"type": "length"})`, f)
	case map[string]any:
		typ, ok := f["type"].(string)
		if !ok {
			return filter{}, nil, invalid(key+".type", "must be a string, got %s", jsonKind(f["type"]))
		}
		switch typ {
		case "stop":
			return parseStopFilter(key, f)
		case "length":
			return parseLengthFilter(key, f)
		}
		return filter{}, nil, invalid(key+".type", "unknown filter type %q (supported: stop, length)", typ)
	}
	return filter{}, nil, invalid(key, "must be a string or an object, got %s", jsonKind(v))
}

// parseStopFilter parses {"type": "stop", "stop_words": [...]}; a missing
// list means no stop words, as in Milvus.
func parseStopFilter(key string, f map[string]any) (filter, any, error) {
	if err := checkKeys(f, key+".", "", "type", "stop_words"); err != nil {
		return filter{}, nil, err
	}
	words, set := []string{}, map[string]struct{}{}
	if v, ok := f["stop_words"]; ok {
		var err error
		if words, set, err = parseStopWords(key+".stop_words", v); err != nil {
			return filter{}, nil, err
		}
	}
	canon := map[string]any{"type": "stop", "stop_words": words}
	return filter{kind: stopFilter, stop: set}, canon, nil
}

// parseLengthFilter parses {"type": "length", "max": N}.
func parseLengthFilter(key string, f map[string]any) (filter, any, error) {
	if err := checkKeys(f, key+".", "", "type", "max"); err != nil {
		return filter{}, nil, err
	}
	v, ok := f["max"]
	if !ok {
		return filter{}, nil, invalid(key+".max", "missing")
	}
	n, ok := nonNegativeInt(v)
	if !ok {
		return filter{}, nil, invalid(key+".max", "must be an integer from 0 to 2^53, got %s", jsonValue(v))
	}
	canon := map[string]any{"type": "length", "max": n}
	return filter{kind: lengthFilter, max: int(min(n, MaxTokenBytes))}, canon, nil
}

// parseStopWords parses a stop-word array, returning the words as given
// and the set they stand for ("_english_" expanded).
func parseStopWords(key string, v any) ([]string, map[string]struct{}, error) {
	list, ok := asList(v)
	if !ok {
		return nil, nil, invalid(key, "must be an array of strings, got %s", jsonKind(v))
	}
	words := make([]string, 0, len(list))
	set := map[string]struct{}{}
	for i, e := range list {
		w, ok := e.(string)
		if !ok {
			return nil, nil, invalid(fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", jsonKind(e))
		}
		switch {
		case w == "_english_":
			for _, s := range englishStopWords {
				set[s] = struct{}{}
			}
		case milvusStopLists[w]:
			return nil, nil, invalid(fmt.Sprintf("%s[%d]", key, i), "stop-word list %q is not supported (only _english_)", w)
		default:
			set[w] = struct{}{}
		}
		words = append(words, w)
	}
	return words, set, nil
}

func stopSet(words []string) map[string]struct{} {
	set := make(map[string]struct{}, len(words))
	for _, w := range words {
		set[w] = struct{}{}
	}
	return set
}

// asList accepts a decoded JSON array ([]any) or a []string.
func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// maxExactInt is the largest integer every float64 below it represents.
const maxExactInt = 1 << 53

// nonNegativeInt accepts an integral number in [0, 2^53] given as float64,
// json.Number ("10", "10.0", "1e1") or a Go integer.
func nonNegativeInt(v any) (int64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case json.Number:
		x, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return 0, false
		}
		f = x
	case int:
		f = float64(n)
	case int8:
		f = float64(n)
	case int16:
		f = float64(n)
	case int32:
		f = float64(n)
	case int64:
		if n < 0 || n > maxExactInt {
			return 0, false
		}
		return n, true
	case uint:
		f = float64(n)
	case uint8:
		f = float64(n)
	case uint16:
		f = float64(n)
	case uint32:
		f = float64(n)
	case uint64:
		if n > maxExactInt {
			return 0, false
		}
		return int64(n), true
	default:
		return 0, false
	}
	if f < 0 || f > maxExactInt || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// jsonKind names v's JSON type for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, float32, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "a number"
	case []any, []string:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// jsonValue shows a scalar v, or its kind for anything else.
func jsonValue(v any) string {
	switch v.(type) {
	case string, bool, float64, float32, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("%v (%s)", v, jsonKind(v))
	}
	return jsonKind(v)
}
