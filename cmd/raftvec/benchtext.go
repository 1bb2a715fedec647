package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/text"
)

// fulltextOpts configures `bench fulltext`. It has its own fields (not
// benchOpts' queries/topK/...) so that its defaults do not change those of
// bench search.
type fulltextOpts struct {
	*benchOpts
	queries    int
	topK       int
	batch      int
	level      string
	analyzer   string
	skipInsert bool
	wordnet    string
}

const (
	// fulltextMaxLen is the text field's max_length (characters); longer
	// texts are cut at a rune boundary.
	fulltextMaxLen = 4096
	// The server's BM25 defaults (the index is created without
	// bm25_k1/bm25_b, so these apply).
	fulltextK1 = 1.2
	fulltextB  = 0.75
	// ndcgDepth is the cut-off of NDCG (or --topk if smaller).
	ndcgDepth = 10
	// tieRel: exact scores this close (relative) are ties. The exact
	// scorer computes in float64 and gives documents with the same term
	// frequencies and length bit-identical scores; the tolerance only
	// absorbs float64 rounding of sums in another order.
	tieRel = 1e-9
)

func newBenchFulltextCmd(o *benchOpts) *cobra.Command {
	fo := &fulltextOpts{benchOpts: o}
	cmd := &cobra.Command{
		Use:   "fulltext",
		Short: "BM25 full-text search over WordNet glosses: insert rows/s, time to flushed, QPS, p50/p99 latency, agreement with an exact BM25 scorer",
		Long: `Full-text (BM25) benchmark on WordNet 3.0 (Debian's wordnet-base, read
from --wordnet; 117,659 synsets in file order: nouns, verbs, adjectives,
adverbs). Document i (id i) is synset i's text: its words, ", "-separated
with underscores as spaces, then ": " and the gloss, cut to 4,096
characters (the field's max_length). The first --rows synsets are inserted.

Unless --skip-insert, the collection is dropped and created with id Int64,
text VarChar (enable_analyzer, analyzer_params {"type": --analyzer}, or
--analyzer itself if it is a JSON object), sparse SparseFloatVector filled
by a BM25 function, and a SPARSE_INVERTED_INDEX with metric BM25 (default
bm25_k1 1.2, bm25_b 0.75); rows {id, text} are inserted in --batch row
requests on --clients clients (rows/s printed), then the collection is
flushed and the command waits until every segment is Flushed (time printed).
With --skip-insert the collection must hold exactly those --rows rows,
inserted with the same --analyzer, and nothing else.

Queries (deterministic for --seed): each picks a synset uniformly among ALL
117,659, so queries from synsets beyond --rows are out of sample and may
match nothing; it takes 1-3 (uniform, at most all) of the synset's words in
random order, underscores as spaces, and with probability 1/2 adds one
word of the definition (the gloss before its first ";"): a uniformly chosen
analyzer token of at least 3 letters with no digits. Queries the analyzer
turns into no tokens (e.g. "a", a stop word) are drawn again. E.g.
"malefactor felon someone" (two words, one definition word) or "iris
diaphragm" (one word).

Before the timed run, the command waits until a count(*) at --consistency
on every node sees --rows rows, and warms up with up to 50 untimed
searches. After inserting, flushing and waiting for Flushed segments, the
default Eventually is fine for a standalone server; on a cluster, Strong
rules out a lagging replica lowering the agreement.

The queries then run once on --clients clients ("data": [text], annsField
sparse, limit --topk), and the command prints QPS, p50/p99 latency and the
agreement of the answers with an exact BM25 scorer computed here (same
analyzer, independent scoring: N = --rows, avgdl, df and tf counted per
token in plain maps; idf = ln(1 + (N - df + 0.5)/(df + 0.5)), query tokens
counted with duplicates, k1 1.2, b 0.75; top-k by score, then id):

  recall@k     mean |server ∩ exact top-k| / |exact top-k|; a server id whose
               exact score ties the exact k-th score counts as found
  exact-order  fraction of queries whose top-k is the exact top-k in order,
               up to ties (the same sequence of exact scores, same length)
  max-rel-diff largest |server distance - exact score| / exact score over
               every hit the exact scorer scored (the server uses float32)
  ndcg@10      NDCG@10 (@k if --topk < 10) of the server's ranking with the
               exact BM25 score as graded (linear) gain

These measure agreement with an exact scorer, not relevance judgements:
1.0 everywhere means the server computes BM25 exactly, not that the hits
are relevant. Queries no inserted row matches are left out of the means and
counted; hits that share no token with the query, duplicates and answers
to queries nothing matches are counted as errors (want 0). Term IDs are
32-bit hashes: colliding tokens are one term to the server (not to the
exact scorer); collisions among the tokens are counted and printed.`,
		RunE: func(*cobra.Command, []string) error { return benchFulltext(os.Stdout, fo) },
	}
	f := cmd.Flags()
	f.IntVar(&fo.queries, "queries", 500, "number of queries")
	f.IntVar(&fo.topK, "topk", 10, "results per query (recall@topk)")
	f.IntVar(&fo.batch, "batch", 1000, "rows per insert request")
	f.StringVar(&fo.level, "consistency", "Eventually", "consistency level of the searches and of the count(*) check before them (Strong, Bounded, Session, Eventually)")
	f.StringVar(&fo.analyzer, "analyzer", "english", `analyzer of the text field: a built-in type (english, standard, whitespace) or analyzer_params as a JSON object`)
	f.BoolVar(&fo.skipInsert, "skip-insert", false, "search an existing collection (it must hold exactly the first --rows synsets, same --analyzer)")
	f.StringVar(&fo.wordnet, "wordnet", dataset.WordNetDir, "WordNet 3.0 data directory (apt-get install wordnet-base)")
	return cmd
}

// ftQuery is one benchmark query and the synset it was made from.
type ftQuery struct {
	Text string
	Doc  int
}

// ftHit is one search hit: primary key and score (the reply's distance).
type ftHit struct {
	ID    int64
	Score float64
}

func benchFulltext(w io.Writer, o *fulltextOpts) error {
	if o.rows <= 0 || o.queries <= 0 || o.topK <= 0 || o.clients <= 0 || o.batch <= 0 {
		return fmt.Errorf("--rows, --queries, --topk, --clients and --batch must be positive (got %d, %d, %d, %d, %d)",
			o.rows, o.queries, o.topK, o.clients, o.batch)
	}
	params, an, err := fulltextAnalyzer(o.analyzer)
	if err != nil {
		return err
	}
	docs, err := dataset.LoadWordNet(o.wordnet)
	if err != nil {
		return fmt.Errorf("bench fulltext: loading WordNet (apt-get install wordnet-base): %w", err)
	}
	if o.rows > len(docs) {
		return fmt.Errorf("--rows %d: WordNet has only %d synsets", o.rows, len(docs))
	}
	texts := make([]string, o.rows)
	for i := range texts {
		texts[i] = truncateRunes(docs[i].Text(), fulltextMaxLen)
	}
	queries, err := fulltextQueries(docs, an, o.queries, o.seed)
	if err != nil {
		return err
	}
	t0 := time.Now()
	ex := newExactBM25(an, texts, fulltextK1, fulltextB)
	fmt.Fprintf(w, "corpus: %d of %d WordNet synsets, %d tokens (avgdl %.2f), %d distinct tokens, analyzer %s; exact index %.1fs\n",
		o.rows, len(docs), ex.tokens, ex.avgdl, len(ex.df), an.Params(), time.Since(t0).Seconds())
	if !o.skipInsert {
		if err := o.insertTexts(w, params, texts); err != nil {
			return err
		}
	}
	if err := o.waitCount(int64(o.rows)); err != nil {
		return err
	}

	// Exact reference.
	t0 = time.Now()
	exact := make([]map[int64]float64, len(queries))
	out := 0
	for i, q := range queries {
		exact[i] = ex.scores(q.Text)
		if q.Doc >= o.rows {
			out++
		}
	}
	fmt.Fprintf(w, "exact BM25: %d queries (%d out of sample) over %d rows, k1 %g b %g: %.2fs\n",
		len(queries), out, o.rows, fulltextK1, fulltextB, time.Since(t0).Seconds())
	for i := 0; i < min(3, len(queries)); i++ {
		fmt.Fprintf(w, "  query %d: %q (%d rows match)\n", i, queries[i].Text, len(exact[i]))
	}
	if c := ex.collisions(queries); c.vocab > 0 {
		fmt.Fprintf(w, "  term-ID collisions: %d among the corpus and query tokens, %d queries use a colliding token (the server scores such tokens as one term)\n",
			c.vocab, c.queries)
	}

	// Request bodies are encoded before the clock starts.
	bodies := make([]rawBody, len(queries))
	for i, q := range queries {
		b, err := json.Marshal(map[string]any{"collectionName": o.collection, "annsField": "sparse",
			"data": []string{q.Text}, "limit": o.topK, "consistencyLevel": o.level})
		if err != nil {
			return err
		}
		bodies[i] = b
	}
	nodes := o.nodes()
	warm := min(len(bodies), 50)
	if err := parallel(o.clients, warm, func(_, i int) error {
		_, err := post(nodes[i%len(nodes)], "entities/search", bodies[i])
		return err
	}); err != nil {
		return err
	}
	lat := make([]time.Duration, len(queries))
	got := make([][]ftHit, len(queries))
	start := time.Now()
	err = parallel(o.clients, len(queries), func(_, i int) error {
		t := time.Now()
		raw, err := post(nodes[i%len(nodes)], "entities/search", bodies[i])
		lat[i] = time.Since(t)
		if err == nil {
			got[i], err = parseHits(raw)
		}
		return err
	})
	if err != nil {
		return err
	}
	el := time.Since(start)
	var ag agreement
	for i := range queries {
		ag.add(got[i], exact[i], o.topK)
	}
	slices.Sort(lat)
	fmt.Fprintf(w, "search: %d queries, top-%d, %s, %d clients, %d nodes\n", len(queries), o.topK, o.level, o.clients, len(nodes))
	p := min(ndcgDepth, o.topK)
	fmt.Fprintf(w, "%10s %10s %10s %10s %12s %12s %10s\n", "QPS", "p50", "p99",
		fmt.Sprintf("recall@%d", o.topK), "exact-order", "max-rel-diff", fmt.Sprintf("ndcg@%d", p))
	fmt.Fprintf(w, "%10.1f %10s %10s %10.4f %12.4f %12.2e %10.4f\n", float64(len(lat))/el.Seconds(),
		fmtLatency(lat[len(lat)/2]), fmtLatency(lat[len(lat)*99/100]),
		ag.meanRecall(), ag.orderFraction(), ag.maxRelDiff, ag.meanNDCG())
	fmt.Fprintf(w, "  %d queries matched by some row (the means are over them), %d by none; errors: %d hits sharing no query token, %d duplicate hits, %d answers to queries nothing matches\n",
		ag.queries, ag.noMatch, ag.foreign, ag.dupes, ag.emptyWithHits)
	shown := 0
	for i := range queries {
		if shown == 3 {
			break
		}
		if r := recallOne(got[i], exact[i], o.topK); r < 1 || !inOrder(got[i], exact[i], o.topK) {
			shown++
			fmt.Fprintf(w, "  disagreement: query %d %q: server %s\n                exact  %s\n",
				i, queries[i].Text, fmtHits(got[i]), fmtHits(exactTopK(exact[i], o.topK)))
		}
	}
	return nil
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
	batches := (rows + o.batch - 1) / o.batch
	var done, sent, retries atomic.Int64
	run := time.Now().UnixNano() // Idempotency-Keys unique to this run
	start := time.Now()
	stop := progressEvery(time.Second, rateReporter(start, rows, &done, &sent))
	err = parallel(o.clients, batches, func(_, b int) error {
		lo, hi := b*o.batch, min((b+1)*o.batch, rows)
		data := make([]row, 0, hi-lo)
		for i := lo; i < hi; i++ {
			data = append(data, row{int64(i), texts[i]})
		}
		body, err := json.Marshal(map[string]any{"collectionName": o.collection, "data": data})
		if err != nil {
			return err
		}
		err = insertRetrying(o.nodes(), b, fmt.Sprintf("benchtext-%d-%d", run, b), rawBody(body), &retries)
		done.Add(int64(hi - lo))
		sent.Add(int64(len(body)))
		return err
	})
	stop()
	if err != nil {
		return fmt.Errorf("%w (%d retries)", err, retries.Load())
	}
	el := time.Since(start)
	fmt.Fprintf(w, "insert: %d rows (WordNet), batch %d, %d clients, %d nodes: %.2fs, %.0f rows/s, %.1f MB/s, %d retries\n",
		rows, o.batch, o.clients, len(o.nodes()), el.Seconds(), float64(rows)/el.Seconds(),
		float64(sent.Load())/1e6/el.Seconds(), retries.Load())
	return o.waitFlushed(w, int64(rows), start)
}

// waitFlushed flushes the collection and polls its segments until every
// one is Flushed (or Indexed) and they hold rows live rows.
func (o *fulltextOpts) waitFlushed(w io.Writer, rows int64, loadStart time.Time) error {
	start := time.Now()
	if _, err := post(o.addr, "collections/flush", map[string]any{"collectionName": o.collection}); err != nil {
		return err
	}
	flushCall := time.Since(start)
	var status atomic.Value
	status.Store("flush: waiting for segments")
	stop := progress(func() string { return status.Load().(string) })
	defer stop()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		raw, err := getData(o.addr, "/v1/collections/"+o.collection+"/segments")
		if err != nil {
			return err
		}
		var segs []struct {
			State   string `json:"state"`
			Rows    int64  `json:"rows"`
			Deleted int64  `json:"deletedRows"`
		}
		if err := json.Unmarshal(raw, &segs); err != nil {
			return fmt.Errorf("segments: %s: %w", raw, err)
		}
		n, live, flushed := 0, int64(0), 0
		for _, s := range segs {
			if s.State == "Dropped" {
				continue
			}
			n++
			live += s.Rows - s.Deleted
			if s.State == "Flushed" || s.State == "Indexed" {
				flushed++
			}
		}
		status.Store(fmt.Sprintf("flush: %d/%d segments flushed, %d/%d rows", flushed, n, live, rows))
		if n > 0 && flushed == n && live == rows {
			fmt.Fprintf(w, "flush: %d segments, %d rows Flushed %.2fs after the flush call (the call took %.2fs); load-to-flushed %.2fs\n",
				n, live, time.Since(start).Seconds(), flushCall.Seconds(), time.Since(loadStart).Seconds())
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("segments not flushed after 10 minutes: %d/%d flushed, %d/%d rows", flushed, n, live, rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitCount waits until count(*) at o.level answers rows on every node,
// three times in a row (each may be served by another replica).
func (o *fulltextOpts) waitCount(rows int64) error {
	deadline := time.Now().Add(2 * time.Minute)
	for _, node := range o.nodes() {
		for ok := 0; ok < 3; {
			raw, err := post(node, "entities/query", map[string]any{"collectionName": o.collection,
				"outputFields": []string{"count(*)"}, "consistencyLevel": o.level})
			if err != nil {
				return err
			}
			var c []map[string]int64
			if err := json.Unmarshal(raw, &c); err != nil || len(c) != 1 {
				return fmt.Errorf("count(*): %s: %v", raw, err)
			}
			switch n := c[0]["count(*)"]; {
			case n == rows:
				ok++
			case n > rows || time.Now().After(deadline):
				return fmt.Errorf("collection %q: count(*) at %s on %s is %d, want --rows %d", o.collection, o.level, node, n, rows)
			default:
				ok = 0
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	return nil
}

// getData GETs one of raftvec's JSON routes and returns the envelope's
// data.
func getData(base, path string) (json.RawMessage, error) {
	resp, err := http.Get(base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	if env.Code != 0 {
		return nil, &codeError{path: path, code: env.Code, msg: env.Message}
	}
	return env.Data, nil
}

// parseHits reads the ids and distances of a one-query search reply.
func parseHits(raw json.RawMessage) ([]ftHit, error) {
	var hits []struct {
		ID       json.Number `json:"id"`
		Distance float64     `json:"distance"`
	}
	if err := json.Unmarshal(raw, &hits); err != nil {
		return nil, fmt.Errorf("search reply: %w", err)
	}
	out := make([]ftHit, len(hits))
	for i, h := range hits {
		n, err := strconv.ParseInt(h.ID.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("search reply id %q: %w", h.ID, err)
		}
		out[i] = ftHit{n, h.Distance}
	}
	return out, nil
}

func fmtHits(h []ftHit) string {
	var b strings.Builder
	for i, x := range h {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d:%.6g", x.ID, x.Score)
	}
	return "[" + b.String() + "]"
}

// exactBM25 is the reference scorer: documents tokenized by the analyzer
// (shared with the server on purpose), everything else computed here in
// float64 from plain counts, independently of the server's sparse vectors,
// term hashing and index.
type exactBM25 struct {
	an       *text.Analyzer
	k1, b    float64
	n        int              // documents
	tokens   int              // tokens in all documents
	avgdl    float64          // mean document length in tokens
	dl       []int            // document length in tokens
	tf       []map[string]int // per document: token → count
	df       map[string]int   // token → documents containing it
	postings map[string][]int // token → documents containing it, increasing
}

func newExactBM25(an *text.Analyzer, docs []string, k1, b float64) *exactBM25 {
	e := &exactBM25{an: an, k1: k1, b: b, n: len(docs), dl: make([]int, len(docs)), tf: make([]map[string]int, len(docs)),
		df: map[string]int{}, postings: map[string][]int{}}
	var toks []string
	for i, d := range docs {
		toks = an.Tokens(toks[:0], d)
		tf := make(map[string]int, len(toks))
		for _, t := range toks {
			tf[strings.Clone(t)]++
		}
		e.tf[i], e.dl[i] = tf, len(toks)
		e.tokens += len(toks)
		for t := range tf {
			e.df[t]++
		}
	}
	// Postings in document order (map iteration order must not matter).
	for i, tf := range e.tf {
		for t := range tf {
			e.postings[t] = append(e.postings[t], i)
		}
	}
	if e.n > 0 {
		e.avgdl = float64(e.tokens) / float64(e.n)
	}
	return e
}

// idf is ln(1 + (N − df + 0.5)/(df + 0.5)).
func (e *exactBM25) idf(token string) float64 {
	df := float64(e.df[token])
	return math.Log(1 + (float64(e.n)-df+0.5)/(df+0.5))
}

// scores returns the BM25 score of every document (by id = index) that
// contains at least one token of the query.
func (e *exactBM25) scores(query string) map[int64]float64 {
	count := map[string]int{}
	for _, t := range e.an.Tokens(nil, query) {
		count[t]++
	}
	terms := make([]string, 0, len(count))
	for t := range count {
		if e.df[t] > 0 {
			terms = append(terms, t)
		}
	}
	slices.Sort(terms) // a fixed summation order
	out := map[int64]float64{}
	for _, t := range terms {
		wt := e.idf(t) * float64(count[t])
		for _, d := range e.postings[t] {
			tf := float64(e.tf[d][t])
			norm := e.k1 * (1 - e.b + e.b*float64(e.dl[d])/e.avgdl)
			out[int64(d)] += wt * tf * (e.k1 + 1) / (tf + norm)
		}
	}
	return out
}

// collisionCount is what collisions found.
type collisionCount struct{ vocab, queries int }

// collisions counts the tokens of the corpus and queries whose term IDs
// collide with another token's, and the queries using such a token.
func (e *exactBM25) collisions(queries []ftQuery) collisionCount {
	owner := map[uint32]string{}
	bad := map[string]bool{}
	see := func(t string) {
		id := text.TermID(t)
		if o, ok := owner[id]; !ok {
			owner[id] = t
		} else if o != t {
			bad[o], bad[t] = true, true
		}
	}
	for t := range e.df {
		see(t)
	}
	for _, q := range queries {
		for _, t := range e.an.Tokens(nil, q.Text) {
			see(t)
		}
	}
	c := collisionCount{vocab: len(bad)}
	for _, q := range queries {
		if slices.ContainsFunc(e.an.Tokens(nil, q.Text), func(t string) bool { return bad[t] }) {
			c.queries++
		}
	}
	return c
}

// exactTopK returns the k best of scores, by score descending, then id.
func exactTopK(scores map[int64]float64, k int) []ftHit {
	all := make([]ftHit, 0, len(scores))
	for id, s := range scores {
		all = append(all, ftHit{id, s})
	}
	slices.SortFunc(all, func(a, b ftHit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return cmpInt64(a.ID, b.ID)
	})
	return all[:min(k, len(all))]
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// tied reports whether two exact scores are equal up to float64 rounding.
func tied(a, b float64) bool {
	return a == b || math.Abs(a-b) <= tieRel*max(math.Abs(a), math.Abs(b))
}

// recallOne is |server ∩ exact top-k| / |exact top-k| for one query, where
// a server id whose exact score ties the k-th counts as in the exact top-k.
// The server's hits beyond k and repeated ids are ignored. A query nothing
// matches has recall 1 (nothing to find).
func recallOne(got []ftHit, scores map[int64]float64, k int) float64 {
	top := exactTopK(scores, k)
	if len(top) == 0 {
		return 1
	}
	kth := top[len(top)-1].Score
	seen := map[int64]bool{}
	found := 0
	for _, h := range got[:min(k, len(got))] {
		if seen[h.ID] {
			continue
		}
		seen[h.ID] = true
		if s, ok := scores[h.ID]; ok && (s >= kth || tied(s, kth)) {
			found++
		}
	}
	return float64(min(found, len(top))) / float64(len(top))
}

// inOrder reports whether got is the exact top-k in order up to ties: as
// many hits, distinct, whose exact scores are the exact top-k's, position
// by position.
func inOrder(got []ftHit, scores map[int64]float64, k int) bool {
	top := exactTopK(scores, k)
	if len(got) != len(top) {
		return false
	}
	seen := map[int64]bool{}
	for i, h := range got {
		s, ok := scores[h.ID]
		if !ok || seen[h.ID] || !tied(s, top[i].Score) {
			return false
		}
		seen[h.ID] = true
	}
	return true
}

// ndcgOne is NDCG@p of got with gain = exact score (0 for a row the query
// does not match, and for a repeated id), p = min(ndcgDepth, k); 1 when
// nothing matches the query.
func ndcgOne(got []ftHit, scores map[int64]float64, k int) float64 {
	p := min(ndcgDepth, k)
	top := exactTopK(scores, p)
	var dcg, ideal float64
	for i, h := range top {
		ideal += h.Score / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 1
	}
	seen := map[int64]bool{}
	for i, h := range got[:min(p, len(got))] {
		if !seen[h.ID] {
			dcg += scores[h.ID] / math.Log2(float64(i+2))
		}
		seen[h.ID] = true
	}
	return dcg / ideal
}

// agreement accumulates the agreement of server answers with the exact
// scorer over queries.
type agreement struct {
	queries       int // queries some row matches: the means are over them
	noMatch       int // queries no row matches
	recall, ndcg  float64
	inOrder       int
	maxRelDiff    float64
	foreign       int // hits of rows sharing no token with their query
	dupes         int // hits repeating an id of the same answer
	emptyWithHits int // queries no row matches answered with hits
}

func (a *agreement) add(got []ftHit, scores map[int64]float64, k int) {
	seen := map[int64]bool{}
	for _, h := range got {
		if seen[h.ID] {
			a.dupes++
		}
		seen[h.ID] = true
		s, ok := scores[h.ID]
		if !ok {
			a.foreign++
			continue
		}
		if d := math.Abs(h.Score-s) / s; d > a.maxRelDiff || math.IsNaN(d) {
			a.maxRelDiff = d
		}
	}
	if len(scores) == 0 {
		a.noMatch++
		if len(got) > 0 {
			a.emptyWithHits++
		}
		return
	}
	a.queries++
	a.recall += recallOne(got, scores, k)
	a.ndcg += ndcgOne(got, scores, k)
	if inOrder(got, scores, k) {
		a.inOrder++
	}
}

func (a *agreement) mean(sum float64) float64 {
	if a.queries == 0 {
		return math.NaN()
	}
	return sum / float64(a.queries)
}

func (a *agreement) meanRecall() float64    { return a.mean(a.recall) }
func (a *agreement) meanNDCG() float64      { return a.mean(a.ndcg) }
func (a *agreement) orderFraction() float64 { return a.mean(float64(a.inOrder)) }
