package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/text"
)

// FunctionRequest is one entry of schema.functions (Milvus 2.5): a BM25
// function from an analyzed VarChar field to a SparseFloatVector field.
type FunctionRequest struct {
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	Description      string         `json:"description"`
	InputFieldNames  []string       `json:"inputFieldNames"`
	OutputFieldNames []string       `json:"outputFieldNames"`
	Params           map[string]any `json:"params"`
}

// buildFunctions converts schema.functions; segment.Schema.Validate checks
// their fields.
func buildFunctions(rs []FunctionRequest) ([]segment.Function, error) {
	var out []segment.Function
	names := map[string]bool{}
	for _, r := range rs {
		if r.Name == "" {
			return nil, missingf("missing required parameter \"name\" in schema.functions")
		}
		if names[r.Name] {
			return nil, invalidf("duplicate function name %q", r.Name)
		}
		names[r.Name] = true
		if !strings.EqualFold(r.Type, segment.FunctionBM25) {
			return nil, invalidf("function %q: unsupported type %q (want BM25)", r.Name, r.Type)
		}
		out = append(out, segment.Function{Name: r.Name, Description: r.Description, Type: segment.FunctionBM25,
			Input: r.InputFieldNames, Output: r.OutputFieldNames})
	}
	return out, nil
}

// analyzerParams reads enable_analyzer, enable_match and analyzer_params
// from a field's elementTypeParams, checking the params by building the
// analyzer.
func analyzerParams(f *segment.Field, m map[string]any) error {
	var err error
	where := fmt.Sprintf("elementTypeParams of field %q", f.Name)
	if f.EnableAnalyzer, err = boolParam(m, "enable_analyzer", where); err != nil {
		return err
	}
	if f.EnableMatch, err = boolParam(m, "enable_match", where); err != nil {
		return err
	}
	v, ok := lookupFold(m, "analyzer_params")
	if !ok || v == nil {
		return nil
	}
	params, err := objectParam(v)
	if err != nil {
		return invalidf("invalid analyzer_params in %s: %v", where, err)
	}
	if _, err := text.New(params); err != nil {
		return invalidf("invalid analyzer_params in %s: %v", where, err)
	}
	b, err := canonicalJSONBytes(params)
	if err != nil {
		return invalidf("invalid analyzer_params in %s: %v", where, err)
	}
	f.AnalyzerParams = string(b)
	return nil
}

// boolParam reads a boolean given as a boolean or the string "true"/"false";
// absent is false.
func boolParam(m map[string]any, key, where string) (bool, error) {
	v, ok := lookupFold(m, key)
	if !ok || v == nil {
		return false, nil
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, invalidf("invalid %s in %s: want true or false, got %s", key, where, describe(v))
}

// objectParam reads a JSON object given as an object or as its JSON text.
func objectParam(v any) (map[string]any, error) {
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case string:
		d := json.NewDecoder(strings.NewReader(x))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err == nil && m != nil {
			return m, nil
		}
	}
	return nil, fmt.Errorf("want an object, got %s", describe(v))
}

// analyzers caches analyzers by their canonical params.
var analyzers sync.Map // string → *text.Analyzer

// analyzerOf returns the analyzer of an analyzed field.
func analyzerOf(f *segment.Field) (*text.Analyzer, error) {
	if a, ok := analyzers.Load(f.AnalyzerParams); ok {
		return a.(*text.Analyzer), nil
	}
	a, err := text.FromJSON(f.AnalyzerParams)
	if err != nil {
		return nil, fmt.Errorf("field %q: %w", f.Name, err)
	}
	analyzers.Store(f.AnalyzerParams, a)
	return a, nil
}

// generated reports whether field i is a function's output (never given
// by users).
func generated(s *segment.Schema, i int) bool {
	_, ok := s.FunctionFor(s.Fields[i].Name)
	return ok
}

// runFunctions fills every function output of validated rows: BM25 turns
// the input text into term frequencies (a null text gives an empty
// vector).
func runFunctions(s *segment.Schema, rows [][]any) error {
	for fi := range s.Functions {
		fn := &s.Functions[fi]
		in, out := s.FieldIndex(fn.Input[0]), s.FieldIndex(fn.Output[0])
		a, err := analyzerOf(&s.Fields[in])
		if err != nil {
			return err
		}
		for _, vals := range rows {
			str, _ := vals[in].(string)
			ids, counts, _ := a.Frequencies(str)
			vals[out] = segment.SparseVector{Indices: ids, Values: counts}
		}
	}
	return nil
}
