package storagetest

import (
	"strings"

	"github.com/raftvec/raftvec/storage"
)

// InvalidKeys returns keys that break each rule of storage.ValidateKey; the
// suite feeds them to every method of every backend.
func InvalidKeys() []string {
	return []string{
		"",
		"/a",
		"a/",
		"a//b",
		".",
		"..",
		"a/./b",
		"a/../b",
		"../a",
		"a/..",
		"a\x00b",
		"a/\xffb",
		"a/" + strings.Repeat("s", storage.MaxSegmentLen+1),
		strings.Repeat("abcdefg/", storage.MaxKeyLen/8) + "x",
	}
}

// InvalidPrefixes returns List prefixes that storage.ValidatePrefix rejects.
func InvalidPrefixes() []string {
	return []string{
		"/",
		"/a",
		"a//b",
		"../a",
		"a/../b/",
		"./",
		"a\x00",
		"\xff",
		strings.Repeat("abcdefg/", storage.MaxKeyLen/8) + "x",
	}
}
