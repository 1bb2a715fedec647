package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// dbReq is embedded in every request body: dbName may appear anywhere.
// route reads it before the handler runs (dbname.go); the databases/
// routes also read it as their subject.
type dbReq struct {
	DbName string `json:"dbName"`
}

func (d dbReq) db() string { return d.DbName }

type dbNamer interface{ db() string }

// collReq is the body of routes that name one collection.
type collReq struct {
	dbReq
	CollectionName string `json:"collectionName"`
}

// decodeBody decodes a request body into v. Numbers inside interface values
// stay json.Number so large int64s are exact. An empty body is {}.
func decodeBody(body []byte, v dbNamer) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return errf(codeBadJSON, "body is not valid JSON: unexpected data after the top-level value")
	}
	return nil
}

// jsonError turns a decoding error into 1801 (not JSON) or 1100 (JSON with
// a value of the wrong type).
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		name := te.Field
		if name == "" {
			return errf(codeBadJSON, "body is not valid JSON: top-level value must be an object, got %s", te.Value)
		}
		return invalidf("invalid parameter %q: got a JSON %s, want %s", name, te.Value, jsonTypeName(te.Type.Kind().String()))
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return errf(codeBadJSON, "body is not valid JSON: %v", err)
}

func jsonTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice", kind == "array":
		return "a list"
	case kind == "map", kind == "struct":
		return "an object"
	}
	return "a " + kind
}

// requireName reports a missing required string parameter.
func requireName(param, value string) error {
	if value == "" {
		return missingf("missing required parameter %q", param)
	}
	return nil
}

// flexInt is an integer that may be written as a JSON number or a numeric
// string ("dim": "768").
type flexInt struct {
	set bool
	n   int64
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return err
	}
	n, err := toInt(v)
	if err != nil {
		return invalidf("invalid integer %s: %v", b, err)
	}
	f.set, f.n = true, n
	return nil
}

// jsonInt reads a parameter that must be a JSON integer ("dimension": "4"
// is refused, as in Milvus); absent or null is not set.
func jsonInt(raw json.RawMessage, param string) (n int64, set bool, err error) {
	if !present(raw) {
		return 0, false, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return 0, false, errf(codeBadJSON, "body is not valid JSON: %v", err)
	}
	num, ok := v.(json.Number)
	if !ok {
		return 0, false, invalidf("invalid parameter %q: want a JSON integer, got %s", param, describe(v))
	}
	if n, err = numberToInt(num); err != nil {
		return 0, false, invalidf("invalid parameter %q: %v", param, err)
	}
	return n, true, nil
}

// toInt converts a JSON number or numeric string to an int64; a number
// must be integral.
func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case json.Number:
		return numberToInt(x)
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", x)
		}
		return n, nil
	case float64:
		return floatToInt(x)
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	}
	return 0, fmt.Errorf("want an integer, got %s", describe(v))
}

// maxExactFloatInt is 2^53: every integer of smaller magnitude is exact as
// a float64, no larger one is guaranteed to be.
const maxExactFloatInt = 1 << 53

// numberToInt converts a JSON number to an int64 exactly: an integer
// literal in the Int64 range, or an integral number written with a
// fraction or exponent (3.0, 1e3) whose magnitude is below 2^53, where
// float64 is exact. Anything else (-9223372036854775809,
// 9007199254740993.0, 1.5) is refused, never rounded.
func numberToInt(n json.Number) (int64, error) {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is out of the Int64 range [%d, %d]", s, int64(math.MinInt64), int64(math.MaxInt64))
		}
		return i, nil
	}
	// Parse exactly (1.0000000000000000001 and 1e-400 are not integers,
	// though they round to ones); a huge exponent is refused before big.Rat
	// would expand it.
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if e, err := strconv.Atoi(s[i+1:]); err != nil || e > 400 || e < -400 {
			return 0, fmt.Errorf("%s is not an exact integer below 2^53", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() {
		return 0, fmt.Errorf("%s is not an integer", s)
	}
	if n := r.Num(); n.CmpAbs(big.NewInt(maxExactFloatInt)) >= 0 {
		return 0, fmt.Errorf("%s is not exact: write integers of 2^53 or more without a fraction or exponent", s)
	}
	return r.Num().Int64(), nil
}

func floatToInt(f float64) (int64, error) {
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%v is not an integer", f)
	}
	if f < -(1<<63) || f >= 1<<63 {
		return 0, fmt.Errorf("%v is out of the Int64 range", f)
	}
	return int64(f), nil
}

// describe names the JSON type of a decoded value for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64, int64:
		return "the number " + fmt.Sprint(x)
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("the string %q", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// canonicalParams turns json.Number inside decoded JSON into int64 (when
// integral and in range) or float64, recursively, as the lower packages
// expect (exprParams, search params).
func canonicalParams(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = canonicalParams(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonicalParams(e)
		}
		return out
	}
	return v
}

// paramMap canonicalizes an exprParams-like object; nil stays nil.
func paramMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return canonicalParams(m).(map[string]any)
}

// paramString renders a params value (string or number) as a string.
func paramString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
