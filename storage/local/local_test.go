package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/storagetest"
)

func newTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dir
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.ObjectStore {
		s, _ := newTestStore(t)
		return s
	})
}

func TestFilesAreNamedByKey(t *testing.T) {
	s, dir := newTestStore(t)
	key := storage.InsertLogKey("files", 1, 2, 3, 100, 0)
	if err := s.Put(context.Background(), key, []byte("dave")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "files", "insert_log", "1", "2", "3", "100", "0"))
	if err != nil || string(b) != "dave" {
		t.Fatalf("file = %q, %v", b, err)
	}
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode = %v, %v; want 0644", fi.Mode(), err)
	}
}

func TestReopen(t *testing.T) {
	s, dir := newTestStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "x/y", []byte("persisted")); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s2, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Get(ctx, "x/y")
	if err != nil || string(got) != "persisted" {
		t.Fatalf("Get after reopen = %q, %v", got, err)
	}
}

// A crash can leave a temporary file behind: it is never an object.
func TestLeftoverTempFileIgnored(t *testing.T) {
	s, dir := newTestStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "seg/a", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "seg", tmpPrefix+"123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx, "")
	if err != nil || len(infos) != 1 || infos[0].Key != "seg/a" {
		t.Fatalf("List = %v, %v; want only seg/a", infos, err)
	}
	for _, k := range []string{"seg/" + tmpPrefix + "123", tmpPrefix + "x/y"} {
		if _, err := s.Get(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func TestNoTempFilesAfterPuts(t *testing.T) {
	s, dir := newTestStore(t)
	for range 3 {
		if err := s.Put(context.Background(), "t/k", []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "t"))
	if err != nil || len(entries) != 1 || entries[0].Name() != "k" {
		t.Fatalf("dir t = %v, %v; want only k", entries, err)
	}
}

func TestDeleteRemovesEmptyDirsButNotRoot(t *testing.T) {
	s, dir := newTestStore(t)
	ctx := context.Background()
	for _, k := range []string{"a/b/c/d", "a/x"} {
		if err := s.Put(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "a/b/c/d"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "b")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a/b still there: %v", err)
	}
	if err := s.Delete(ctx, "a/x"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("root = %v, %v; want empty and present", entries, err)
	}
}

// An object cannot also be a directory of other objects (keys form a tree).
func TestObjectDirectoryConflict(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "c/obj", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "c/obj/child", []byte("2")); err == nil {
		t.Fatal("Put below an object succeeded")
	}
	if err := s.Put(ctx, "c", []byte("3")); err == nil {
		t.Fatal("Put over a directory succeeded")
	}
	if got, err := s.Get(ctx, "c/obj"); err != nil || string(got) != "1" {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

// TestPathNamesTheObjectFile: readers that map files in place get the file
// that Get reads; a missing object is ErrNotFound, a bad key ErrInvalidKey.
func TestPathNamesTheObjectFile(t *testing.T) {
	s, _ := newTestStore(t)
	var _ storage.Filer = s
	key := storage.InsertLogKey("p", 1, 2, 3, 100, 0)
	if err := s.Put(context.Background(), key, []byte("in place")); err != nil {
		t.Fatal(err)
	}
	p, err := s.Path(key)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "in place" {
		t.Fatalf("file = %q, %v", b, err)
	}
	if _, err := s.Path(storage.InsertLogKey("p", 1, 2, 3, 100, 1)); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing object: %v", err)
	}
	if _, err := s.Path("../x"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("bad key: %v", err)
	}
}
