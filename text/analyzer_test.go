package text

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func mustNew(t testing.TB, params map[string]any) *Analyzer {
	t.Helper()
	a, err := New(params)
	if err != nil {
		t.Fatalf("New(%v): %v", params, err)
	}
	return a
}

func TestAnalyzerTokens(t *testing.T) {
	standard := map[string]any{"type": "standard"}
	english := map[string]any{"type": "english"}
	whitespace := map[string]any{"type": "whitespace"}
	tests := []struct {
		name   string
		params map[string]any
		in     string
		want   []string
	}{
		{"empty text", standard, "", nil},
		{"only punctuation", standard, " ,.;!? -- ", nil},
		{"lowercased", standard, "The Quick BROWN fox", []string{"the", "quick", "brown", "fox"}},
		{"unicode letters", standard, "Héllo Wörld", []string{"héllo", "wörld"}},
		{"greek and cyrillic", standard, "Ελληνικά русский", []string{"ελληνικά", "русский"}},
		{"punctuation splits", standard, "foo,bar;baz.qux-quux", []string{"foo", "bar", "baz", "qux", "quux"}},
		{"apostrophe splits", standard, "Don't stop", []string{"don", "t", "stop"}},
		{"digits kept", standard, "v2 has 32.3 km² in 2024", []string{"v2", "has", "32", "3", "km²", "in", "2024"}},
		{"underscore splits", standard, "snake_case_word", []string{"snake", "case", "word"}},
		{"CJK runs kept", standard, "中文 日本語。한국어!", []string{"中文", "日本語", "한국어"}},
		{"devanagari vowel signs join", standard, "हिन्दी भाषा", []string{"हिन", "दी", "भाषा"}},
		{"emoji splits", standard, "go🚀fast", []string{"go", "fast"}},
		{"invalid utf8 splits", standard, "ab\xffcd\xc3", []string{"ab", "cd"}},
		{"nil params is standard", nil, "A b", []string{"a", "b"}},
		{"empty params is standard", map[string]any{}, "A b", []string{"a", "b"}},
		{"standard keeps stop words", standard, "the cat", []string{"the", "cat"}},
		{"standard stop_words", map[string]any{"type": "standard", "stop_words": []any{"cat", "the"}}, "The cat sat", []string{"sat"}},
		{"english stop words", english, "The cat is on the mat and it is not a dog", []string{"cat", "mat", "dog"}},
		{"english does not stem", english, "Running runners ran", []string{"running", "runners", "ran"}},
		{"english extra stop words", map[string]any{"type": "english", "stop_words": []any{"cat"}}, "the cat mat", []string{"mat"}},
		{"whitespace keeps case and punctuation", whitespace, "Hello, World!\tFoo\nbar", []string{"Hello,", "World!", "Foo", "bar"}},
		{"whitespace unicode spaces", whitespace, "a\u00a0b\u2003c\u3000d", []string{"a", "b", "c", "d"}},
		{"whitespace tokenizer", map[string]any{"tokenizer": "whitespace"}, "Don't STOP", []string{"Don't", "STOP"}},
		{"whitespace with lowercase", map[string]any{"tokenizer": "whitespace", "filter": []any{"lowercase"}}, "Don't STOP", []string{"don't", "stop"}},
		{"custom standard without filters keeps case", map[string]any{"tokenizer": "standard"}, "Hello World", []string{"Hello", "World"}},
		{"tokenizer object", map[string]any{"tokenizer": map[string]any{"type": "standard"}, "filter": []any{"lowercase"}}, "Hello World", []string{"hello", "world"}},
		{"stop _english_ and extras", map[string]any{
			"tokenizer": "standard",
			"filter":    []any{"lowercase", map[string]any{"type": "stop", "stop_words": []any{"_english_", "foo"}}},
		}, "The foo of a Bar", []string{"bar"}},
		{"stop before lowercase is case sensitive", map[string]any{
			"tokenizer": "standard",
			"filter":    []any{map[string]any{"type": "stop", "stop_words": []any{"the"}}, "lowercase"},
		}, "The the", []string{"the"}},
		{"stop without words", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "stop"}}}, "a b", []string{"a", "b"}},
		{"length filter counts bytes", map[string]any{
			"tokenizer": "standard",
			"filter":    []any{map[string]any{"type": "length", "max": 3}},
		}, "abc abcd héé hé", []string{"abc", "hé"}},
		{"length zero drops all", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "length", "max": 0}}}, "a b", nil},
		{"string slice values", map[string]any{"tokenizer": "standard", "filter": []string{"lowercase"}}, "A", []string{"a"}},
		{"long token dropped", standard, "x " + strings.Repeat("a", MaxTokenBytes+1) + " y", []string{"x", "y"}},
		{"max length token kept", standard, strings.Repeat("b", MaxTokenBytes), []string{strings.Repeat("b", MaxTokenBytes)}},
		{"token longer after lowercase dropped", standard, strings.Repeat("a", MaxTokenBytes-2) + "Ⱥ", nil}, // Ⱥ (2 bytes) lowers to ⱥ (3 bytes)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustNew(t, tc.params)
			got := a.Tokens(nil, tc.in)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAnalyzerTokensAppends(t *testing.T) {
	a := mustNew(t, nil)
	got := a.Tokens([]string{"x"}, "A b")
	if want := []string{"x", "a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("Tokens = %q, want %q", got, want)
	}
}

func TestAnalyzerInvalidParams(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]any
		wantKey string // must appear in the error text
	}{
		{"unknown type", map[string]any{"type": "chinese"}, "type"},
		{"type not string", map[string]any{"type": 1.0}, "type"},
		{"type with tokenizer", map[string]any{"type": "standard", "tokenizer": "standard"}, "tokenizer"},
		{"type with unknown key", map[string]any{"type": "english", "stemmer": true}, "stemmer"},
		{"stop_words not array", map[string]any{"type": "standard", "stop_words": "_english_"}, "stop_words"},
		{"stop_words element not string", map[string]any{"type": "standard", "stop_words": []any{"a", 1.0}}, "stop_words[1]"},
		{"unsupported stop list", map[string]any{"type": "standard", "stop_words": []any{"_french_"}}, "stop_words[0]"},
		{"missing tokenizer", map[string]any{"filter": []any{"lowercase"}}, "tokenizer"},
		{"unknown top-level key", map[string]any{"tokenizer": "standard", "filters": []any{}}, "filters"},
		{"unknown tokenizer", map[string]any{"tokenizer": "jieba"}, "tokenizer"},
		{"tokenizer not string", map[string]any{"tokenizer": []any{"standard"}}, "tokenizer"},
		{"tokenizer object unknown type", map[string]any{"tokenizer": map[string]any{"type": "lindera"}}, "tokenizer.type"},
		{"tokenizer object option", map[string]any{"tokenizer": map[string]any{"type": "standard", "uax29": true}}, "tokenizer.uax29"},
		{"filter not array", map[string]any{"tokenizer": "standard", "filter": "lowercase"}, "filter"},
		{"unknown filter name", map[string]any{"tokenizer": "standard", "filter": []any{"lowercase", "asciifolding"}}, "filter[1]"},
		{"filter element number", map[string]any{"tokenizer": "standard", "filter": []any{3.0}}, "filter[0]"},
		{"filter object without type", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"max": 3.0}}}, "filter[0].type"},
		{"unknown filter type", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "stemmer", "language": "english"}}}, "filter[0].type"},
		{"stop filter unknown key", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "stop", "stop_words_file": "x"}}}, "filter[0].stop_words_file"},
		{"stop filter words not array", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "stop", "stop_words": "a"}}}, "filter[0].stop_words"},
		{"length missing max", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "length"}}}, "filter[0].max"},
		{"length max string", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "length", "max": "10"}}}, "filter[0].max"},
		{"length max negative", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "length", "max": -1.0}}}, "filter[0].max"},
		{"length max fraction", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "length", "max": 2.5}}}, "filter[0].max"},
		{"length max bad number", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "length", "max": json.Number("x")}}}, "filter[0].max"},
		{"length unknown key", map[string]any{"tokenizer": "standard", "filter": []any{map[string]any{"type": "length", "max": 3.0, "min": 1.0}}}, "filter[0].min"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.params)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("New = %v, %v; want an error wrapping ErrInvalid", a, err)
			}
			if !strings.Contains(err.Error(), ": "+tc.wantKey+": ") {
				t.Errorf("error %q does not name key %q", err, tc.wantKey)
			}
		})
	}
}

func TestAnalyzerFromJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // Params; "" means an error is expected
		wantErr bool
	}{
		{"empty", "", `{"type":"standard"}`, false},
		{"null", "null", `{"type":"standard"}`, false},
		{"empty object", "{}", `{"type":"standard"}`, false},
		{"english", `{"type": "english"}`, `{"type":"english"}`, false},
		{"custom canonical", `{"filter": ["lowercase", {"max": 40.0, "type": "length"}, {"type":"stop","stop_words":["_english_","&"]}], "tokenizer": {"type": "standard"}}`,
			`{"filter":["lowercase",{"max":40,"type":"length"},{"stop_words":["_english_","&"],"type":"stop"}],"tokenizer":"standard"}`, false},
		{"number forms", `{"tokenizer":"standard","filter":[{"type":"length","max":1e1}]}`, `{"filter":[{"max":10,"type":"length"}],"tokenizer":"standard"}`, false},
		{"stop filter without words", `{"tokenizer":"standard","filter":[{"type":"stop"}]}`, `{"filter":[{"stop_words":[],"type":"stop"}],"tokenizer":"standard"}`, false},
		{"not an object", `["standard"]`, "", true},
		{"bad json", `{"type":`, "", true},
		{"trailing text", `{"type":"standard"} x`, "", true},
		{"invalid params", `{"type":"icu"}`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := FromJSON(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("FromJSON(%q) err %v, want ErrInvalid", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromJSON(%q): %v", tc.in, err)
			}
			if got := a.Params(); got != tc.want {
				t.Errorf("Params = %s, want %s", got, tc.want)
			}
			b, err := FromJSON(a.Params())
			if err != nil || b.Params() != a.Params() {
				t.Errorf("FromJSON(Params()) = %v, %v; want the same params", b, err)
			}
		})
	}
}

func TestAnalyzerParamsGoValues(t *testing.T) {
	// Go callers (as in Milvus's Go SDK docs) pass ints and []string.
	a := mustNew(t, map[string]any{
		"tokenizer": "standard",
		"filter":    []any{"lowercase", map[string]any{"type": "length", "max": 10}, map[string]any{"type": "stop", "stop_words": []string{"of"}}},
	})
	want := `{"filter":["lowercase",{"max":10,"type":"length"},{"stop_words":["of"],"type":"stop"}],"tokenizer":"standard"}`
	if got := a.Params(); got != want {
		t.Errorf("Params = %s, want %s", got, want)
	}
}

func TestAnalyzerCopiesParams(t *testing.T) {
	words := []any{"cat"}
	params := map[string]any{"type": "standard", "stop_words": words}
	a := mustNew(t, params)
	words[0] = "dog"
	params["type"] = "whitespace"
	if got := a.Tokens(nil, "Cat Dog"); !slices.Equal(got, []string{"dog"}) {
		t.Errorf("Tokens after changing params = %q, want [dog]", got)
	}
	if got := a.Params(); got != `{"stop_words":["cat"],"type":"standard"}` {
		t.Errorf("Params after changing params = %s", got)
	}
}

func TestTextTermIDGolden(t *testing.T) {
	tests := []struct {
		token string
		want  uint32
	}{
		{"", 0x811c9dc5},
		{"a", 0xe40c292c},
		{"foobar", 0xbf9cf968},
		{"héllo", 0},
	}
	for _, tc := range tests {
		h := fnv.New32a()
		h.Write([]byte(tc.token))
		if tc.want == 0 {
			tc.want = h.Sum32()
		}
		if got := TermID(tc.token); got != tc.want || got != h.Sum32() {
			t.Errorf("TermID(%q) = %#x, want %#x (hash/fnv %#x)", tc.token, got, tc.want, h.Sum32())
		}
	}
}

func TestTextFrequencies(t *testing.T) {
	a := mustNew(t, map[string]any{"type": "english"})
	ids, counts, n := a.Frequencies("The cat saw the other cat; a CAT saw it.")
	// Tokens after stop words: cat saw other cat cat saw.
	if n != 6 {
		t.Fatalf("tokens = %d, want 6", n)
	}
	want := map[uint32]float32{TermID("cat"): 3, TermID("saw"): 2, TermID("other"): 1}
	if len(ids) != len(want) || len(counts) != len(ids) {
		t.Fatalf("ids %v counts %v, want %v", ids, counts, want)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("ids not sorted: %v", ids)
	}
	for i, id := range ids {
		if counts[i] != want[id] {
			t.Errorf("count of %#x = %v, want %v", id, counts[i], want[id])
		}
	}
	if ids, counts, n := a.Frequencies(" the a "); ids != nil || counts != nil || n != 0 {
		t.Errorf("Frequencies of stop words only = %v, %v, %d; want nil, nil, 0", ids, counts, n)
	}
}

// TestTextFrequenciesMergesCollisions uses two tokens with the same FNV-1a
// hash: they are one term with their counts summed.
func TestTextFrequenciesMergesCollisions(t *testing.T) {
	x, y := collidingTokens(t)
	a := mustNew(t, map[string]any{"tokenizer": "whitespace"})
	ids, counts, n := a.Frequencies(x + " " + y + " " + x + " zz")
	if n != 4 || len(ids) != 2 {
		t.Fatalf("Frequencies = %v, %v, %d; want 2 terms of 4 tokens", ids, counts, n)
	}
	for i, id := range ids {
		want := float32(1)
		if id == TermID(x) {
			want = 3
		}
		if counts[i] != want {
			t.Errorf("count of %#x = %v, want %v", id, counts[i], want)
		}
	}
}

// collidingTokens returns two distinct tokens with equal TermIDs (found
// by a birthday search over "t0", "t1", ...).
func collidingTokens(t *testing.T) (string, string) {
	x, y := "t439599", "t622382"
	if TermID(x) != TermID(y) {
		t.Fatalf("TermID(%q) = %#x, TermID(%q) = %#x; want a collision", x, TermID(x), y, TermID(y))
	}
	return x, y
}

func TestAnalyzerConcurrent(t *testing.T) {
	a := mustNew(t, map[string]any{"type": "english", "stop_words": []any{"lazy"}})
	want := a.Tokens(nil, benchText)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := a.Tokens(nil, benchText); !slices.Equal(got, want) {
					t.Error("concurrent Tokens differ")
					return
				}
				a.Frequencies(benchText)
			}
		})
	}
	wg.Wait()
}

// fuzzParams are the analyzers FuzzAnalyzer checks.
var fuzzParams = []map[string]any{
	nil,
	{"type": "english"},
	{"type": "whitespace"},
	{"tokenizer": "whitespace", "filter": []any{"lowercase", map[string]any{"type": "length", "max": 5.0}}},
	{"tokenizer": "standard", "filter": []any{map[string]any{"type": "stop", "stop_words": []any{"_english_", "x"}}, "lowercase"}},
}

func FuzzAnalyzer(f *testing.F) {
	for _, s := range []string{"", "Héllo Wörld", "中文 text, 42!", "a\xffb", "\u0130\u0130 ẞ K", benchText} {
		f.Add(s)
	}
	analyzers := make([]*Analyzer, len(fuzzParams))
	for i, p := range fuzzParams {
		analyzers[i] = mustNew(f, p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, a := range analyzers {
			toks := a.Tokens(nil, s)
			for _, tok := range toks {
				if tok == "" || len(tok) > MaxTokenBytes {
					t.Fatalf("analyzer %d: token %q of length %d", i, tok, len(tok))
				}
				if utf8.ValidString(s) && !utf8.ValidString(tok) {
					t.Fatalf("analyzer %d: invalid UTF-8 token %q from valid text", i, tok)
				}
			}
			ids, counts, n := a.Frequencies(s)
			if n != len(toks) || len(ids) != len(counts) {
				t.Fatalf("analyzer %d: Frequencies n=%d (%d ids, %d counts), Tokens %d", i, n, len(ids), len(counts), len(toks))
			}
			var sum float32
			for j, c := range counts {
				if c < 1 || (j > 0 && ids[j-1] >= ids[j]) {
					t.Fatalf("analyzer %d: ids %v counts %v not strictly increasing with positive counts", i, ids, counts)
				}
				sum += c
			}
			if int(sum) != n {
				t.Fatalf("analyzer %d: counts sum to %v, want %d", i, sum, n)
			}
		}
	})
}

const benchText = `The quick brown fox jumps over the lazy dog. WordNet is a large lexical
database of English: nouns, verbs, adjectives and adverbs are grouped into sets
of cognitive synonyms (synsets), each expressing a distinct concept. Synsets are
interlinked by means of conceptual-semantic and lexical relations. The resulting
network of meaningfully related words and concepts can be navigated with the
browser. It is also freely and publicly available for download, and its
structure makes it a useful tool for computational linguistics and natural
language processing, where it's used for word-sense disambiguation in 2024.`

func BenchmarkFrequencies(b *testing.B) {
	a := mustNew(b, map[string]any{"type": "english"})
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		a.Frequencies(benchText)
	}
}
