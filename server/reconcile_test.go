package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// deletedRaftFiles lists raft.db files this process holds open although
// they were deleted.
func deletedRaftFiles(t *testing.T) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	var out []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.Contains(target, "raft.db") && strings.HasSuffix(target, "(deleted)") {
			out = append(out, target)
		}
	}
	return out
}

// TestConcurrentCreatesLoseNothing pins defect 1 of issue 10: collections
// created concurrently (while the node reconciles its shards after every
// metadata change) keep every acknowledged row across a restart, and no
// shard runs on a deleted raft.db.
func TestConcurrentCreatesLoseNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startTest(t, dir)
	c := newClient(t, s)
	const n, workers = 40, 4
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				name := fmt.Sprintf("r_%d", i)
				if r := c.do("collections/create", map[string]any{"collectionName": name, "dimension": 2}); r.Code != 0 {
					t.Errorf("create %s: %d %s", name, r.Code, r.Message)
					return
				}
				if r := c.do("entities/insert", map[string]any{"collectionName": name, "data": []map[string]any{{"id": 1, "vector": []float32{1, 2}}}}); r.Code != 0 {
					t.Errorf("insert %s: %d %s", name, r.Code, r.Message)
				}
			}
		}(w)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if del := deletedRaftFiles(t); len(del) > 0 {
		t.Errorf("%d shards run on deleted files, e.g. %s", len(del), del[0])
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s = startTest(t, dir)
	c = newClient(t, s)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("r_%d", i)
		var rows []map[string]any
		if err := json.Unmarshal(c.ok("entities/get", map[string]any{"collectionName": name, "id": []int{1}}), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Errorf("%s: acknowledged row lost after restart (got %d rows)", name, len(rows))
		}
	}
}
