package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/raftvec/raftvec/storage"
)

func testConcurrentDifferentKeys(t *testing.T, s storage.ObjectStore) {
	const writers, perWriter = 8, 16
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				key := fmt.Sprintf("conc/w%d/k%02d", w, i)
				if err := s.Put(context.Background(), key, []byte(key)); err != nil {
					t.Errorf("Put(%q): %v", key, err)
				}
			}
		})
	}
	wg.Wait()
	infos, err := s.List(context.Background(), "conc/")
	if err != nil || len(infos) != writers*perWriter {
		t.Fatalf("List = %d entries, %v; want %d", len(infos), err, writers*perWriter)
	}
	for _, in := range infos {
		mustGetEqual(t, s, in.Key, []byte(in.Key))
	}
}

// sameKeyValue is writer w's value: a distinct size, every byte 'A'+w, so
// a torn or interleaved object cannot pass for a written one.
func sameKeyValue(w int) []byte {
	return bytes.Repeat([]byte{byte('A' + w)}, 256<<10+w*4096)
}

func isWrittenValue(b []byte, writers int) bool {
	if len(b) == 0 {
		return false
	}
	w := int(b[0] - 'A')
	return w >= 0 && w < writers && len(b) == 256<<10+w*4096 &&
		bytes.Count(b, b[:1]) == len(b)
}

// testConcurrentSameKey races writers of one key against readers: readers
// only ever see one of the written values, and the end state is one of
// them; a later sequential Put wins.
func testConcurrentSameKey(t *testing.T, s storage.ObjectStore) {
	const writers, rounds, readers = 6, 4, 3
	const key = "same/key"
	mustPut(t, s, key, sameKeyValue(0))
	var done atomic.Bool
	var reads atomic.Int64
	var rg sync.WaitGroup
	for range readers {
		rg.Go(func() { readSameKey(t, s, key, writers, &done, &reads) })
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range rounds {
				if err := s.Put(context.Background(), key, sameKeyValue(w)); err != nil {
					t.Errorf("Put by writer %d: %v", w, err)
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	rg.Wait()
	if got := mustGet(t, s, key); !isWrittenValue(got, writers) {
		t.Fatalf("final value (%d bytes) is not one of the written values", len(got))
	}
	mustPut(t, s, key, sameKeyValue(writers-1))
	mustGetEqual(t, s, key, sameKeyValue(writers-1))
	t.Logf("%d concurrent reads checked", reads.Load())
}

func readSameKey(t *testing.T, s storage.ObjectStore, key string, writers int, done *atomic.Bool, reads *atomic.Int64) {
	for !done.Load() {
		got, err := s.Get(context.Background(), key)
		if err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Get during overwrites: %v (the key always exists)", err)
			} else {
				t.Errorf("Get during overwrites: %v", err)
			}
			return
		}
		if !isWrittenValue(got, writers) {
			t.Errorf("Get during overwrites returned a torn object (%d bytes, first byte %q)", len(got), got[:min(1, len(got))])
			return
		}
		reads.Add(1)
	}
}
