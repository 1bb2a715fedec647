package server

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/storage"
	"github.com/raftvec/raftvec/storage/local"
)

// TestBackupCopyObject: a copy lands byte for byte; an object that does
// not match its checksum is refused and not written; a missing one is
// reported as storage.ErrNotFound (a backup then lists its shard again).
func TestBackupCopyObject(t *testing.T) {
	ctx := context.Background()
	src, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dst, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("chunk bytes")
	if err := src.Put(ctx, "insert_log/1/2/3/4/0", data); err != nil {
		t.Fatal(err)
	}
	if _, err := copyObject(ctx, dst, src, "insert_log/1/2/3/4/0", "b/data/3/4/0", segment.Checksum(data)); err != nil {
		t.Fatal(err)
	}
	if got, err := dst.Get(ctx, "b/data/3/4/0"); err != nil || string(got) != string(data) {
		t.Fatalf("copied: %q %v", got, err)
	}
	if _, err := copyObject(ctx, dst, src, "insert_log/1/2/3/4/0", "b/data/3/4/1", segment.Checksum(data)+1); !errors.Is(err, segment.ErrCorrupt) {
		t.Fatalf("checksum mismatch: %v, want ErrCorrupt", err)
	}
	if _, err := dst.Stat(ctx, "b/data/3/4/1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused copy was written: %v", err)
	}
	if _, err := copyObject(ctx, dst, src, "insert_log/1/2/3/4/9", "b/data/3/4/9", 0); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing source: %v, want ErrNotFound", err)
	}
}

// TestBackupRunJobs: every job runs once when all succeed; the first
// error stops the rest and is returned.
func TestBackupRunJobs(t *testing.T) {
	var ran atomic.Int64
	jobs := make([]func(context.Context) error, 100)
	for i := range jobs {
		jobs[i] = func(context.Context) error { ran.Add(1); return nil }
	}
	if err := runJobs(context.Background(), jobs); err != nil || ran.Load() != 100 {
		t.Fatalf("err %v, ran %d of 100", err, ran.Load())
	}
	ran.Store(0)
	boom := errors.New("boom")
	for i := range jobs {
		jobs[i] = func(ctx context.Context) error {
			if ran.Add(1) == 5 {
				return fmt.Errorf("job %d: %w", i, boom)
			}
			return ctx.Err()
		}
	}
	if err := runJobs(context.Background(), jobs); !errors.Is(err, boom) || ran.Load() == 100 {
		t.Fatalf("err %v after %d jobs, want boom before all 100", err, ran.Load())
	}
	if err := runJobs(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}
