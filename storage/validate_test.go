package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/storagetest"
)

func TestValidateKey(t *testing.T) {
	valid := []string{
		"a", "a/b", "a/b/c.d", "insert_log/1/2/3/4/5", ".hidden/x", "a/...", "a..b",
		"ключ/数据 x", "a+b%20c?d#e&f=g", strings.Repeat("x", storage.MaxSegmentLen),
		strings.Repeat("abcdefg/", storage.MaxKeyLen/8-1) + "abcdefgh",
	}
	for _, k := range valid {
		if err := storage.ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%.40q) = %v, want nil", k, err)
		}
	}
	for _, k := range storagetest.InvalidKeys() {
		if err := storage.ValidateKey(k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidateKey(%.40q) = %v, want storage.ErrInvalidKey", k, err)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	valid := []string{"", "a", "a/", "a/b", "a/b/", "a/b.", "a/..", "insert_log/1/"}
	for _, p := range valid {
		if err := storage.ValidatePrefix(p); err != nil {
			t.Errorf("ValidatePrefix(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range storagetest.InvalidPrefixes() {
		if err := storage.ValidatePrefix(p); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidatePrefix(%.40q) = %v, want storage.ErrInvalidKey", p, err)
		}
	}
}

func TestInvalidKeyMessageIsShort(t *testing.T) {
	err := storage.ValidateKey(strings.Repeat("k", 5000))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error %q: want a short storage.ErrInvalidKey message", err)
	}
}
