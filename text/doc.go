// Package text owns full-text analysis for Milvus-style BM25 search: the
// analyzers that turn VarChar text into tokens (built from a field's
// analyzer_params, the same JSON Milvus 2.5 accepts), and the term hashing
// that turns tokens into sparse-vector indices (TermID, Frequencies).
//
// Supported analyzer_params (anything else is an error wrapping ErrInvalid
// that names the offending key, e.g. "filter[1].max"):
//
//	{} or nil                      same as {"type": "standard"}
//	{"type": "standard"}           standard tokenizer + lowercase
//	{"type": "english"}            standard tokenizer + lowercase + English stop words
//	{"type": "whitespace"}         whitespace tokenizer (raftvec extension; case kept)
//	  each "type" above also takes "stop_words": [...], words removed after
//	  the analyzer's own filters; no other key is allowed next to "type".
//	{"tokenizer": T, "filter": [F, ...]}   custom: T is "standard" or
//	  "whitespace" (or {"type": T}); "filter" is optional, each F one of
//	    "lowercase"
//	    {"type": "stop", "stop_words": ["_english_", "foo", ...]}
//	    {"type": "length", "max": N}     drops tokens longer than N bytes
//
// "_english_" in any stop_words list expands to Lucene's 33-word English
// stop set (EnglishStopWords). Milvus's other built-in lists ("_french_",
// ...), its chinese analyzer, the stemmer and other filters, stop_words_file,
// and tokenizer options are not supported and are rejected rather than
// silently ignored. Values must have their JSON types: strings, arrays of
// strings, integral numbers (float64, json.Number or a Go integer); a
// stop_words value must be an array even where Milvus's docs show a string.
//
// Tokenizers:
//   - standard splits on every rune that is not alphanumeric, exactly the
//     rule of tantivy's SimpleTokenizer that Milvus's standard tokenizer
//     uses: a token is a maximal run of runes that are Unicode letters,
//     numbers (Nd, Nl, No) or Other_Alphabetic marks. Punctuation therefore
//     splits words: "don't" gives "don" and "t", "3.14" gives "3" and "14".
//     CJK text is not segmented into words: each run of Han characters is
//     one token. Text is not Unicode-normalized, so a decomposed "é" (e +
//     U+0301) splits after the "e". Invalid UTF-8 bytes split like
//     punctuation, so standard tokens are always valid UTF-8.
//   - whitespace splits on Unicode white space (unicode.IsSpace) only and
//     keeps everything else, punctuation and invalid bytes included.
//
// Filters run in the order given; "lowercase" is strings.ToLower (no
// locale or final-sigma rules), so a stop filter placed before it matches
// case-sensitively. The length filter counts bytes, as Milvus's (tantivy's
// RemoveLongFilter) does, although Milvus's docs say characters.
//
// Differences from Milvus that change tokens: the english analyzer does not
// stem ("running" stays "running"; Milvus gives "run"), so BM25 scores on
// english fields differ from Milvus's; strings.ToLower and Rust's
// to_lowercase may disagree on rare characters; Unicode tables are Go's.
//
// Invariants:
//   - Deterministic: the same params and text give the same tokens, term IDs
//     and frequencies on every machine and run (for a given Go release, whose
//     Unicode tables the classes above come from). Nothing depends on map
//     iteration order, locale or environment.
//   - Every token is non-empty and at most MaxTokenBytes bytes: longer
//     tokens, as the tokenizer cuts them or as they leave the filters, are
//     dropped, not truncated. Empty text gives no tokens.
//   - An Analyzer is immutable after New and safe for concurrent use; New
//     copies what it keeps from params, so the caller may change the map
//     afterwards.
//   - TermID is the 32-bit FNV-1a hash of a token's UTF-8 bytes; Frequencies
//     returns strictly increasing term IDs, counts summed over colliding
//     tokens, and counts that add up to the token count.
package text
