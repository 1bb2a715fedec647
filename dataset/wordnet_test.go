package dataset

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testdata/wordnet holds the license header and the first few synsets
// (and two adjective satellites with syntactic markers) of each WordNet 3.0
// data file, copied from Debian's wordnet-base.
func TestLoadWordNetExcerpt(t *testing.T) {
	docs, err := LoadWordNet(filepath.Join("testdata", "wordnet"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id    string
		words []string
		gloss string // prefix
	}{
		{"00001740-n", []string{"entity"}, "that which is perceived or known or inferred to have its own distinct existence (living or nonliving)"},
		{"00001930-n", []string{"physical_entity"}, "an entity that has physical existence"},
		{"00002137-n", []string{"abstraction", "abstract_entity"}, "a general concept formed by extracting common features from specific examples"},
		{"00001740-v", []string{"breathe", "take_a_breath", "respire", "suspire"}, `draw air into, and expel out of, the lungs; "I can breathe better when the air is clean"; "The patient is respiring"`},
		{"00002325-v", []string{"respire"}, "undergo the biomedical and metabolic processes of respiration"},
		{"00002573-v", []string{"respire"}, "breathe easily again, as after exertion or anxiety"},
		{"00001740-a", []string{"able"}, "(usually followed by `to') having the necessary means"},
		{"00014358-a", []string{"abounding", "galore"}, `existing in abundance; "abounding confidence"; "whiskey galore"`},
		{"00020103-a", []string{"outback", "remote"}, "inaccessible and sparsely populated"},
		{"00001740-r", []string{"a_cappella"}, `without musical accompaniment; "they performed a cappella"`},
		{"00001837-r", []string{"AD", "A.D.", "anno_Domini"}, "in the Christian era;"},
	}
	if len(docs) != len(want) {
		t.Fatalf("%d docs, want %d: %+v", len(docs), len(want), docs)
	}
	for i, w := range want {
		d := docs[i]
		if d.ID != w.id || !slices.Equal(d.Words, w.words) || !strings.HasPrefix(d.Gloss, w.gloss) {
			t.Errorf("doc %d = %+v, want ID %s words %q gloss starting %q", i, d, w.id, w.words, w.gloss)
		}
		if d.Gloss != strings.TrimSpace(d.Gloss) {
			t.Errorf("doc %d gloss %q has surrounding space", i, d.Gloss)
		}
	}
	if got, want := docs[2].Text(), "abstraction, abstract entity: a general concept formed"; !strings.HasPrefix(got, want) {
		t.Errorf("Text = %q, want prefix %q", got, want)
	}
}

func TestLoadWordNetMissing(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"no directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "absent") }},
		{"no data.adv", func(t *testing.T) string {
			dir := t.TempDir()
			for _, f := range []string{"data.noun", "data.verb", "data.adj"} {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			return dir
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadWordNet(tc.dir(t))
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "apt-get install wordnet-base") {
				t.Fatalf("err = %v, want fs.ErrNotExist telling to apt-get install wordnet-base", err)
			}
		})
	}
}

func TestWordNetMalformedLine(t *testing.T) {
	tests := []struct {
		name string
		line string
	}{
		{"no gloss bar", "00001740 03 n 01 entity 0 000"},
		{"too few fields", "00001740 03 n | gloss"},
		{"short offset", "0001740 03 n 01 entity 0 000 | gloss"},
		{"offset not digits", "0000174x 03 n 01 entity 0 000 | gloss"},
		{"wrong ss_type", "00001740 03 v 01 entity 0 000 | gloss"},
		{"w_cnt not hex", "00001740 03 n 0g entity 0 000 | gloss"},
		{"w_cnt zero", "00001740 03 n 00 000 | gloss"},
		{"w_cnt too large", "00001740 03 n 03 entity 0 thing 0 | gloss"},
		{"empty word", "00001740 03 n 01 (p) 0 000 | gloss"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range wordNetFiles {
				body := "  1 license header line  \n"
				if f.name == "data.noun" {
					body += tc.line + "\n"
				}
				if err := os.WriteFile(filepath.Join(dir, f.name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadWordNet(dir)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "data.noun:2") {
				t.Fatalf("err = %v, want ErrFormat at data.noun:2", err)
			}
		})
	}
}

func TestWordNetInstalled(t *testing.T) {
	if _, err := os.Stat(WordNetDir); err != nil {
		t.Skipf("%s absent (apt-get install wordnet-base): %v", WordNetDir, err)
	}
	docs, err := LoadWordNet(WordNetDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) <= 100_000 {
		t.Fatalf("%d synsets, want more than 100,000", len(docs))
	}
	ids := make(map[string]bool, len(docs))
	for _, d := range docs {
		if ids[d.ID] {
			t.Fatalf("duplicate ID %s", d.ID)
		}
		ids[d.ID] = true
		if len(d.Words) == 0 || d.Gloss == "" {
			t.Fatalf("doc %+v has no words or no gloss", d)
		}
	}
	t.Logf("%d synsets", len(docs))
}

func FuzzWordNetLine(f *testing.F) {
	for _, s := range []string{
		"00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived  ",
		"00014358 00 s 02 abounding 0 galore(ip) 0 001 & 00013887 a 0000 | existing in abundance",
		"00001740 03 n 0f x | y",
		"|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		d, err := parseWordNetLine([]byte(line), 'a', "as")
		if err != nil {
			return
		}
		if len(d.ID) != len("00000000-a") || !strings.HasSuffix(d.ID, "-a") || len(d.Words) == 0 {
			t.Fatalf("parsed %q as %+v", line, d)
		}
		for _, w := range d.Words {
			if w == "" || strings.ContainsAny(w, " \t\n") {
				t.Fatalf("parsed %q with word %q", line, w)
			}
		}
	})
}
