package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFlushUnderSteadyWrites: collections/flush returns while a writer
// keeps filling small segments (so new ones keep being sealed): it waits
// for the segments sealed when it began, not for every sealed segment,
// which under such a load might never be none.
func TestFlushUnderSteadyWrites(t *testing.T) {
	cfg := testConfig(filepath.Join(t.TempDir(), "data"))
	cfg.Lifecycle.ChunkSize, cfg.Lifecycle.SealSize = 4<<10, 16<<10
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	c := newClient(t, s)
	c.ok("collections/create", map[string]any{"collectionName": "w", "dimension": 8, "metricType": "L2", "params": map[string]any{"shardsNum": 2}})
	var (
		stop    atomic.Bool
		written atomic.Int64
		failed  atomic.Value
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		for b := 0; !stop.Load(); b++ {
			rows := make([]map[string]any, 50)
			for i := range rows {
				id := b*50 + i
				rows[i] = map[string]any{"id": id, "vector": vec8(id)}
			}
			body, _ := json.Marshal(map[string]any{"collectionName": "w", "data": rows})
			if err := postOK(c.base+"/v2/vectordb/entities/insert", string(body)); err != nil {
				failed.Store(err)
				return
			}
			written.Add(50)
		}
	})
	defer func() { stop.Store(true); wg.Wait() }()
	for i := 0; i < 3; i++ {
		for n := written.Load(); written.Load() < n+500 && failed.Load() == nil; {
			time.Sleep(10 * time.Millisecond)
		}
		if err := postOK(c.base+"/v2/vectordb/collections/flush", `{"collectionName":"w"}`); err != nil {
			t.Fatalf("flush %d under writes: %v", i, err)
		}
	}
	if err := failed.Load(); err != nil {
		t.Fatalf("writer: %v", err)
	}
}

// postOK posts body and returns an error unless the envelope's code is 0;
// a node that does not answer within a minute is an error too.
func postOK(url, body string) error {
	hc := &http.Client{Timeout: time.Minute}
	resp, err := hc.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if r.Code != 0 {
		return fmt.Errorf("code %d: %s", r.Code, r.Message)
	}
	return nil
}
