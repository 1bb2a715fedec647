//go:build minio

package minio

import (
	"bytes"
	"context"
	"strings"
	"testing"

	miniogo "github.com/minio/minio-go/v7"
)

// A Put above the 64 MiB single-PUT limit goes multipart and round-trips.
func TestMultipartPut(t *testing.T) {
	cfg := testConfig(t)
	cfg.Root = uniqueRoot(t)
	s := newTestStore(t, cfg)
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), (partSize+4096)/16)
	if err := s.Put(ctx, "big", data); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "big")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get = %d bytes, %v; want %d bytes", len(got), err, len(data))
	}
	info, err := s.Stat(ctx, "big")
	if err != nil || info.Size != int64(len(data)) || !strings.Contains(info.ETag, "-") {
		t.Fatalf("Stat = %+v, %v; want size %d and a multipart ETag", info, err, len(data))
	}
}

func TestRootsAreIsolated(t *testing.T) {
	cfg := testConfig(t)
	base := uniqueRoot(t)
	ca, cb := cfg, cfg
	ca.Root, cb.Root = base+"/a", base+"/ab"
	a, b := newTestStore(t, ca), newTestStore(t, cb)
	ctx := context.Background()
	if err := a.Put(ctx, "k", []byte("A")); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, "k", []byte("B")); err != nil {
		t.Fatal(err)
	}
	for s, want := range map[*Store]string{a: "A", b: "B"} {
		infos, err := s.List(ctx, "")
		if err != nil || len(infos) != 1 || infos[0].Key != "k" {
			t.Fatalf("List = %+v, %v; want only k", infos, err)
		}
		if got, err := s.Get(ctx, "k"); err != nil || string(got) != want {
			t.Fatalf("Get = %q, %v; want %q", got, err, want)
		}
	}
	obj, err := rawClient(t, cfg).StatObject(ctx, cfg.Bucket, base+"/a/k", miniogo.StatObjectOptions{})
	if err != nil || obj.Size != 1 {
		t.Fatalf("raw object %s/a/k: %+v, %v", base, obj, err)
	}
}

// Objects other tools put under the root that are not valid keys (a "dir/"
// marker) are not listed.
func TestListSkipsForeignNames(t *testing.T) {
	cfg := testConfig(t)
	cfg.Root = uniqueRoot(t)
	s := newTestStore(t, cfg)
	ctx := context.Background()
	raw := rawClient(t, cfg)
	marker := cfg.Root + "/dir/"
	if _, err := raw.PutObject(ctx, cfg.Bucket, marker, bytes.NewReader(nil), 0, miniogo.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.RemoveObject(ctx, cfg.Bucket, marker, miniogo.RemoveObjectOptions{}) })
	if err := s.Put(ctx, "dir/x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx, "")
	if err != nil || len(infos) != 1 || infos[0].Key != "dir/x" {
		t.Fatalf("List = %+v, %v; want only dir/x", infos, err)
	}
}

func TestETag(t *testing.T) {
	cfg := testConfig(t)
	cfg.Root = uniqueRoot(t)
	s := newTestStore(t, cfg)
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if err := s.Put(ctx, k, []byte("same bytes")); err != nil {
			t.Fatal(err)
		}
	}
	ia, errA := s.Stat(ctx, "a")
	ib, errB := s.Stat(ctx, "b")
	if errA != nil || errB != nil || ia.ETag == "" || ia.ETag != ib.ETag {
		t.Fatalf("ETags %q (%v), %q (%v): want equal and non-empty", ia.ETag, errA, ib.ETag, errB)
	}
	infos, err := s.List(ctx, "a")
	if err != nil || len(infos) != 1 || infos[0].ETag != ia.ETag {
		t.Fatalf("List ETag = %+v, %v; want %q", infos, err, ia.ETag)
	}
}
