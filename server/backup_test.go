package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
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
			select { // a copy takes a while; the failure cancels it
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
				return nil
			}
		}
	}
	if err := runJobs(context.Background(), jobs); !errors.Is(err, boom) || ran.Load() == 100 {
		t.Fatalf("err %v after %d jobs, want boom before all 100", err, ran.Load())
	}
	if err := runJobs(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// vanishing fails the first Get of every key it is given with
// storage.ErrNotFound, as a copy that GC overtook would.
type vanishing struct {
	shards.ObjectStore
	mu   sync.Mutex
	once map[string]bool
	hits int
}

func (v *vanishing) Get(ctx context.Context, key string) ([]byte, error) {
	v.mu.Lock()
	gone := !v.once[key] && v.hits == 0
	if gone {
		v.hits++
	}
	v.once[key] = true
	v.mu.Unlock()
	if gone {
		return nil, fmt.Errorf("gc got there first: %w", storage.ErrNotFound)
	}
	return v.ObjectStore.Get(ctx, key)
}

// TestBackupShardRetriesVanishedObjects: an object that disappears under
// the copy (a compaction replaced its segment, GC deleted it) makes the
// backup list the shard again and copy it at a later log index; the shard
// comes out complete.
func TestBackupShardRetriesVanishedObjects(t *testing.T) {
	s := startTest(t, t.TempDir())
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "v", "dimension": 8})
	rows := make([]map[string]any, 300)
	for i := range rows {
		rows[i] = map[string]any{"id": i, "vector": vec8(i)}
	}
	c.ok("entities/insert", map[string]any{"collectionName": "v", "data": rows})
	c.ok("collections/flush", map[string]any{"collectionName": "v"})
	ctx := context.Background()
	coll, err := s.Coordinator().Collection("v")
	if err != nil {
		t.Fatal(err)
	}
	bs, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src := &vanishing{ObjectStore: s.Host().Lifecycle().Store, once: map[string]bool{}}
	sh, err := admin{s}.backupShard(ctx, bs, src, coll, "v", "b", 0)
	if err != nil {
		t.Fatal(err)
	}
	if src.hits != 1 || len(sh.Segments) == 0 || sh.Segments[0].Rows != 300 || sh.AppliedIndex == 0 {
		t.Fatalf("vanished %d objects; shard %+v", src.hits, sh)
	}
	for _, g := range sh.Segments {
		for _, ch := range g.Chunks {
			for _, f := range ch.Files {
				if b, err := bs.Get(ctx, f.Key); err != nil || segment.Checksum(b) != f.Checksum || int64(len(b)) != f.Size {
					t.Fatalf("%s: %v", f.Key, err)
				}
			}
		}
	}
	// Rows written since the flush are in a growing segment, not in object
	// storage: the shard is flushed again before it is copied.
	c.ok("entities/insert", map[string]any{"collectionName": "v", "data": []map[string]any{{"id": 1000, "vector": vec8(1000)}}})
	sh, err = admin{s}.backupShard(ctx, bs, s.Host().Lifecycle().Store, coll, "v", "b2", 0)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, g := range sh.Segments {
		n += g.Rows
	}
	if n != 301 {
		t.Fatalf("backup after an unflushed insert holds %d rows, want 301: %+v", n, sh)
	}
}
