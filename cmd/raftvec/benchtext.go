package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/raftvec/raftvec/dataset"
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

func benchFulltext(w io.Writer, o *fulltextOpts) error {
	if o.rows <= 0 || o.queries <= 0 || o.topK <= 0 || o.clients <= 0 || o.batch <= 0 {
		return fmt.Errorf("--rows, --queries, --topk, --clients and --batch must be positive (got %d, %d, %d, %d, %d)",
			o.rows, o.queries, o.topK, o.clients, o.batch)
	}
	params, an, err := fulltextAnalyzer(o.analyzer)
	if err != nil {
		return err
	}
	texts, queries, synsets, err := o.corpus(an)
	if err != nil {
		return err
	}
	t0 := time.Now()
	ex := newExactBM25(an, texts, fulltextK1, fulltextB)
	fmt.Fprintf(w, "corpus: %d of %d WordNet synsets, %d tokens (avgdl %.2f), %d distinct tokens, analyzer %s; exact index %.1fs\n",
		o.rows, synsets, ex.tokens, ex.avgdl, len(ex.df), an.Params(), time.Since(t0).Seconds())
	if !o.skipInsert {
		if err := o.insertTexts(w, params, texts); err != nil {
			return err
		}
	}
	if err := waitCount(o.nodes(), o.collection, o.level, int64(o.rows)); err != nil {
		return err
	}
	exact := o.exactReference(w, ex, queries)
	got, run, err := o.searchAll(queries)
	if err != nil {
		return err
	}
	o.report(w, queries, exact, got, run)
	return nil
}

// exactReference scores every query with the exact scorer and prints how
// many rows the first queries match and the term-ID collisions.
func (o *fulltextOpts) exactReference(w io.Writer, ex *exactBM25, queries []ftQuery) []map[int64]float64 {
	t0 := time.Now()
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
	return exact
}

// searchAll runs every query once on o.clients clients, after up to 50 of
// them untimed (warm-up), and returns the hits and times.
func (o *fulltextOpts) searchAll(queries []ftQuery) ([][]searchHit, passTimes, error) {
	// Request bodies are encoded before the clock starts.
	bodies := make([]rawBody, len(queries))
	for i, q := range queries {
		b, err := json.Marshal(map[string]any{"collectionName": o.collection, "annsField": "sparse",
			"data": []string{q.Text}, "limit": o.topK, "consistencyLevel": o.level})
		if err != nil {
			return nil, passTimes{}, err
		}
		bodies[i] = b
	}
	nodes := o.nodes()
	if err := untimed(nodes, o.clients, "entities/search", bodies[:min(len(bodies), 50)]); err != nil {
		return nil, passTimes{}, err
	}
	got := make([][]searchHit, len(queries))
	run, err := timedPass(nodes, o.clients, "entities/search", bodies, func(i int, raw json.RawMessage) (err error) {
		got[i], err = parseHits(raw)
		return err
	})
	return got, run, err
}
