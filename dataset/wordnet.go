package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// WordNetDir is where Debian's wordnet-base installs the data files.
const WordNetDir = "/usr/share/wordnet"

// wordNetFiles are the data files LoadWordNet reads, in this order, with
// the part-of-speech letter their synset IDs end in and the ss_type
// letters their lines may carry (adjective files hold satellites, "s").
var wordNetFiles = []struct {
	name    string
	pos     byte
	ssTypes string
}{
	{"data.noun", 'n', "n"},
	{"data.verb", 'v', "v"},
	{"data.adj", 'a', "as"},
	{"data.adv", 'r', "r"},
}

// WordNetDoc is one synset: its offset+pos as ID, its words, and its gloss text.
type WordNetDoc struct {
	// ID is the synset's 8-digit byte offset in its data file, a dash and
	// the file's part of speech (n, v, a or r; adjective satellites are
	// "a" too), e.g. "00001740-n". IDs are unique across the four files.
	ID string
	// Words are the synset's lemmas as the file writes them: underscores
	// for spaces and case kept, adjective markers such as "(p)" removed.
	Words []string
	// Gloss is the definition and any example sentences, e.g.
	// `draw air into, and expel out of, the lungs; "I can breathe better"`.
	Gloss string
}

// Text returns the document text to index: the words with underscores
// turned into spaces, separated by ", ", then ": " and the gloss.
func (d WordNetDoc) Text() string {
	var b strings.Builder
	for i, w := range d.Words {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.ReplaceAll(w, "_", " "))
	}
	b.WriteString(": ")
	b.WriteString(d.Gloss)
	return b.String()
}

// LoadWordNet reads every synset of data.noun/verb/adj/adv in dir, in file order (deterministic).
// A missing directory gives an error that says `apt-get install wordnet-base` (wrapping fs.ErrNotExist).
// The license header lines (they start with two spaces) are skipped; a
// malformed synset line is an error wrapping ErrFormat. WordNet 3.0 has
// 117,659 synsets.
func LoadWordNet(dir string) ([]WordNetDoc, error) {
	var docs []WordNetDoc
	for _, f := range wordNetFiles {
		var err error
		if docs, err = readWordNetFile(docs, filepath.Join(dir, f.name), f.pos, f.ssTypes); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// readWordNetFile appends the synsets of one data file to docs.
func readWordNetFile(docs []WordNetDoc, path string, pos byte, ssTypes string) ([]WordNetDoc, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("dataset: WordNet data file %s not found: install Debian's WordNet 3.0 data with `apt-get install wordnet-base` (it goes to %s): %w", path, WordNetDir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: opening WordNet data: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 || bytes.HasPrefix(line, []byte("  ")) {
			continue
		}
		doc, err := parseWordNetLine(line, pos, ssTypes)
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrFormat, path, n, err)
		}
		docs = append(docs, doc)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dataset: reading %s: %w", path, err)
	}
	return docs, nil
}

// parseWordNetLine parses one synset line of a data file (wndb(5)):
//
//	synset_offset lex_filenum ss_type w_cnt [word lex_id]... p_cnt [ptr]... [frames]... | gloss
//
// w_cnt and lex_id are hexadecimal. Only the fields before the pointers and
// the gloss are read. The strings it returns do not share line's memory.
func parseWordNetLine(line []byte, pos byte, ssTypes string) (WordNetDoc, error) {
	head, gloss, ok := bytes.Cut(line, []byte("|"))
	if !ok {
		return WordNetDoc{}, errors.New(`no "|" before the gloss`)
	}
	fields := bytes.Fields(head)
	if len(fields) < 4 {
		return WordNetDoc{}, fmt.Errorf("%d fields before the gloss, want at least 4", len(fields))
	}
	offset, ssType, wcnt := fields[0], fields[2], fields[3]
	if len(offset) != 8 || !allDigits(offset) {
		return WordNetDoc{}, fmt.Errorf("synset offset %q is not 8 decimal digits", offset)
	}
	if len(ssType) != 1 || !strings.ContainsRune(ssTypes, rune(ssType[0])) {
		return WordNetDoc{}, fmt.Errorf("ss_type %q, want one of %q in this file", ssType, ssTypes)
	}
	n64, err := strconv.ParseUint(string(wcnt), 16, 8)
	n := int(n64)
	if err != nil || n == 0 {
		return WordNetDoc{}, fmt.Errorf("w_cnt %q is not a positive hexadecimal count", wcnt)
	}
	if len(fields) < 4+2*n {
		return WordNetDoc{}, fmt.Errorf("w_cnt %d but only %d fields follow it", n, len(fields)-4)
	}
	words := make([]string, n)
	for i := range words {
		w := stripAdjMarker(fields[4+2*i])
		if len(w) == 0 {
			return WordNetDoc{}, fmt.Errorf("word %d is empty", i+1)
		}
		words[i] = string(w)
	}
	return WordNetDoc{
		ID:    string(offset) + "-" + string(pos),
		Words: words,
		Gloss: string(bytes.TrimSpace(gloss)),
	}, nil
}

// stripAdjMarker removes an adjective's syntactic marker: "(p)", "(a)" or
// "(ip)" at the end of the word.
func stripAdjMarker(w []byte) []byte {
	for _, m := range []string{"(p)", "(a)", "(ip)"} {
		if bytes.HasSuffix(w, []byte(m)) {
			return w[:len(w)-len(m)]
		}
	}
	return w
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
