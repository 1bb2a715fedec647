package api

import (
	"bytes"
	"encoding/json"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// sparseQueries sets the queries of a search on a sparse field: sparse
// vectors ({"index": value} objects), or for a BM25 function's output the
// query texts, analyzed as the input field is; and drop_ratio_search.
func sparseQueries(col *coordinator.Collection, r *SearchRequest, req *proxy.SearchRequest) error {
	f := &col.Schema.Fields[req.AnnsField]
	if present(r.IDs) {
		return invalidf("search by \"ids\" is not supported on sparse field %q", f.Name)
	}
	ratio, err := floatParam(req.SearchParams, "drop_ratio_search")
	if err != nil {
		return err
	}
	if ratio != nil {
		if *ratio < 0 || *ratio >= 1 {
			return invalidf("invalid search param \"drop_ratio_search\": %g is not in [0, 1)", *ratio)
		}
		req.DropRatio = float64(*ratio)
	}
	fn, bm25 := col.Schema.FunctionFor(f.Name)
	switch {
	case bm25 && r.Texts != nil:
		req.Sparse, err = analyzeQueries(col, fn, r.Texts)
	case bm25:
		var texts []string
		if texts, err = parseTexts(r.Data); err == nil {
			req.Sparse, err = analyzeQueries(col, fn, texts)
		}
	case r.Texts != nil:
		return invalidf("sparse field %q is not a BM25 function's output: search it with sparse vectors, not text", f.Name)
	case r.Sparse != nil:
		req.Sparse = r.Sparse
		for i := range r.Sparse {
			if err := r.Sparse[i].Check(); err != nil {
				return invalidf("data[%d]: %v", i, err)
			}
		}
	default:
		req.Sparse, err = parseSparse(r.Data)
	}
	if err != nil {
		return err
	}
	return checkResults(len(req.Sparse), req.TopK)
}

// decodeList decodes "data" as a non-empty JSON list.
func decodeList(raw json.RawMessage) ([]any, error) {
	if !present(raw) {
		return nil, missingf("missing required parameter \"data\" (the queries)")
	}
	v, err := decodeValue(raw)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, invalidf("\"data\" must be a non-empty list, got %s", describe(v))
	}
	if len(list) > maxWindow {
		return nil, invalidf("too many queries: %d, at most %d", len(list), maxWindow)
	}
	return list, nil
}

// parseSparse reads "data" as a list of sparse vectors.
func parseSparse(raw json.RawMessage) ([]segment.SparseVector, error) {
	list, err := decodeList(raw)
	if err != nil {
		return nil, err
	}
	out := make([]segment.SparseVector, len(list))
	for i, e := range list {
		if out[i], err = sparseVector(e); err != nil {
			return nil, invalidf("data[%d]: %v", i, err)
		}
	}
	return out, nil
}

// parseTexts reads "data" as a list of query texts.
func parseTexts(raw json.RawMessage) ([]string, error) {
	list, err := decodeList(raw)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, invalidf("data[%d]: a BM25 search takes query text, got %s", i, describe(e))
		}
		out[i] = s
	}
	return out, nil
}

// analyzeQueries turns query texts into term counts with the analyzer of
// the function's input field; the proxy weighs them by idf.
func analyzeQueries(col *coordinator.Collection, fn *segment.Function, texts []string) ([]segment.SparseVector, error) {
	in, _ := col.Schema.Field(fn.Input[0])
	a, err := analyzerOf(in)
	if err != nil {
		return nil, err
	}
	out := make([]segment.SparseVector, len(texts))
	for i, t := range texts {
		ids, counts, _ := a.Frequencies(t)
		out[i] = segment.SparseVector{Indices: ids, Values: counts}
	}
	return out, nil
}

// decodeValue decodes one JSON value with numbers as json.Number; bad JSON
// is code 1801.
func decodeValue(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, errf(codeBadJSON, "body is not valid JSON: %v", err)
	}
	return v, nil
}
