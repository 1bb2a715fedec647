package main

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/text"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*max(1, math.Abs(b)) }

// TestBenchTextExactBM25 checks the exact scorer against BM25 computed by
// hand on four documents (N 4, 8 tokens, avgdl 2).
func TestBenchTextExactBM25(t *testing.T) {
	an, err := text.New(map[string]any{"type": "standard"})
	if err != nil {
		t.Fatal(err)
	}
	e := newExactBM25(an, []string{"a b", "A a, c", "c d", "e"}, 1.2, 0.75)
	if e.n != 4 || e.tokens != 8 || e.avgdl != 2 || e.df["a"] != 2 || e.df["d"] != 1 || e.tf[1]["a"] != 2 {
		t.Fatalf("stats: n %d tokens %d avgdl %v df %v tf[1] %v", e.n, e.tokens, e.avgdl, e.df, e.tf[1])
	}
	// Query tokens a (twice), c, d, and z (in no document).
	got := e.scores("a A c d z")
	// idf(a) = idf(c) = ln(1 + 2.5/2.5) = ln 2; idf(d) = ln(1 + 3.5/1.5) = ln(10/3).
	// dl 2: norm = 1.2·(0.25 + 0.75·2/2) = 1.2, tf 1 gives 2.2/2.2 = 1.
	// dl 3: norm = 1.2·(0.25 + 0.75·3/2) = 1.65.
	ln2, ln103 := math.Log(2), math.Log(10.0/3)
	want := map[int64]float64{
		0: 2 * ln2 * 1,                               // a: weight 2·ln 2
		1: 2*ln2*(2*2.2/(2+1.65)) + ln2*2.2/(1+1.65), // a tf 2, c tf 1
		2: ln2*1 + ln103*1,                           // c, d
	}
	if len(got) != len(want) {
		t.Fatalf("scored %v, want documents %v", got, want)
	}
	for id, w := range want {
		if !near(got[id], w) {
			t.Errorf("doc %d: score %v, want %v", id, got[id], w)
		}
	}
	top := exactTopK(got, 2)
	if len(top) != 2 || top[0].ID != 1 || top[1].ID != 2 {
		t.Errorf("top-2 %v, want docs 1, 2", top)
	}
	// Ties are broken by id.
	if top := exactTopK(map[int64]float64{7: 1, 3: 1, 5: 2}, 3); top[0].ID != 5 || top[1].ID != 3 || top[2].ID != 7 {
		t.Errorf("tie order %v, want 5, 3, 7", top)
	}
	if s := e.scores("z"); len(s) != 0 {
		t.Errorf("a query without known tokens scored %v", s)
	}
}

func testDocs() []dataset.WordNetDoc {
	return []dataset.WordNetDoc{
		{ID: "1-n", Words: []string{"physical_entity"}, Gloss: "an entity that has physical existence"},
		{ID: "2-n", Words: []string{"a", "A"}, Gloss: "an A; \"the letter a\""}, // english: no token before ";"
		{ID: "3-n", Words: []string{"movie", "film", "picture", "moving_picture", "flick"},
			Gloss: "a form of entertainment that enacts a story; \"they went to a movie\""},
		{ID: "4-v", Words: []string{"breathe", "take_a_breath", "respire"}, Gloss: "draw air into, and expel out of, the lungs"},
	}
}

func TestBenchTextQueriesDeterministic(t *testing.T) {
	an, err := text.New(map[string]any{"type": "english"})
	if err != nil {
		t.Fatal(err)
	}
	docs := testDocs()
	q1, err := fulltextQueries(docs, an, 200, 42)
	if err != nil {
		t.Fatal(err)
	}
	q2, _ := fulltextQueries(docs, an, 200, 42)
	q3, _ := fulltextQueries(docs, an, 200, 43)
	if !slices.Equal(q1, q2) {
		t.Fatal("the same seed gave different queries")
	}
	if slices.Equal(q1, q3) {
		t.Error("seeds 42 and 43 gave the same queries")
	}
	withGloss, counts := 0, map[int]int{}
	for _, q := range q1 {
		d := docs[q.Doc]
		counts[q.Doc]++
		toks := an.Tokens(nil, q.Text)
		if len(toks) == 0 {
			t.Fatalf("query %q has no tokens", q.Text)
		}
		if q.Doc == 1 {
			t.Fatalf("query %q from a document whose words are stop words only", q.Text)
		}
		// Every token comes from the document; at most 3 words and one
		// definition word (not from the example after ";").
		docToks := an.Tokens(nil, d.Text())
		for _, tok := range toks {
			if !slices.Contains(docToks, tok) {
				t.Fatalf("query %q: token %q not in %q", q.Text, tok, d.Text())
			}
		}
		def, _, _ := strings.Cut(d.Gloss, ";")
		switch ok, gloss := parseQuery(q.Text, d.Words, an.Tokens(nil, def), 0, map[int]bool{}); {
		case !ok:
			t.Fatalf("query %q is not 1-3 words of %v and at most one definition word of %q", q.Text, d.Words, d.Gloss)
		case gloss:
			withGloss++
		}
	}
	if withGloss < 50 || withGloss > 150 || counts[0] == 0 || counts[2] == 0 || counts[3] == 0 {
		t.Errorf("%d of 200 queries with a gloss word (want about half); per document %v", withGloss, counts)
	}
}

// parseQuery reports whether q is n more distinct words (underscores as
// spaces, n+1..3 in all) and then at most one definition token of at least 3
// bytes, and whether it ends with such a token.
func parseQuery(q string, words, def []string, n int, used map[int]bool) (ok, gloss bool) {
	if n >= 1 && q == "" {
		return true, false
	}
	if n >= 1 && len(q) >= 3 && slices.Contains(def, q) {
		return true, true
	}
	if n == 3 {
		return false, false
	}
	for i, w := range words {
		p := strings.ReplaceAll(w, "_", " ")
		if used[i] || !(q == p || strings.HasPrefix(q, p+" ")) {
			continue
		}
		used[i] = true
		ok, gloss := parseQuery(strings.TrimPrefix(strings.TrimPrefix(q, p), " "), words, def, n+1, used)
		used[i] = false
		if ok {
			return true, gloss
		}
	}
	return false, false
}

func TestBenchTextAgreement(t *testing.T) {
	// Exact top-3: 1 (5), 2 (4), 3 (3); 4 and 5 tie the 3rd score.
	scores := map[int64]float64{1: 5, 2: 4, 3: 3, 4: 3, 5: 3, 6: 1}
	h := func(ids ...int64) []searchHit {
		out := make([]searchHit, len(ids))
		for i, id := range ids {
			out[i] = searchHit{id, scores[id]}
		}
		return out
	}
	dcg := func(gains ...float64) float64 {
		var s float64
		for i, g := range gains {
			s += g / math.Log2(float64(i+2))
		}
		return s
	}
	ideal := dcg(5, 4, 3)
	for _, c := range []struct {
		name    string
		got     []searchHit
		recall  float64
		inOrder bool
		ndcg    float64
	}{
		{"exact", h(1, 2, 3), 1, true, 1},
		{"tie at the k-th score", h(1, 2, 5), 1, true, 1},
		{"tie, ids reordered", h(1, 2, 4), 1, true, 1},
		{"swapped", h(2, 1, 3), 1, false, dcg(4, 5, 3) / ideal},
		{"below the k-th", h(1, 2, 6), 2.0 / 3, false, dcg(5, 4, 1) / ideal},
		{"short", h(1, 5), 2.0 / 3, false, dcg(5, 3) / ideal},
		{"duplicate", h(1, 1, 2), 2.0 / 3, false, dcg(5, 0, 4) / ideal},
		{"unmatched row", h(1, 2, 9), 2.0 / 3, false, dcg(5, 4, 0) / ideal},
		{"beyond k ignored", h(6, 1, 2, 3), 2.0 / 3, false, dcg(1, 5, 4) / ideal},
		{"empty", nil, 0, false, 0},
	} {
		if r := recallOne(c.got, scores, 3); !near(r, c.recall) {
			t.Errorf("%s: recall %v, want %v", c.name, r, c.recall)
		}
		if o := inOrder(c.got, scores, 3); o != c.inOrder {
			t.Errorf("%s: in order %v, want %v", c.name, o, c.inOrder)
		}
		if n := ndcgOne(c.got, scores, 3); !near(n, c.ndcg) {
			t.Errorf("%s: ndcg %v, want %v", c.name, n, c.ndcg)
		}
	}
	// NDCG is cut at 10 even for a larger k.
	many := map[int64]float64{}
	var got []searchHit
	for i := int64(0); i < 12; i++ {
		many[i] = float64(20 - i)
		got = append(got, searchHit{i, many[i]})
	}
	got[10], got[11] = got[11], got[10]
	if n := ndcgOne(got, many, 12); n != 1 {
		t.Errorf("ndcg@10 with k 12 and positions 11/12 swapped: %v, want 1", n)
	}

	var a agreement
	a.add(h(1, 2, 4), scores, 3)
	a.add([]searchHit{{1, 5.5}, {2, 4}, {6, 1}}, scores, 3) // 10% off on 1; 6 below the k-th
	a.add(h(1, 1, 9), scores, 3)                            // a duplicate and an unmatched row
	a.add(nil, map[int64]float64{}, 3)                      // nothing matches: fine
	a.add([]searchHit{{3, 1}}, map[int64]float64{}, 3)      // nothing matches but a hit
	if a.queries != 3 || a.noMatch != 2 || a.inOrder != 1 || a.dupes != 1 || a.foreign != 2 || a.emptyWithHits != 1 {
		t.Errorf("counts %+v", a)
	}
	if !near(a.maxRelDiff, 0.1) {
		t.Errorf("max relative difference %v, want 0.1", a.maxRelDiff)
	}
	if r, want := a.meanRecall(), (1+2.0/3+1.0/3)/3; !near(r, want) {
		t.Errorf("mean recall %v, want %v", r, want)
	}
	if f := a.orderFraction(); !near(f, 1.0/3) {
		t.Errorf("in-order fraction %v, want 1/3", f)
	}
	if n, want := a.meanNDCG(), (1+dcg(5, 4, 1)/ideal+dcg(5, 0, 0)/ideal)/3; !near(n, want) {
		t.Errorf("mean ndcg %v, want %v", n, want)
	}
	if math.IsNaN((&agreement{}).meanRecall()) == false {
		t.Error("mean of no queries is not NaN")
	}
}

func TestBenchTextTruncateAndAnalyzer(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"héllo", 2, "hé"}, {"héllo", 5, "héllo"}, {"héllo", 9, "héllo"}, {"日本語", 1, "日"}, {"ab", 0, ""}} {
		if got := truncateRunes(c.s, c.n); got != c.want {
			t.Errorf("truncateRunes(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
	p, an, err := fulltextAnalyzer("english")
	if err != nil || p["type"] != "english" || len(an.Tokens(nil, "The Cat")) != 1 {
		t.Errorf("english: %v %v", p, err)
	}
	p, an, err = fulltextAnalyzer(`{"tokenizer":"standard","filter":["lowercase",{"type":"stop","stop_words":["cat"]}]}`)
	if err != nil || p["tokenizer"] != "standard" || !slices.Equal(an.Tokens(nil, "The Cat"), []string{"the"}) {
		t.Errorf("custom: %v %v", p, err)
	}
	if _, _, err := fulltextAnalyzer("klingon"); err == nil {
		t.Error("unknown analyzer type accepted")
	}
}
