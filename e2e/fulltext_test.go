//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// corpus is the test's documents: id → text and user sparse vector.
type corpus struct {
	text   map[int64]string
	sparse map[int64]map[uint32]float32
}

func newCorpus(n int, seed uint64) *corpus {
	r := rand.New(rand.NewPCG(seed, 7))
	c := &corpus{text: map[int64]string{}, sparse: map[int64]map[uint32]float32{}}
	for i := range n {
		words := make([]string, 3+r.IntN(13))
		for j := range words {
			words[j] = fmt.Sprintf("w%d", int(math.Floor(40*r.Float64()*r.Float64()))) // skewed
		}
		c.text[int64(i)] = strings.Join(words, " ")
		sv := map[uint32]float32{}
		for range 3 + r.IntN(4) {
			sv[uint32(r.IntN(50))] = float32(r.IntN(100)+1) / 100
		}
		c.sparse[int64(i)] = sv
	}
	return c
}

func (c *corpus) rows(from, to int, dim int) []map[string]any {
	var out []map[string]any
	for i := from; i < to; i++ {
		sv := map[string]float32{}
		for k, v := range c.sparse[int64(i)] {
			sv[strconv.Itoa(int(k))] = v
		}
		out = append(out, map[string]any{"id": i, "text": c.text[int64(i)], "sv": sv, "v": vec(i, dim)})
	}
	return out
}

func (c *corpus) delete(ids ...int64) {
	for _, id := range ids {
		delete(c.text, id)
		delete(c.sparse, id)
	}
}

type scored struct {
	id    int64
	score float64
}

// bm25 is an exact BM25 scorer over the live documents, independent of
// the server's code: k1 1.2, b 0.75, idf ln(1 + (N − df + 0.5)/(df + 0.5)).
func (c *corpus) bm25(query string) []scored {
	var total float64
	df := map[string]int{}
	for _, t := range c.text {
		toks := strings.Fields(t)
		total += float64(len(toks))
		seen := map[string]bool{}
		for _, w := range toks {
			if !seen[w] {
				seen[w], df[w] = true, df[w]+1
			}
		}
	}
	n := float64(len(c.text))
	avgdl := total / n
	qc := map[string]float64{}
	for _, w := range strings.Fields(strings.ToLower(query)) {
		qc[w]++
	}
	var out []scored
	for id, t := range c.text {
		toks := strings.Fields(t)
		tf := map[string]float64{}
		for _, w := range toks {
			tf[w]++
		}
		var s float64
		for w, cnt := range qc {
			if tf[w] == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(df[w])+0.5)/(float64(df[w])+0.5))
			s += idf * cnt * tf[w] * 2.2 / (tf[w] + 1.2*(0.25+0.75*float64(len(toks))/avgdl))
		}
		if s > 0 {
			out = append(out, scored{id, s})
		}
	}
	return sortScored(out)
}

// ip is the exact inner product of a sparse query with every live row
// (rows sharing no index are not hits).
func (c *corpus) ip(q map[uint32]float32) []scored {
	var out []scored
	for id, sv := range c.sparse {
		var s float64
		hit := false
		for k, v := range q {
			if x, ok := sv[k]; ok {
				s, hit = s+float64(v)*float64(x), true
			}
		}
		if hit {
			out = append(out, scored{id, s})
		}
	}
	return sortScored(out)
}

func sortScored(s []scored) []scored {
	sort.Slice(s, func(i, j int) bool {
		if s[i].score != s[j].score {
			return s[i].score > s[j].score
		}
		return s[i].id < s[j].id
	})
	return s
}

type hit struct {
	ID       int64   `json:"id"`
	Distance float64 `json:"distance"`
}

// checkRanking checks a search's hits against the exact ranking: the
// same scores rank by rank (ties may order differently), each hit's own
// score right.
func checkRanking(t *testing.T, what string, raw json.RawMessage, want []scored, k int) {
	t.Helper()
	var got []hit
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v: %s", what, err, raw)
	}
	want = want[:min(k, len(want))]
	if len(got) != len(want) {
		t.Fatalf("%s: %d hits, want %d: %s", what, len(got), len(want), raw)
	}
	byID := map[int64]float64{}
	for _, s := range want {
		byID[s.id] = s.score
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-4*math.Max(1, math.Abs(b)) }
	for i, h := range got {
		if !close(h.Distance, want[i].score) {
			t.Fatalf("%s: rank %d has score %g (id %d), exact ranking has %g (id %d)", what, i, h.Distance, h.ID, want[i].score, want[i].id)
		}
		if s, ok := byID[h.ID]; ok && !close(s, h.Distance) {
			t.Fatalf("%s: id %d scored %g, exact %g", what, h.ID, h.Distance, s)
		}
	}
}

// segInfo is what the tests read of a segment in the /v1 listing.
type segInfo struct {
	State     string `json:"state"`
	Partition int64  `json:"partitionID"`
	Rows      int64  `json:"rows"`
	Deleted   int64  `json:"deletedRows"`
	Expired   int64  `json:"expiredRows"`
	// IndexFiles maps each index built on the segment to its file.
	IndexFiles map[string]string `json:"indexFiles"`
}

// segmentsOf lists a collection's segments (GET /v1/collections/{name}/segments).
func segmentsOf(t *testing.T, p *proc, coll string) []segInfo {
	t.Helper()
	resp, err := http.Get("http://" + p.http + "/v1/collections/" + coll + "/segments")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data []segInfo `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return env.Data
}

// waitSegments polls the segment listing until done holds (60 s at most).
func waitSegments(t *testing.T, p *proc, coll, what string, done func([]segInfo) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if done(segmentsOf(t, p, coll)) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %s", coll, what)
}

// waitSealedFlushed flushes the collection and waits until no segment is
// growing or sealed-but-unflushed.
func waitSealedFlushed(t *testing.T, p *proc, coll string) {
	t.Helper()
	p.ok("collections/flush", map[string]any{"collectionName": coll})
	waitSegments(t, p, coll, "segments did not reach Flushed", func(segs []segInfo) bool {
		done := len(segs) > 0
		for _, s := range segs {
			done = done && (s.State == "Flushed" || s.State == "Indexed")
		}
		return done
	})
}

var fulltextQueries = []string{"w0 w3", "w1", "W7 w12 w12", "w30 w35 w39", "w2 w5 w8 w11"}

// TestFullTextAndSparseLifecycle proves BM25 full-text search, text_match,
// user sparse vectors (IP, SPARSE_INVERTED_INDEX) and a dense + BM25
// hybrid search through the HTTP API of the real binary, over two shards,
// in growing segments, after flush, after deletes and compaction, and
// after a restart, every ranking checked against an exact scorer.
func TestFullTextAndSparseLifecycle(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	p := startStandalone(t, data, "--chunk-size", "4096", "--segment-seal-size", "16384")
	const coll, n, dim = "ft", 600, 4
	p.ok("collections/create", map[string]any{"collectionName": coll, "params": map[string]any{"shardsNum": 2},
		"schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "text", "dataType": "VarChar", "elementTypeParams": map[string]any{
				"max_length": 512, "enable_analyzer": true, "enable_match": true, "analyzer_params": map[string]any{"type": "standard"}}},
			{"fieldName": "bm", "dataType": "SparseFloatVector"},
			{"fieldName": "sv", "dataType": "SparseFloatVector"},
			{"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": dim}},
		}, "functions": []map[string]any{{"name": "bm25", "type": "BM25", "inputFieldNames": []string{"text"}, "outputFieldNames": []string{"bm"}}}},
		"indexParams": []map[string]any{
			{"fieldName": "bm", "indexType": "SPARSE_INVERTED_INDEX", "metricType": "BM25"},
			{"fieldName": "sv", "indexType": "SPARSE_INVERTED_INDEX", "metricType": "IP"},
			{"fieldName": "v", "indexType": "FLAT", "metricType": "L2"},
		}})
	c := newCorpus(n, 1)
	for from := 0; from < n; from += 100 {
		p.ok("entities/insert", map[string]any{"collectionName": coll, "data": c.rows(from, from+100, dim)})
	}
	check := func(stage string) {
		t.Helper()
		for _, q := range fulltextQueries {
			env := p.ok("entities/search", map[string]any{"collectionName": coll, "annsField": "bm", "data": []string{q},
				"limit": 10, "consistencyLevel": "Strong"})
			checkRanking(t, stage+" BM25 "+q, env.Data, c.bm25(q), 10)
		}
		q := map[uint32]float32{3: 0.5, 17: 1, 42: 0.25}
		env := p.ok("entities/search", map[string]any{"collectionName": coll, "annsField": "sv",
			"data": []map[string]float32{{"3": 0.5, "17": 1, "42": 0.25}}, "limit": 15, "consistencyLevel": "Strong"})
		checkRanking(t, stage+" sparse IP", env.Data, c.ip(q), 15)
		var rows []struct {
			ID int64 `json:"id"`
		}
		env = p.ok("entities/query", map[string]any{"collectionName": coll, "filter": `text_match(text, "w33 W38")`,
			"limit": 1000, "consistencyLevel": "Strong"})
		if err := json.Unmarshal(env.Data, &rows); err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, txt := range c.text {
			if strings.Contains(" "+txt+" ", " w33 ") || strings.Contains(" "+txt+" ", " w38 ") {
				want++
			}
		}
		if len(rows) != want || want == 0 {
			t.Fatalf("%s: text_match found %d rows, want %d", stage, len(rows), want)
		}
	}
	check("growing")
	waitSealedFlushed(t, p, coll)
	check("flushed")

	var gone []int64
	for id := int64(0); id < n; id += 3 {
		gone = append(gone, id)
	}
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": fmtIDs(gone)})
	c.delete(gone...)
	check("deleted")
	p.ok("collections/compact", map[string]any{"collectionName": coll})
	waitCompacted(t, p, coll)
	check("compacted")

	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startStandalone(t, data, "--chunk-size", "4096", "--segment-seal-size", "16384")
	check("restarted")
	checkHybrid(t, p, coll, c, dim)
	checkFullTextRefusals(t, p, coll)
}

// waitCompacted waits until no segment has deleted rows left.
func waitCompacted(t *testing.T, p *proc, coll string) {
	t.Helper()
	waitSegments(t, p, coll, "compaction did not drop the deleted rows", func(segs []segInfo) bool {
		for _, s := range segs {
			if s.Deleted > 0 {
				return false
			}
		}
		return true
	})
}

// checkHybrid fuses a dense and a BM25 search with RRF and with weighted
// scores, and compares with fusing the two searches' own results the way
// Milvus does (weighted: L2 as 1 − 2·atan(d)/π, BM25 as 2·atan(s)/π).
func checkHybrid(t *testing.T, p *proc, coll string, c *corpus, dim int) {
	t.Helper()
	dense := map[string]any{"annsField": "v", "data": [][]float32{vec(5, dim)}, "limit": 20}
	text := map[string]any{"annsField": "bm", "data": []string{"w2 w9"}, "limit": 20}
	rrf := func(_ int, rank int, _ float64) float64 { return 1 / float64(60+rank+1) }
	weights := []float64{0.3, 0.7}
	weighted := func(sub, _ int, d float64) float64 {
		if sub == 0 {
			return weights[0] * (1 - 2*math.Atan(d)/math.Pi)
		}
		return weights[1] * 2 * math.Atan(d) / math.Pi
	}
	for _, tc := range []struct {
		name   string
		rerank map[string]any
		score  func(sub, rank int, d float64) float64
	}{
		{"rrf", map[string]any{"strategy": "rrf", "params": map[string]any{"k": 60}}, rrf},
		{"weighted", map[string]any{"strategy": "weighted", "params": map[string]any{"weights": weights}}, weighted},
	} {
		env := p.ok("entities/hybrid_search", map[string]any{"collectionName": coll, "search": []any{dense, text},
			"rerank": tc.rerank, "limit": 10, "consistencyLevel": "Strong"})
		fused := map[int64]float64{}
		for si, sub := range []map[string]any{dense, text} {
			req := map[string]any{"collectionName": coll, "consistencyLevel": "Strong"}
			for k, v := range sub {
				req[k] = v
			}
			var hits []hit
			if err := json.Unmarshal(p.ok("entities/search", req).Data, &hits); err != nil {
				t.Fatal(err)
			}
			for rank, h := range hits {
				fused[h.ID] += tc.score(si, rank, h.Distance)
			}
		}
		var want []scored
		for id, s := range fused {
			want = append(want, scored{id, s})
		}
		checkRanking(t, "hybrid "+tc.name, env.Data, sortScored(want), 10)
	}
}

// checkFullTextRefusals: bad requests get a clear error and change nothing.
func checkFullTextRefusals(t *testing.T, p *proc, coll string) {
	t.Helper()
	before := p.ok("entities/query", map[string]any{"collectionName": coll, "outputFields": []string{"count(*)"}, "consistencyLevel": "Strong"})
	cases := []struct {
		path string
		body map[string]any
		want string
	}{
		{"entities/insert", map[string]any{"collectionName": coll, "data": []map[string]any{{"id": 9999, "text": "x", "bm": map[string]any{"1": 1}, "sv": map[string]any{"1": 1}, "v": []float32{0, 0, 0, 0}}}}, "output of a function"},
		{"entities/insert", map[string]any{"collectionName": coll, "data": []map[string]any{{"id": 9999, "text": "x", "sv": map[string]any{"a": 1}, "v": []float32{0, 0, 0, 0}}}}, "sparse vector index"},
		{"entities/search", map[string]any{"collectionName": coll, "annsField": "bm", "data": [][]float32{{1, 2}}}, "query text"},
		{"entities/search", map[string]any{"collectionName": coll, "annsField": "sv", "data": []string{"w1"}}, "want a SparseFloatVector"},
		{"entities/search", map[string]any{"collectionName": coll, "annsField": "bm", "data": []string{"w1"}, "searchParams": map[string]any{"params": map[string]any{"drop_ratio_search": 1.5}}}, "drop_ratio_search"},
		{"entities/query", map[string]any{"collectionName": coll, "filter": `text_match(id, "w1")`}, "enable_match"},
		{"entities/query", map[string]any{"collectionName": coll, "outputFields": []string{"bm"}, "filter": "id > 0"}, "output of a function"},
		{"collections/create", map[string]any{"collectionName": "bad_analyzer", "schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "t", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 10, "enable_analyzer": true, "analyzer_params": map[string]any{"tokenizer": "klingon"}}},
			{"fieldName": "s", "dataType": "SparseFloatVector"}}}}, "analyzer_params"},
		{"collections/create", map[string]any{"collectionName": "bad_fn", "schema": map[string]any{"fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "t", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 10}},
			{"fieldName": "s", "dataType": "SparseFloatVector"}},
			"functions": []map[string]any{{"name": "f", "type": "BM25", "inputFieldNames": []string{"t"}, "outputFieldNames": []string{"s"}}}}}, "enable_analyzer"},
	}
	for _, tc := range cases {
		env := p.call(tc.path, tc.body)
		if env.Code == 0 || !strings.Contains(env.Message, tc.want) {
			t.Errorf("%s %v: code %d %q, want an error mentioning %q", tc.path, tc.body, env.Code, env.Message, tc.want)
		}
	}
	after := p.ok("entities/query", map[string]any{"collectionName": coll, "outputFields": []string{"count(*)"}, "consistencyLevel": "Strong"})
	if string(before.Data) != string(after.Data) {
		t.Fatalf("refused requests changed the collection: %s → %s", before.Data, after.Data)
	}
	for _, name := range []string{"bad_analyzer", "bad_fn"} {
		if env := p.ok("collections/has", map[string]any{"collectionName": name}); !strings.Contains(string(env.Data), "false") {
			t.Fatalf("refused create left collection %q: %s", name, env.Data)
		}
	}
}
