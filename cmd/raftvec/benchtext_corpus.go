package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/text"
)

// corpus loads WordNet and returns the texts of the first --rows synsets
// (row i is synset i), the queries and the number of synsets.
func (o *fulltextOpts) corpus(an *text.Analyzer) ([]string, []ftQuery, int, error) {
	docs, err := dataset.LoadWordNet(o.wordnet)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("bench fulltext: loading WordNet (apt-get install wordnet-base): %w", err)
	}
	if o.rows > len(docs) {
		return nil, nil, 0, fmt.Errorf("--rows %d: WordNet has only %d synsets", o.rows, len(docs))
	}
	texts := make([]string, o.rows)
	for i := range texts {
		texts[i] = truncateRunes(docs[i].Text(), fulltextMaxLen)
	}
	queries, err := fulltextQueries(docs, an, o.queries, o.seed)
	return texts, queries, len(docs), err
}

// fulltextAnalyzer returns the analyzer_params for the collection and the
// analyzer they build: spec is a built-in type name or a JSON object.
func fulltextAnalyzer(spec string) (map[string]any, *text.Analyzer, error) {
	var params map[string]any
	if s := strings.TrimSpace(spec); strings.HasPrefix(s, "{") {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return nil, nil, fmt.Errorf("--analyzer: %w", err)
		}
	} else {
		params = map[string]any{"type": s}
	}
	an, err := text.New(params)
	if err != nil {
		return nil, nil, fmt.Errorf("--analyzer: %w", err)
	}
	return params, an, nil
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if len(s) <= n { // bytes ≥ runes
		return s
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// fulltextQueries draws n queries from all docs (see the command's help
// for the recipe); the same docs, analyzer and seed give the same queries.
func fulltextQueries(docs []dataset.WordNetDoc, an *text.Analyzer, n int, seed uint64) ([]ftQuery, error) {
	if len(docs) == 0 {
		return nil, errors.New("bench fulltext: no documents to draw queries from")
	}
	r := rand.New(rand.NewPCG(seed, 0x66756c6c74657874)) // "fulltext"
	out := make([]ftQuery, 0, n)
	for tries := 0; len(out) < n; tries++ {
		if tries >= 100*n {
			return nil, fmt.Errorf("bench fulltext: %d of %d draws gave queries without tokens", tries-len(out), tries)
		}
		d := r.IntN(len(docs))
		q := queryFrom(r, docs[d], an)
		if len(an.Tokens(nil, q)) == 0 {
			continue
		}
		out = append(out, ftQuery{Text: q, Doc: d})
	}
	return out, nil
}

// queryFrom makes one keyword query from a synset: 1-3 of its words and,
// half of the time, one word of its definition.
func queryFrom(r *rand.Rand, d dataset.WordNetDoc, an *text.Analyzer) string {
	nw := min(1+r.IntN(3), len(d.Words))
	parts := make([]string, 0, nw+1)
	for _, i := range r.Perm(len(d.Words))[:nw] {
		parts = append(parts, strings.ReplaceAll(d.Words[i], "_", " "))
	}
	if r.IntN(2) == 0 {
		def, _, _ := strings.Cut(d.Gloss, ";")
		var words []string
		for _, t := range an.Tokens(nil, def) {
			if utf8.RuneCountInString(t) >= 3 && !strings.ContainsFunc(t, unicode.IsDigit) {
				words = append(words, t)
			}
		}
		if len(words) > 0 {
			parts = append(parts, words[r.IntN(len(words))])
		}
	}
	return strings.Join(parts, " ")
}

// insertTexts drops and creates the collection, inserts texts (row i has
// id i) and waits until every segment is flushed.
func (o *fulltextOpts) insertTexts(w io.Writer, params map[string]any, texts []string) error {
	_, _ = post(o.addr, "collections/drop", map[string]any{"collectionName": o.collection})
	_, err := post(o.addr, "collections/create", map[string]any{"collectionName": o.collection,
		"schema": map[string]any{
			"fields": []map[string]any{
				{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
				{"fieldName": "text", "dataType": "VarChar", "elementTypeParams": map[string]any{
					"max_length": fulltextMaxLen, "enable_analyzer": true, "analyzer_params": params}},
				{"fieldName": "sparse", "dataType": "SparseFloatVector"}},
			"functions": []map[string]any{{"name": "bm25", "type": "BM25",
				"inputFieldNames": []string{"text"}, "outputFieldNames": []string{"sparse"}}}},
		"indexParams": []map[string]any{{"fieldName": "sparse", "indexName": "sparse",
			"indexType": "SPARSE_INVERTED_INDEX", "metricType": "BM25"}}})
	if err != nil {
		return err
	}
	type row struct {
		ID   int64  `json:"id"`
		Text string `json:"text"`
	}
	rows := len(texts)
	start := time.Now()
	st, err := insertBatches(o.nodes(), o.clients, rows, o.batch, "benchtext", func(lo, hi int) (rawBody, error) {
		data := make([]row, 0, hi-lo)
		for i := lo; i < hi; i++ {
			data = append(data, row{int64(i), texts[i]})
		}
		return json.Marshal(map[string]any{"collectionName": o.collection, "data": data})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "insert: %d rows (WordNet), batch %d, %d clients, %d nodes: %s\n",
		rows, o.batch, o.clients, len(o.nodes()), st.summary(rows))
	return waitFlushed(w, o.addr, o.collection, int64(rows), start)
}
