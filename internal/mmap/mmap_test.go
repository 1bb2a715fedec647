package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenReadsTheFile(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{"empty": nil, "small": []byte("hello"), "pages": bytes.Repeat([]byte{7, 1}, 10000)} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Bytes(), data) || m.Len() != len(data) || m.Bytes() == nil {
			t.Fatalf("%s: mapped %d bytes, file has %d", name, m.Len(), len(data))
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("%s: second Close: %v", name, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("mapping a missing file succeeded")
	}
}
